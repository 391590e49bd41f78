//! `codex exec --json` through the `prompt-diary-codex` stand-in: a thread's first run and its
//! `resume` run recorded against the real Codex and the scripted model, then replayed with the
//! model gone, three times, the same events, files and exit codes; a changed prompt diverges. And,
//! offline, a `--config=k=v` before `exec` replays like `--config k=v`.

use crate::stand_in_run::run_stand_in;
use std::path::Path;
use std::process::{Output, Stdio};
use std::time::Duration;

use prompt_diary::testing::Scenario;
use prompt_diary::testing::conformance::{ScriptedCodex, codex_for_conformance};

/// No run may take longer than this.
const RUN_TIMEOUT: Duration = Duration::from_secs(120);

const SCENARIO: &str = r#"{
  "name": "exec_two_runs",
  "conversations": [{ "replies": [
    { "shell": "printf 'first\\n' > notes.md" },
    { "message": "Wrote notes.md." },
    { "shell": "printf 'second\\n' >> notes.md" },
    { "message": "Appended to notes.md." }
  ] }]
}"#;

const FIRST: &str = "Write notes.md with one line.";
const REPAIR: &str = "Append a second line to notes.md.";

/// Runs the stand-in with `args`, `stdin` and the cassette settings; bounded, killed on timeout.
async fn stand_in(
    cassette: &Path,
    mode: &str,
    home: &Path,
    codex_bin: &str,
    args: &[&str],
    stdin: &str,
) -> Output {
    let args: Vec<String> = args.iter().map(|a| (*a).to_owned()).collect();
    let cassette = cassette.display().to_string();
    let home = home.display().to_string();
    let env = [
        ("PROMPT_DIARY_CASSETTE", cassette.as_str()),
        ("PROMPT_DIARY_RECORD_MODE", mode),
        ("PROMPT_DIARY_CODEX_BIN", codex_bin),
        ("CODEX_HOME", home.as_str()),
    ];
    run_stand_in(&args, stdin, &env).await
}

/// The events a run printed, with the workspace path and the thread id made neutral.
fn events(output: &Output, workspace: &Path, thread: &str) -> Vec<serde_json::Value> {
    let text = String::from_utf8_lossy(&output.stdout)
        .replace(&workspace.display().to_string(), "WS")
        .replace(thread, "THREAD");
    text.lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|_| panic!("not JSON: {line}")))
        .collect()
}

fn thread_of(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .find(|event| event["type"] == "thread.started")
        .and_then(|event| event["thread_id"].as_str().map(str::to_owned))
        .expect("a thread.started event")
}

fn first_args(ws: &Path) -> Vec<String> {
    let ws = ws.display().to_string();
    ["exec", "--json", "--skip-git-repo-check", "-C", &ws, "-"]
        .map(str::to_owned)
        .to_vec()
}

fn resume_args(ws: &Path, thread: &str, last: &Path) -> Vec<String> {
    let (ws, last) = (ws.display().to_string(), last.display().to_string());
    [
        "exec",
        "--experimental-json",
        "--skip-git-repo-check",
        "--cd",
        &ws,
        "-o",
        &last,
        "resume",
        thread,
    ]
    .map(str::to_owned)
    .to_vec()
}

fn strs(args: &[String]) -> Vec<&str> {
    args.iter().map(String::as_str).collect()
}

