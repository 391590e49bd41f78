//! An exec recording never damages what is there: a recorder killed mid-run (SIGTERM to the
//! stand-in, or SIGKILL to it and the real Codex under it) leaves the good cassette byte for byte
//! and no file beside it; an exec cassette whose effects climb out of the workspace (`../`) is
//! refused at load, before anything is printed or written.

use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use crate::stand_in_run::run_stand_in;
use prompt_diary::testing::Scenario;
use prompt_diary::testing::conformance::{ScriptedCodex, codex_for_conformance};
use rstest::rstest;
use tokio::io::{AsyncBufReadExt as _, AsyncWriteExt as _, BufReader};
use tokio::process::{Child, Command};

const SHIM: &str = env!("CARGO_BIN_EXE_prompt-diary-codex");
/// No run, and no wait for a line or an exit, may take longer than this.
const BUDGET: Duration = Duration::from_secs(120);

/// The good recording writes notes.md; the re-recording's model never answers, so the kill
/// always lands mid-run.
const SCENARIO: &str = r#"{
  "name": "exec_killed_recorder",
  "conversations": [
    { "match": "Write notes.md", "replies": [
      { "shell": "printf 'good\\n' > notes.md" },
      { "message": "Wrote notes.md." }
    ] },
    { "match": "Never finishes", "replies": [ { "stall": true } ] }
  ]
}"#;

/// Starts the stand-in recording `codex exec --json` with `prompt` on stdin, in its own process
/// group (so the real Codex under it can be killed with it).
async fn start_recording(
    cassette: &Path,
    codex: &ScriptedCodex,
    tmp: &Path,
    prompt: &str,
) -> Child {
    let ws = codex.workspace.path().display().to_string();
    let mut child = Command::new(SHIM)
        .args(["exec", "--json", "--skip-git-repo-check", "-C", &ws, "-"])
        .env("PROMPT_DIARY_CASSETTE", cassette)
        .env("PROMPT_DIARY_RECORD_MODE", "all")
        .env("PROMPT_DIARY_CODEX_BIN", &codex.codex_bin)
        .env("CODEX_HOME", codex.home.path())
        .env("TMPDIR", tmp)
        .env("CI", "")
        .process_group(0)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("the stand-in starts");
    let mut stdin = child.stdin.take().expect("stdin");
    stdin.write_all(prompt.as_bytes()).await.expect("stdin");
    drop(stdin);
    child
}

/// Reads the child's stdout until the event of `kind`; returns the lines read.
async fn read_until(child: &mut Child, kind: &str) -> Vec<String> {
    let stdout = child.stdout.as_mut().expect("stdout");
    let mut lines = BufReader::new(stdout).lines();
    let mut seen = Vec::new();
    let wanted = format!("\"type\":\"{kind}\"");
    tokio::time::timeout(BUDGET, async {
        while let Some(line) = lines.next_line().await.expect("stdout readable") {
            let done = line.contains(&wanted);
            seen.push(line);
            if done {
                return;
            }
        }
        panic!("the stand-in ended before a {kind} event: {seen:?}");
    })
    .await
    .expect("the event came in time");
    seen
}

/// Sends `signal` to the process (`-pid` for its group) with the system's `kill`.
fn kill(signal: &str, target: &str) {
    let status = std::process::Command::new("kill")
        .args([signal, "--", target])
        .status()
        .expect("kill runs");
    assert!(status.success(), "kill {signal} {target}");
}

fn names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[rstest]
#[case::sigterm_to_the_stand_in("-TERM", false)]
#[case::sigkill_to_the_stand_in_and_codex("-KILL", true)]
#[tokio::test]
async fn a_killed_exec_recorder_never_replaces_a_good_cassette(
    #[case] signal: &str,
    #[case] whole_group: bool,
) {
    let Some(bin) = codex_for_conformance("a_killed_exec_recorder_never_replaces_a_good_cassette")
    else {
        return;
    };
    let scenario = Scenario::from_json(SCENARIO).expect("scenario");
    let codex = ScriptedCodex::start(scenario, bin).await.expect("model");
    let cassettes = tempfile::tempdir().unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let cassette = cassettes.path().join("notes.jsonl");

    let good = start_recording(&cassette, &codex, tmp.path(), "Write notes.md.").await;
    let out = tokio::time::timeout(BUDGET, good.wait_with_output())
        .await
        .expect("the good recording ends in time")
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let before = std::fs::read(&cassette).expect("the good cassette");
    assert_eq!(names(cassettes.path()), ["notes.jsonl"]);

    let served = codex.model.requests().len();
    let mut rerecord = start_recording(&cassette, &codex, tmp.path(), "Never finishes.").await;
    // The real Codex has started the thread, passed through live, and its model call is held by
    // the stalled model: the run is in the middle.
    let seen = read_until(&mut rerecord, "thread.started").await;
    assert_eq!(seen.len(), 1, "{seen:?}");
    codex
        .model
        .wait_for_requests(served + 1, BUDGET)
        .await
        .expect("the re-recording's model call arrived");
    let pid = rerecord.id().expect("running").to_string();
    let target = if whole_group { format!("-{pid}") } else { pid };
    kill(signal, &target);
    let out = tokio::time::timeout(BUDGET, rerecord.wait_with_output())
        .await
        .expect("the killed recorder ends in time")
        .unwrap();
    assert!(!out.status.success(), "a killed recorder does not succeed");
    if !whole_group {
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains("stopped by a signal; the run was not recorded"),
            "{stderr}"
        );
    }

    assert_eq!(
        std::fs::read(&cassette).unwrap(),
        before,
        "the good cassette is byte-identical"
    );
    assert_eq!(
        names(cassettes.path()),
        ["notes.jsonl"],
        "no .new, no temp file beside the cassette"
    );
    codex.model.shutdown().await;
}

