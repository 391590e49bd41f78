//! Bench 8: the official TypeScript SDK (`@openai/codex-sdk@0.163.0`) replayed through the
//! stand-in against the same run live. One SDK run is `tests/node/sdk_roundtrip.mjs`: a thread's
//! first `thread.run` and its repair `thread.run` (a `codex exec ... resume` with an output
//! schema), the scenario `fixtures/scenarios/ts_sdk_repair.json`. Measured side by side in one
//! run, alternating: live (the SDK's `codexPathOverride` is the pinned Codex, the scripted model
//! answers), recording (the stand-in in record mode in front of the same), and replay (the
//! stand-in serving the cassette, no model, no Codex). Then the replay cost of one invocation:
//! the stand-in alone replaying the first run's `codex exec` command line.
//!
//! Needs Node.js and `.prompt-diary/node-sdk` (`bash scripts/node-sdk-env.sh`) and the pinned
//! Codex. Knobs: `PROMPT_DIARY_BENCH_REPS` (SDK runs per path, default 10),
//! `PROMPT_DIARY_BENCH_INVOCATIONS` (single-invocation replays, default 50).

mod common;

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use common::{Summary, knob, ms, publish, table};
use prompt_diary::testing::conformance::ScriptedCodex;
use tokio::io::AsyncWriteExt as _;

const BENCH: &str = "ts_sdk";
const SHIM: &str = env!("CARGO_BIN_EXE_prompt-diary-codex");
const FIRST: &str = "Write artifact.md describing the plan.";
const REPAIR: &str = "artifact.md does not exist. Write it now.";
const BUDGET: Duration = Duration::from_secs(120);

#[derive(Clone, Copy, PartialEq)]
enum Path3 {
    Live,
    Record,
    Replay,
}

impl Path3 {
    fn name(self) -> &'static str {
        match self {
            Path3::Live => "live: SDK → pinned Codex → scripted model",
            Path3::Record => "recording: SDK → stand-in (record) → pinned Codex → scripted model",
            Path3::Replay => "replay: SDK → stand-in (replay), no Codex, no model",
        }
    }
}