#[tokio::test]
async fn exec_runs_on_one_thread_record_then_replay_three_times_without_the_model() {
    let Some(bin) = codex_for_conformance(
        "exec_runs_on_one_thread_record_then_replay_three_times_without_the_model",
    ) else {
        return;
    };
    let scenario = Scenario::from_json(SCENARIO).expect("scenario");
    let codex = ScriptedCodex::start(scenario, bin.clone())
        .await
        .expect("model");
    let dir = tempfile::tempdir().unwrap();
    let cassette = dir.path().join("exec_two_runs.jsonl");
    let bin = bin.display().to_string();
    let home = codex.home.path().to_owned();
    let ws = codex.workspace.path().to_owned();

    let live1 = stand_in(
        &cassette,
        "all",
        &home,
        &bin,
        &strs(&first_args(&ws)),
        FIRST,
    )
    .await;
    assert!(
        live1.status.success(),
        "first run: {}",
        String::from_utf8_lossy(&live1.stderr)
    );
    let thread = thread_of(&live1);
    let last = dir.path().join("last-live.txt");
    let live2 = stand_in(
        &cassette,
        "all",
        &home,
        &bin,
        &strs(&resume_args(&ws, &thread, &last)),
        REPAIR,
    )
    .await;
    assert!(
        live2.status.success(),
        "resume run: {}",
        String::from_utf8_lossy(&live2.stderr)
    );
    assert_eq!(
        thread_of(&live2),
        thread,
        "the resume run continues the thread"
    );
    let live_notes = std::fs::read_to_string(ws.join("notes.md")).unwrap();
    assert_eq!(live_notes, "first\nsecond\n");
    let live_last = std::fs::read_to_string(&last).unwrap();
    codex
        .model
        .finish()
        .await
        .expect("the model served every reply");
    let text = std::fs::read_to_string(&cassette).unwrap();
    assert!(text.contains("\"kind\":\"exec\""), "{text}");
    assert!(
        !text.contains(&thread),
        "the thread id is a placeholder:\n{text}"
    );
    assert!(
        !text.contains(&ws.display().to_string()),
        "the workspace is a placeholder:\n{text}"
    );
    let inspect = std::process::Command::new(env!("CARGO_BIN_EXE_prompt-diary"))
        .arg("inspect")
        .arg(&cassette)
        .output()
        .expect("inspect runs");
    let story = String::from_utf8_lossy(&inspect.stdout);
    assert!(inspect.status.success(), "{story}");
    for expected in [
        "2 run(s)",
        "run 1 (line 2): codex exec --json --skip-git-repo-check -C {{workspace}} -",
        "stdin: \"Append a second line to notes.md.\"",
        "resume {{thread:1}}",
        "message: Appended to notes.md.",
        "file: wrote notes.md",
        "exit 0",
    ] {
        assert!(story.contains(expected), "{expected:?} missing:\n{story}");
    }

    for round in 0..3 {
        let replay_ws = tempfile::tempdir().unwrap();
        let rws = replay_ws.path();
        let run1 = stand_in(
            &cassette,
            "none",
            &home,
            "/nonexistent/codex",
            &strs(&first_args(rws)),
            FIRST,
        )
        .await;
        assert_eq!(
            run1.status.code(),
            Some(0),
            "round {round}: {}",
            String::from_utf8_lossy(&run1.stderr)
        );
        let replay_thread = thread_of(&run1);
        assert_ne!(replay_thread, thread, "replay makes fresh ids");
        assert_eq!(
            events(&run1, rws, &replay_thread),
            events(&live1, &ws, &thread),
            "round {round}"
        );
        assert_eq!(
            std::fs::read_to_string(rws.join("notes.md")).unwrap(),
            "first\n"
        );

        let last = replay_ws.path().join("last.txt");
        let run2 = stand_in(
            &cassette,
            "none",
            &home,
            "/nonexistent/codex",
            &strs(&resume_args(rws, &replay_thread, &last)),
            REPAIR,
        )
        .await;
        assert_eq!(
            run2.status.code(),
            Some(0),
            "round {round}: {}",
            String::from_utf8_lossy(&run2.stderr)
        );
        assert_eq!(
            events(&run2, rws, &replay_thread),
            events(&live2, &ws, &thread),
            "round {round}"
        );
        assert_eq!(
            std::fs::read_to_string(rws.join("notes.md")).unwrap(),
            live_notes
        );
        assert_eq!(std::fs::read_to_string(&last).unwrap(), live_last);
    }

    let replay_ws = tempfile::tempdir().unwrap();
    let changed = stand_in(
        &cassette,
        "none",
        &home,
        "/nonexistent/codex",
        &strs(&first_args(replay_ws.path())),
        "Write something else.",
    )
    .await;
    assert_ne!(changed.status.code(), Some(0));
    let stderr = String::from_utf8_lossy(&changed.stderr);
    assert!(
        stderr.contains("replay diverged from the cassette"),
        "{stderr}"
    );
    assert!(stderr.contains("$.stdin"), "{stderr}");
    assert!(stderr.contains("PROMPT_DIARY_RECORD_MODE=once"), "{stderr}");
    assert!(
        changed.stdout.is_empty(),
        "nothing is printed on a divergence"
    );
}

/// The README's recipe: a shell script runs `codex exec --json` with the stand-in first on `PATH`
/// as `codex`, reads the events line by line and resumes the thread they named.
const SCRIPT: &str = r#"set -euo pipefail
thread=$(echo "Write notes.md with one line." | codex exec --json --skip-git-repo-check -C ws - \
  | while IFS= read -r event; do echo "$event" >> events.log; echo "$event"; done \
  | sed -n 's/.*"thread.started".*"thread_id":"\([^"]*\)".*/\1/p; s/.*"thread_id":"\([^"]*\)".*"thread.started".*/\1/p')
test -n "$thread"
echo "Append a second line to notes.md." | codex exec --json --skip-git-repo-check -C ws resume "$thread" - >> events.log
"#;

