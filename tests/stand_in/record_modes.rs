//! The record modes through the stand-in, set by `PROMPT_DIARY_RECORD_MODE` (or the project
//! file it finds from its working directory): `codex app-server` with the adapter as its client,
//! and `codex exec` command lines. `none`, `once`, `new_episodes`, `all`, and what CI allows.

use std::path::{Path, PathBuf};
use std::process::{Output, Stdio};
use std::time::Duration;

use prompt_diary::agent::{AgentConfig, AgentRunner, TurnOptions};
use prompt_diary::codex::{CodexAgentRunner, CodexBackend, CodexBackendConfig};
use prompt_diary::testing::Scenario;
use prompt_diary::testing::conformance::{ScriptedCodex, codex_for_conformance};

use crate::stand_in_run::{STAND_IN, run_stand_in};

const NO_CODEX: &str = "/nonexistent/codex";
const HELLO: &str = "Say hello.";
const GOODBYE: &str = "Say goodbye.";

/// A scripted model that answers each (prompt, reply) in a conversation of its own.
async fn model(bin: &Path, replies: &[(&str, &str)]) -> ScriptedCodex {
    let conversations: Vec<String> = replies
        .iter()
        .map(|(prompt, reply)| {
            format!(r#"{{"match": {prompt:?}, "replies": [{{"message": {reply:?}}}]}}"#)
        })
        .collect();
    let json = format!(
        r#"{{"name": "modes", "conversations": [{}]}}"#,
        conversations.join(",")
    );
    ScriptedCodex::start(Scenario::from_json(&json).unwrap(), bin.to_owned())
        .await
        .unwrap()
}

/// The stand-in as the adapter's Codex, in `mode`, recording through `codex` (or none).
fn through_stand_in(
    cassette: &Path,
    mode: &str,
    codex: Option<&ScriptedCodex>,
) -> CodexBackendConfig {
    let config = CodexBackendConfig::default()
        .with_codex_bin(STAND_IN)
        .with_env("PROMPT_DIARY_CASSETTE", cassette.display().to_string())
        .with_env("PROMPT_DIARY_RECORD_MODE", mode)
        .with_env("CI", "");
    match codex {
        Some(codex) => config
            .with_env(
                "PROMPT_DIARY_CODEX_BIN",
                codex.codex_bin.display().to_string(),
            )
            .with_codex_home(codex.home.path()),
        None => config.with_env("PROMPT_DIARY_CODEX_BIN", NO_CODEX),
    }
}

/// One app-server session through the adapter: each prompt on a runner of its own; the replies.
async fn app_server(config: CodexBackendConfig, prompts: &[&str]) -> Vec<String> {
    let backend = CodexBackend::start(config)
        .await
        .expect("the stand-in starts");
    let workspace = tempfile::tempdir().unwrap();
    let mut replies = Vec::new();
    for prompt in prompts {
        let mut runner = CodexAgentRunner::new(backend.clone(), AgentConfig::new(workspace.path()));
        let result = runner
            .turn(prompt, TurnOptions::with_timeout(Duration::from_secs(60)))
            .await
            .unwrap_or_else(|err| panic!("{prompt}: {err}"));
        replies.push(result.assistant_text);
    }
    backend.shutdown().await.expect("a clean session");
    replies
}

/// The stand-in started by hand with `args` in `dir` with `env` (`CI` only when given), stdin
/// closed; its output.
async fn by_hand(args: &[&str], dir: &Path, env: &[(&str, &str)], stdin: &str) -> Output {
    use tokio::io::AsyncWriteExt as _;
    let mut child = tokio::process::Command::new(STAND_IN)
        .args(args)
        .current_dir(dir)
        .env_remove("CI")
        .env_remove("PROMPT_DIARY_RECORD_MODE")
        .env_remove("PROMPT_DIARY_CASSETTE_MODE")
        .env("PROMPT_DIARY_CODEX_BIN", NO_CODEX)
        .envs(env.iter().copied())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut pipe = child.stdin.take().unwrap();
    let _ = pipe.write_all(stdin.as_bytes()).await;
    drop(pipe);
    tokio::time::timeout(Duration::from_secs(60), child.wait_with_output())
        .await
        .expect("the stand-in ends in time")
        .unwrap()
}

fn exec_args(ws: &Path) -> Vec<String> {
    let ws = ws.display().to_string();
    ["exec", "--json", "--skip-git-repo-check", "-C", &ws, "-"]
        .map(str::to_owned)
        .to_vec()
}

/// One `codex exec` run through the stand-in in `mode`, in a fresh workspace.
async fn exec(cassette: &Path, mode: &str, codex: Option<&ScriptedCodex>, prompt: &str) -> Output {
    let ws = tempfile::tempdir().unwrap();
    let cassette = cassette.display().to_string();
    let (bin, home) = match codex {
        Some(codex) => (
            codex.codex_bin.display().to_string(),
            codex.home.path().display().to_string(),
        ),
        None => (NO_CODEX.to_owned(), "/nonexistent/home".to_owned()),
    };
    let env = [
        ("PROMPT_DIARY_CASSETTE", cassette.as_str()),
        ("PROMPT_DIARY_RECORD_MODE", mode),
        ("PROMPT_DIARY_CODEX_BIN", bin.as_str()),
        ("CODEX_HOME", home.as_str()),
    ];
    run_stand_in(&exec_args(ws.path()), prompt, &env).await
}

/// Asserts `out` succeeded and printed `reply`.
fn printed(out: &Output, reply: &str) {
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && stdout.contains(reply),
        "{reply:?} expected:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Records `cassette` with one app-server conversation and one exec cassette beside it with one
/// run, both saying hello, in `once`; the two paths.
async fn record_hello(bin: &Path, dir: &Path) -> (PathBuf, PathBuf) {
    let (app, runs) = (dir.join("app.jsonl"), dir.join("exec.jsonl"));
    let codex = model(bin, &[(HELLO, "Hello there.")]).await;
    assert_eq!(
        app_server(through_stand_in(&app, "once", Some(&codex)), &[HELLO]).await,
        ["Hello there."]
    );
    codex.model.finish().await.expect("served");
    let codex = model(bin, &[(HELLO, "Hello there.")]).await;
    printed(
        &exec(&runs, "once", Some(&codex), HELLO).await,
        "Hello there.",
    );
    codex.model.finish().await.expect("served");
    (app, runs)
}

#[tokio::test]
async fn none_refuses_to_record_and_names_the_missing_cassette() {
    let dir = tempfile::tempdir().unwrap();
    let cassette = dir.path().join("never_recorded.jsonl");
    let env = [
        ("PROMPT_DIARY_CASSETTE", cassette.to_str().unwrap()),
        ("PROMPT_DIARY_RECORD_MODE", "none"),
    ];
    let app = by_hand(&["app-server"], dir.path(), &env, "").await;
    let exec_args = exec_args(dir.path());
    let exec_args: Vec<&str> = exec_args.iter().map(String::as_str).collect();
    let exec = by_hand(&exec_args, dir.path(), &env, HELLO).await;
    for out in [app, exec] {
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{stderr}");
        assert!(
            stderr.contains(&format!("no cassette at {}", cassette.display()))
                && stderr.contains("PROMPT_DIARY_RECORD_MODE=once"),
            "{stderr}"
        );
    }
    assert!(!cassette.exists());
    // The old variable and mode names still work, with a note saying the new ones.
    let old = [
        ("PROMPT_DIARY_CASSETTE", cassette.to_str().unwrap()),
        ("PROMPT_DIARY_CASSETTE_MODE", "replay"),
    ];
    let out = by_hand(&exec_args, dir.path(), &old, HELLO).await;
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    for note in [
        "note: PROMPT_DIARY_CASSETTE_MODE is the old name of PROMPT_DIARY_RECORD_MODE",
        "note: PROMPT_DIARY_CASSETTE_MODE: record mode \"replay\" is an old name: it means \"none\"",
        "no cassette at",
    ] {
        assert!(stderr.contains(note), "{note:?} missing:\n{stderr}");
    }
}

#[tokio::test]
async fn once_records_what_is_missing_and_leaves_an_existing_cassette_byte_identical() {
    let Some(bin) = codex_for_conformance("stand_in once_records_only_what_is_missing") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let (app, runs) = record_hello(&bin, dir.path()).await;
    let (app_bytes, runs_bytes) = (std::fs::read(&app).unwrap(), std::fs::read(&runs).unwrap());
    assert_eq!(
        app_server(through_stand_in(&app, "once", None), &[HELLO]).await,
        ["Hello there."]
    );
    printed(&exec(&runs, "once", None, HELLO).await, "Hello there.");
    assert_eq!(std::fs::read(&app).unwrap(), app_bytes);
    assert_eq!(std::fs::read(&runs).unwrap(), runs_bytes);
}

#[tokio::test]
async fn new_episodes_appends_a_conversation_and_a_run_then_replays_both() {
    let Some(bin) = codex_for_conformance("stand_in new_episodes_appends") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let (app, runs) = record_hello(&bin, dir.path()).await;
    let codex = model(&bin, &[(GOODBYE, "Goodbye now.")]).await;
    // The recorded conversation first (replayed), then a new one (recorded by the real Codex).
    let replies = app_server(
        through_stand_in(&app, "new_episodes", Some(&codex)),
        &[HELLO, GOODBYE],
    )
    .await;
    assert_eq!(replies, ["Hello there.", "Goodbye now."]);
    codex
        .model
        .finish()
        .await
        .expect("the model served the new conversation only");
    let codex = model(&bin, &[(GOODBYE, "Goodbye now.")]).await;
    printed(
        &exec(&runs, "new_episodes", Some(&codex), HELLO).await,
        "Hello there.",
    );
    printed(
        &exec(&runs, "new_episodes", Some(&codex), GOODBYE).await,
        "Goodbye now.",
    );
    codex
        .model
        .finish()
        .await
        .expect("the model served the new run only");
    let text = std::fs::read_to_string(&runs).unwrap();
    assert!(
        text.contains("{{thread:2}}") && text.matches("\"kind\":\"invocation\"").count() == 2,
        "a second run on a thread of its own:\n{text}"
    );
    // Both replay with the model gone and no Codex.
    let replies = app_server(through_stand_in(&app, "none", None), &[GOODBYE, HELLO]).await;
    assert_eq!(replies, ["Goodbye now.", "Hello there."]);
    printed(&exec(&runs, "none", None, GOODBYE).await, "Goodbye now.");
    printed(&exec(&runs, "none", None, HELLO).await, "Hello there.");
}

#[tokio::test]
async fn all_writes_new_when_the_recording_differs() {
    let Some(bin) = codex_for_conformance("stand_in all_writes_new") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let (app, runs) = record_hello(&bin, dir.path()).await;
    let (app_bytes, runs_bytes) = (std::fs::read(&app).unwrap(), std::fs::read(&runs).unwrap());
    let codex = model(&bin, &[(HELLO, "Hello, changed.")]).await;
    assert_eq!(
        app_server(through_stand_in(&app, "all", Some(&codex)), &[HELLO]).await,
        ["Hello, changed."]
    );
    codex.model.finish().await.expect("served");
    let codex = model(&bin, &[(HELLO, "Hello, changed.")]).await;
    printed(
        &exec(&runs, "all", Some(&codex), HELLO).await,
        "Hello, changed.",
    );
    codex.model.finish().await.expect("served");
    assert_eq!(std::fs::read(&app).unwrap(), app_bytes, "left for review");
    assert_eq!(std::fs::read(&runs).unwrap(), runs_bytes, "left for review");
    for pending in ["app.jsonl.new", "exec.jsonl.new"] {
        let text = std::fs::read_to_string(dir.path().join(pending)).unwrap();
        assert!(text.contains("Hello, changed."), "{pending}: {text}");
    }
}

#[tokio::test]
async fn under_ci_a_recording_mode_from_the_environment_is_refused_with_the_reason() {
    let dir = tempfile::tempdir().unwrap();
    let cassette = dir.path().join("c.jsonl");
    let committed = Path::new(env!("CARGO_MANIFEST_DIR")).join("cassettes/single_turn.jsonl");
    std::fs::copy(committed, &cassette).unwrap();
    let env = [
        ("PROMPT_DIARY_CASSETTE", cassette.to_str().unwrap()),
        ("PROMPT_DIARY_RECORD_MODE", "new_episodes"),
        ("CI", "true"),
    ];
    let app = by_hand(&["app-server"], dir.path(), &env, "").await;
    let exec_args = exec_args(dir.path());
    let exec_args: Vec<&str> = exec_args.iter().map(String::as_str).collect();
    let exec = by_hand(&exec_args, dir.path(), &env, HELLO).await;
    for out in [app, exec] {
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{stderr}");
        assert!(
            stderr.contains("CI never records")
                && stderr.contains("PROMPT_DIARY_RECORD_MODE=new_episodes"),
            "{stderr}"
        );
    }
}

#[tokio::test]
async fn under_ci_a_recording_mode_from_the_project_file_is_read_as_none() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("prompt-diary.toml"),
        "record_mode = \"all\"\n",
    )
    .unwrap();
    let app = dir.path().join("app.jsonl");
    let committed = Path::new(env!("CARGO_MANIFEST_DIR")).join("cassettes/single_turn.jsonl");
    std::fs::copy(&committed, &app).unwrap();
    // The adapter's client starts the stand-in in the project folder (a wrapper that changes
    // directory first, as a test runner in that project would).
    let wrapper = dir.path().join("codex");
    std::fs::write(
        &wrapper,
        format!(
            "#!/bin/sh\ncd '{}' && exec '{STAND_IN}' \"$@\"\n",
            dir.path().display()
        ),
    )
    .unwrap();
    let mut perms = std::fs::metadata(&wrapper).unwrap().permissions();
    std::os::unix::fs::PermissionsExt::set_mode(&mut perms, 0o755);
    std::fs::set_permissions(&wrapper, perms).unwrap();
    let config = CodexBackendConfig::default()
        .with_codex_bin(&wrapper)
        .with_env("PROMPT_DIARY_CASSETTE", app.display().to_string())
        .with_env("PROMPT_DIARY_RECORD_MODE", "")
        .with_env("PROMPT_DIARY_CASSETTE_MODE", "")
        .with_env("PROMPT_DIARY_CODEX_BIN", NO_CODEX)
        .with_env("CI", "true");
    let replies = app_server(config, &[HELLO]).await;
    assert_eq!(replies, ["Hello from the scripted model."]);
    assert_eq!(
        std::fs::read(&app).unwrap(),
        std::fs::read(&committed).unwrap()
    );
    assert!(!dir.path().join("app.jsonl.new").exists());
    // An exec cassette, the same way (the project file found from the run's folder).
    let runs = dir.path().join("exec.jsonl");
    std::fs::write(
        &runs,
        EXEC_CASSETTE.replace("{version}", prompt_diary::codex_bin::PINNED_CODEX_VERSION),
    )
    .unwrap();
    let env = [
        ("PROMPT_DIARY_CASSETTE", runs.to_str().unwrap()),
        ("CI", "true"),
    ];
    let args = exec_args(dir.path());
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = by_hand(&args, dir.path(), &env, HELLO).await;
    printed(&out, "Hello from a committed run.");
    assert_eq!(
        std::fs::read_to_string(&runs).unwrap(),
        EXEC_CASSETTE.replace("{version}", prompt_diary::codex_bin::PINNED_CODEX_VERSION)
    );
    assert!(!dir.path().join("exec.jsonl.new").exists());
}

/// An exec cassette of one run saying hello.
const EXEC_CASSETTE: &str = r#"{"cassette":"prompt-diary","format":1,"kind":"exec","scenario":"hello","codex_version":"{version}","recorded_at":"2026-11-28","redactions":[],"record_command":"PROMPT_DIARY_RECORD_MODE=all"}
{"kind":"invocation","args":["exec","--json","--skip-git-repo-check","-C","{{workspace}}","-"],"stdin":"Say hello.","output_schema":null}
{"kind":"stdout","json":{"thread_id":"{{thread:1}}","type":"thread.started"}}
{"kind":"stdout","json":{"item":{"id":"item_0","text":"Hello from a committed run.","type":"agent_message"},"type":"item.completed"}}
{"kind":"stdout","json":{"type":"turn.completed","usage":{"cached_input_tokens":0,"input_tokens":10,"output_tokens":2}}}
{"kind":"exit","code":0,"status":"exit status: 0","stderr_tail":[]}
"#;