/// Runs the SDK script once; returns its wall time. Panics when it fails: a bench of a broken
/// run measures nothing.
async fn sdk_run(sdk: &Path, program: &Path, workspace: &Path, env: &[(&str, String)]) -> f64 {
    let mut command = tokio::process::Command::new("node");
    command
        .arg(Path::new(common::ROOT).join("tests/node/sdk_roundtrip.mjs"))
        .arg(sdk)
        .arg(program)
        .arg(workspace)
        .args([FIRST, REPAIR])
        .env_remove("CI")
        .env_remove("CODEX_HOME")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    for (key, value) in env {
        command.env(key, value);
    }
    let started = Instant::now();
    let out = tokio::time::timeout(BUDGET, command.output())
        .await
        .expect("the SDK run ends in time")
        .expect("node runs");
    let elapsed = ms(started.elapsed());
    assert!(
        out.status.success(),
        "the SDK run failed: {}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    elapsed
}

/// One SDK run on `path`; the scripted model and Codex home are set up (untimed) per live run.
async fn one(path: Path3, sdk: &Path, bin: &Path, cassette: &Path) -> f64 {
    let cassette_env = ("PROMPT_DIARY_CASSETTE", cassette.display().to_string());
    match path {
        Path3::Replay => {
            let ws = tempfile::tempdir().expect("a workspace");
            let env = [
                cassette_env,
                ("PROMPT_DIARY_RECORD_MODE", "none".to_owned()),
                ("PROMPT_DIARY_CODEX_BIN", "/nonexistent/codex".to_owned()),
            ];
            sdk_run(sdk, Path::new(SHIM), ws.path(), &env).await
        }
        Path3::Live | Path3::Record => {
            let codex = ScriptedCodex::from_fixture(
                Path::new(common::ROOT),
                "ts_sdk_repair",
                bin.to_owned(),
            )
            .await
            .expect("the scripted model starts");
            let home = ("CODEX_HOME", codex.home.path().display().to_string());
            let elapsed = if path == Path3::Live {
                sdk_run(sdk, bin, codex.workspace.path(), &[home]).await
            } else {
                let scratch = tempfile::tempdir().expect("a temp dir");
                let env = [
                    (
                        "PROMPT_DIARY_CASSETTE",
                        scratch.path().join("rec.jsonl").display().to_string(),
                    ),
                    ("PROMPT_DIARY_RECORD_MODE", "all".to_owned()),
                    ("PROMPT_DIARY_CODEX_BIN", bin.display().to_string()),
                    home,
                ];
                sdk_run(sdk, Path::new(SHIM), codex.workspace.path(), &env).await
            };
            codex
                .model
                .finish()
                .await
                .expect("the model served every reply");
            elapsed
        }
    }
}

/// The stand-in alone replaying the first run (`codex exec --experimental-json --cd WS
/// --skip-git-repo-check`, the prompt on stdin), as the SDK calls it; returns its wall time.
async fn one_invocation(cassette: &Path) -> f64 {
    let ws = tempfile::tempdir().expect("a workspace");
    let started = Instant::now();
    let mut child = tokio::process::Command::new(SHIM)
        .args(["exec", "--experimental-json", "--cd"])
        .arg(ws.path())
        .arg("--skip-git-repo-check")
        .env("PROMPT_DIARY_CASSETTE", cassette)
        .env("PROMPT_DIARY_RECORD_MODE", "none")
        .env("PROMPT_DIARY_CODEX_BIN", "/nonexistent/codex")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("the stand-in starts");
    let mut stdin = child.stdin.take().expect("stdin");
    stdin.write_all(FIRST.as_bytes()).await.expect("stdin");
    drop(stdin);
    let out = tokio::time::timeout(BUDGET, child.wait_with_output())
        .await
        .expect("the replay ends in time")
        .expect("the stand-in's output");
    let elapsed = ms(started.elapsed());
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    elapsed
}

fn main() {
    let Some(bin) = common::codex_bin(BENCH) else {
        return;
    };
    let sdk = PathBuf::from(common::ROOT).join(".prompt-diary/node-sdk");
    if !sdk
        .join("node_modules/@openai/codex-sdk/package.json")
        .is_file()
    {
        eprintln!(
            "SKIPPED bench {BENCH}: no {}; install it with `bash scripts/node-sdk-env.sh`",
            sdk.display()
        );
        return;
    }
    let reps = knob("REPS", 10).max(1);
    let invocations = knob("INVOCATIONS", 50).max(1);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    let scratch = tempfile::tempdir().expect("a temp dir");
    let cassette = scratch.path().join("ts_sdk_repair.jsonl");
    let paths = [Path3::Live, Path3::Record, Path3::Replay];
    let (times, single) = runtime.block_on(async {
        // The cassette every replay serves, recorded once (also the warm-up).
        let codex =
            ScriptedCodex::from_fixture(Path::new(common::ROOT), "ts_sdk_repair", bin.clone())
                .await
                .expect("the scripted model starts");
        sdk_run(
            &sdk,
            Path::new(SHIM),
            codex.workspace.path(),
            &[
                ("PROMPT_DIARY_CASSETTE", cassette.display().to_string()),
                ("PROMPT_DIARY_RECORD_MODE", "all".to_owned()),
                ("PROMPT_DIARY_CODEX_BIN", bin.display().to_string()),
                ("CODEX_HOME", codex.home.path().display().to_string()),
            ],
        )
        .await;
        codex.model.shutdown().await;
        one(Path3::Replay, &sdk, &bin, &cassette).await; // warm-up, not counted
        let mut times: Vec<Vec<f64>> = vec![Vec::new(); paths.len()];
        for rep in 0..reps {
            // Rotate which path goes first, so drift in the machine's load hits all.
            for k in 0..paths.len() {
                let i = (k + rep) % paths.len();
                let t = one(paths[i], &sdk, &bin, &cassette).await;
                eprintln!("rep {rep} {}: {t:.0} ms", paths[i].name());
                times[i].push(t);
            }
        }
        let mut single = Vec::new();
        for _ in 0..invocations {
            single.push(one_invocation(&cassette).await);
        }
        (times, single)
    });
    let live = Summary::of(&times[0]);
    let mut rows = Vec::new();
    for (path, samples) in paths.iter().zip(&times) {
        let s = Summary::of(samples);
        rows.push(vec![
            path.name().to_owned(),
            s.range(0),
            format!("{:.2}×", s.median / live.median),
        ]);
    }
    let pairs: Vec<f64> = times[2].iter().zip(&times[0]).map(|(r, l)| r / l).collect();
    let pair = Summary::of(&pairs);
    let one = Summary::of(&single);
    let mut text = table(
        &[
            "path (one SDK run: 2 × `thread.run`)",
            "wall ms, median (min–max)",
            "/ live (medians)",
        ],
        &rows,
    );
    text.push_str(&format!(
        "\n**Replay / live: {:.2}×** (medians); per alternating pair {} (min–max).\n\n\
         | one `codex exec` invocation replayed by the stand-in alone | wall ms, median (min–max) | runs |\n\
         |---|---|---|\n\
         | the first run's command line, prompt on stdin, events to stdout, effects applied | {} | {invocations} |\n",
        Summary::of(&times[2]).median / live.median,
        pair.range(2),
        one.range(1),
    ));
    let notes = format!(
        "{reps} SDK runs per path, alternating which goes first (live and recording each get a \
         fresh scripted zero-delay model, Codex home and workspace, set up untimed; replays a \
         fresh workspace). Wall time of the whole Node process (`node tests/node/sdk_roundtrip.mjs`: \
         Node start, SDK import, two `thread.run`, each spawning `codex exec`), so Node's own \
         start-up is in every row. The release-profile stand-in (`cargo bench` builds it) and \
         the pinned Codex; the cassette replayed is the one recorded just before. The single \
         invocation is the stand-in process from spawn to exit: load and match the cassette, \
         print the events with fresh ids, apply the effects."
    );
    publish(
        BENCH,
        "8. The TypeScript SDK: replay against live",
        &text,
        &notes,
    );
}