/// Runs [`SCRIPT`] in `dir` (with `dir/ws`) with the stand-in as `codex` first on `PATH`
/// (`prompt-diary install-stand-in dir/bin`).
async fn script(dir: &Path, cassette: &Path, mode: &str, home: &Path, codex_bin: &str) -> Output {
    let bin_dir = dir.join("bin");
    std::fs::create_dir_all(dir.join("ws")).unwrap();
    // The README's way: `prompt-diary install-stand-in DIR` writes DIR/codex.
    let installed = std::process::Command::new(env!("CARGO_BIN_EXE_prompt-diary"))
        .arg("install-stand-in")
        .arg(&bin_dir)
        .output()
        .expect("install-stand-in runs");
    assert!(installed.status.success(), "{installed:?}");
    let path = format!(
        "{}:{}",
        bin_dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let child = tokio::process::Command::new("bash")
        .args(["-c", SCRIPT])
        .current_dir(dir)
        .env("PATH", path)
        .env("PROMPT_DIARY_CASSETTE", cassette)
        .env("PROMPT_DIARY_RECORD_MODE", mode)
        .env("PROMPT_DIARY_CODEX_BIN", codex_bin)
        .env("CODEX_HOME", home)
        .env("CI", "")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("bash starts");
    tokio::time::timeout(RUN_TIMEOUT, child.wait_with_output())
        .await
        .expect("the script ends in time")
        .expect("the script's output")
}

/// The events a script logged, each thread id made neutral.
fn logged_events(dir: &Path) -> Vec<serde_json::Value> {
    let text = std::fs::read_to_string(dir.join("events.log")).unwrap();
    let mut events: Vec<serde_json::Value> = text
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|_| panic!("not JSON: {line}")))
        .collect();
    for event in &mut events {
        if let Some(id) = event.get_mut("thread_id") {
            *id = serde_json::Value::from("THREAD");
        }
    }
    events
}

#[tokio::test]
async fn a_shell_script_with_the_stand_in_on_path_records_and_replays() {
    let Some(bin) =
        codex_for_conformance("a_shell_script_with_the_stand_in_on_path_records_and_replays")
    else {
        return;
    };
    let scenario = Scenario::from_json(SCENARIO).expect("scenario");
    let codex = ScriptedCodex::start(scenario, bin.clone())
        .await
        .expect("model");
    let cassettes = tempfile::tempdir().unwrap();
    let cassette = cassettes.path().join("script.jsonl");
    let home = codex.home.path().to_owned();
    let live = tempfile::tempdir().unwrap();
    let out = script(
        live.path(),
        &cassette,
        "all",
        &home,
        &bin.display().to_string(),
    )
    .await;
    assert!(
        out.status.success(),
        "live: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    codex
        .model
        .finish()
        .await
        .expect("the model served every reply");
    let notes = std::fs::read_to_string(live.path().join("ws/notes.md")).unwrap();
    assert_eq!(notes, "first\nsecond\n");

    for round in 0..3 {
        let replay = tempfile::tempdir().unwrap();
        let out = script(
            replay.path(),
            &cassette,
            "none",
            &home,
            "/nonexistent/codex",
        )
        .await;
        assert!(
            out.status.success(),
            "round {round}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(
            std::fs::read_to_string(replay.path().join("ws/notes.md")).unwrap(),
            notes
        );
        assert_eq!(
            logged_events(replay.path()),
            logged_events(live.path()),
            "round {round}"
        );
    }
}

/// One recorded run whose command line gives a `--config` override before `exec`.
const CONFIG_CASSETTE: &str = r#"{"cassette":"prompt-diary","format":1,"kind":"exec","scenario":"config","codex_version":"{version}","recorded_at":"2026-11-28","redactions":[],"record_command":"PROMPT_DIARY_RECORD_MODE=all"}
{"kind":"invocation","args":["--config","model=\"m\"","exec","--json","-C","{{workspace}}","Say hi."],"stdin":"","output_schema":null}
{"kind":"stdout","json":{"thread_id":"{{thread:1}}","type":"thread.started"}}
{"kind":"stdout","json":{"item":{"id":"item_0","text":"Hi.","type":"agent_message"},"type":"item.completed"}}
{"kind":"stdout","json":{"type":"turn.completed","usage":{"cached_input_tokens":0,"input_tokens":10,"output_tokens":2}}}
{"kind":"exit","code":0,"status":"exit status: 0","stderr_tail":[]}
"#;

#[tokio::test]
async fn config_before_exec_is_served_in_every_spelling_offline() {
    let dir = tempfile::tempdir().unwrap();
    let cassette = dir.path().join("config.jsonl");
    let version = prompt_diary::codex_bin::PINNED_CODEX_VERSION;
    std::fs::write(&cassette, CONFIG_CASSETTE.replace("{version}", version)).unwrap();
    let ws = dir.path().join("ws");
    std::fs::create_dir_all(&ws).unwrap();
    let ws = ws.display().to_string();
    let tail = ["exec", "--json", "-C", &ws, "Say hi."];
    for spelled in [
        &["--config=model=\"m\""][..],
        &["--config", "model=\"m\""][..],
    ] {
        let args = [spelled, &tail[..]].concat();
        let out = stand_in(
            &cassette,
            "none",
            dir.path(),
            "/nonexistent/codex",
            &args,
            "",
        )
        .await;
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{args:?}: {stderr}");
        assert!(
            String::from_utf8_lossy(&out.stdout).contains("\"text\":\"Hi.\""),
            "{args:?}: {stderr}"
        );
    }
}