/// An exec cassette whose effects name `../` is refused when the stand-in loads it: the report
/// names the line and the reason, nothing reaches stdout, nothing is written outside.
#[tokio::test]
async fn an_exec_cassette_with_a_parent_path_is_refused_at_load() {
    let dir = tempfile::tempdir().unwrap();
    let ws = dir.path().join("ws");
    std::fs::create_dir_all(&ws).unwrap();
    let cassette = dir.path().join("escape.jsonl");
    std::fs::write(
        &cassette,
        concat!(
            r#"{"cassette":"prompt-diary","format":1,"kind":"exec","scenario":"escape","codex_version":"0.171.0","recorded_at":"2026-11-28","redactions":[],"record_command":"r"}"#,
            "\n",
            r#"{"kind":"invocation","args":["exec","--json","--skip-git-repo-check","-C","{{workspace}}","-"],"stdin":"hi","output_schema":null}"#,
            "\n",
            r#"{"kind":"stdout","json":{"thread_id":"{{thread:1}}","type":"thread.started"}}"#,
            "\n",
            r#"{"kind":"effects","effects":[{"op":"write","path":"../escaped.md","text":"x"}]}"#,
            "\n",
            r#"{"kind":"exit","code":0,"status":"exit status: 0","stderr_tail":[]}"#,
            "\n"
        ),
    )
    .unwrap();
    let mut child = Command::new(SHIM)
        .args(["exec", "--json", "--skip-git-repo-check", "-C"])
        .arg(&ws)
        .arg("-")
        .env("PROMPT_DIARY_CASSETTE", &cassette)
        .env("PROMPT_DIARY_RECORD_MODE", "none")
        .env("PROMPT_DIARY_CODEX_BIN", "/nonexistent/codex")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(b"hi").await.unwrap();
    drop(stdin);
    let out = tokio::time::timeout(BUDGET, child.wait_with_output())
        .await
        .expect("the stand-in ends in time")
        .unwrap();
    assert_ne!(out.status.code(), Some(0));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("escape.jsonl:4"), "{stderr}");
    assert!(stderr.contains("the path contains `..`"), "{stderr}");
    assert!(out.stdout.is_empty(), "nothing replayed");
    assert!(!dir.path().join("escaped.md").exists());
}

/// `PROMPT_DIARY_USED_RUNS`: each replayed run's number is noted, so a test helper can fail a
/// test that left recorded runs unused (the pytest plugin and the vitest helper do).
#[tokio::test]
async fn a_replayed_run_notes_its_number_for_the_unused_runs_check() {
    let dir = tempfile::tempdir().unwrap();
    let cassette = dir.path().join("exec_two_runs.jsonl");
    std::fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/view/exec_two_runs.jsonl"),
        &cassette,
    )
    .unwrap();
    let ws = dir.path().join("ws");
    std::fs::create_dir_all(&ws).unwrap();
    let ledger = dir.path().join("used.runs");
    let (cassette, ledger_text) = (cassette.display().to_string(), ledger.display().to_string());
    let args: Vec<String> = ["exec", "--json", "--skip-git-repo-check", "-C"]
        .iter()
        .map(|a| (*a).to_owned())
        .chain([ws.display().to_string(), "-".to_owned()])
        .collect();
    let env = [
        ("PROMPT_DIARY_CASSETTE", cassette.as_str()),
        ("PROMPT_DIARY_RECORD_MODE", "none"),
        ("PROMPT_DIARY_CODEX_BIN", "/nonexistent/codex"),
        ("PROMPT_DIARY_USED_RUNS", ledger_text.as_str()),
    ];
    let out = run_stand_in(
        &args,
        "Write notes.md <script>window.pwned=1</script>",
        &env,
    )
    .await;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(std::fs::read_to_string(&ledger).unwrap(), "1\n");
    // A run the cassette does not hold notes nothing.
    let out = run_stand_in(&args, "Something else.", &env).await;
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(std::fs::read_to_string(&ledger).unwrap(), "1\n");
}
