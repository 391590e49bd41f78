//! `new_episodes` extends only a cassette it can extend honestly: one recorded by the Codex
//! recording now, whole (its `exit` line there, its last line ended). And a recording never
//! takes its Codex version from a binary that is no Codex (`PROMPT_DIARY_CODEX_BIN=/bin/false`).

use std::path::Path;
use std::process::{Output, Stdio};
use std::time::Duration;

use prompt_diary::agent::{AgentConfig, AgentRunner, TurnOptions};
use prompt_diary::codex::{CodexAgentRunner, CodexBackend, CodexBackendConfig};
use prompt_diary::codex_bin::PINNED_CODEX_VERSION;
use prompt_diary::testing::Scenario;
use prompt_diary::testing::conformance::{ScriptedCodex, codex_for_conformance};

use crate::stand_in_run::{STAND_IN, run_stand_in};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");
const NEW_PROMPT: &str = "Say something new.";

/// An exec cassette of one run saying hello, recorded by Codex `{version}`.
const EXEC_CASSETTE: &str = r#"{"cassette":"prompt-diary","format":1,"kind":"exec","scenario":"hello","codex_version":"{version}","recorded_at":"2026-11-28","redactions":[],"record_command":"PROMPT_DIARY_RECORD_MODE=all"}
{"kind":"invocation","args":["exec","--json","--skip-git-repo-check","-C","{{workspace}}","-"],"stdin":"Say hello.","output_schema":null}
{"kind":"stdout","json":{"thread_id":"{{thread:1}}","type":"thread.started"}}
{"kind":"stdout","json":{"item":{"id":"item_0","text":"Hello from a committed run.","type":"agent_message"},"type":"item.completed"}}
{"kind":"stdout","json":{"type":"turn.completed","usage":{"cached_input_tokens":0,"input_tokens":10,"output_tokens":2}}}
{"kind":"exit","code":0,"status":"exit status: 0","stderr_tail":[]}
"#;

/// A scripted model for a new prompt that a refusal keeps from ever being asked.
async fn model(bin: &Path) -> ScriptedCodex {
    let json = format!(
        r#"{{"name": "new", "conversations": [{{"match": {NEW_PROMPT:?}, "replies": [{{"message": "New."}}]}}]}}"#
    );
    let codex = ScriptedCodex::start(Scenario::from_json(&json).unwrap(), bin.to_owned())
        .await
        .unwrap();
    codex.model.expect_all_served(false);
    codex
}

/// One `codex exec` run of `prompt` through the stand-in on `cassette` in `mode`, with
/// `codex_bin` as the real Codex.
async fn exec(cassette: &Path, mode: &str, codex_bin: &str, home: &str, prompt: &str) -> Output {
    let ws = tempfile::tempdir().unwrap();
    let ws_arg = ws.path().display().to_string();
    let args = [
        "exec",
        "--json",
        "--skip-git-repo-check",
        "-C",
        &ws_arg,
        "-",
    ]
    .map(str::to_owned);
    let cassette = cassette.display().to_string();
    let env = [
        ("PROMPT_DIARY_CASSETTE", cassette.as_str()),
        ("PROMPT_DIARY_RECORD_MODE", mode),
        ("PROMPT_DIARY_CODEX_BIN", codex_bin),
        ("CODEX_HOME", home),
    ];
    run_stand_in(&args, prompt, &env).await
}

/// The stand-in as `app-server` in `new_episodes` on `cassette`, recording through `codex`,
/// started by hand with its stdin closed: its output.
async fn app_server_by_hand(cassette: &Path) -> Output {
    let mut child = tokio::process::Command::new(STAND_IN)
        .arg("app-server")
        .env("PROMPT_DIARY_CASSETTE", cassette)
        .env("PROMPT_DIARY_RECORD_MODE", "new_episodes")
        .env("PROMPT_DIARY_CODEX_BIN", "/nonexistent/codex")
        .env_remove("CI")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let _ = child.stdin.take();
    tokio::time::timeout(Duration::from_secs(60), child.wait_with_output())
        .await
        .expect("the stand-in ends in time")
        .unwrap()
}

#[tokio::test]
async fn new_episodes_refuses_an_exec_cassette_of_another_codex_version() {
    let Some(bin) = codex_for_conformance("stand_in new_episodes refuses another version (exec)")
    else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let cassette = dir.path().join("old.jsonl");
    let old = EXEC_CASSETTE.replace("{version}", "0.1.0");
    std::fs::write(&cassette, &old).unwrap();
    let codex = model(&bin).await;
    let out = exec(
        &cassette,
        "new_episodes",
        &codex.codex_bin.display().to_string(),
        &codex.home.path().display().to_string(),
        NEW_PROMPT,
    )
    .await;
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{said}");
    assert!(
        said.contains(&format!(
            "new_episodes would append a run recorded by Codex {PINNED_CODEX_VERSION} to a cassette recorded by Codex 0.1.0"
        )) && said.contains("prompt-diary rerecord")
            && said.contains(&format!("prompt-diary upgrade-codex --to {PINNED_CODEX_VERSION}")),
        "{said}"
    );
    assert_eq!(std::fs::read_to_string(&cassette).unwrap(), old);
    assert!(
        codex.model.requests().is_empty(),
        "the real Codex never ran"
    );
}

#[tokio::test]
async fn new_episodes_refuses_an_app_server_cassette_of_another_codex_version() {
    let Some(bin) =
        codex_for_conformance("stand_in new_episodes refuses another version (app-server)")
    else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let cassette = dir.path().join("old.jsonl");
    let old = std::fs::read_to_string(format!("{ROOT}/cassettes/single_turn.jsonl"))
        .unwrap()
        .replacen(
            &format!("\"codex_version\":\"{PINNED_CODEX_VERSION}\""),
            "\"codex_version\":\"0.1.0\"",
            1,
        );
    std::fs::write(&cassette, &old).unwrap();
    let codex = model(&bin).await;
    let config = CodexBackendConfig::default()
        .with_codex_bin(STAND_IN)
        .with_env("PROMPT_DIARY_CASSETTE", cassette.display().to_string())
        .with_env("PROMPT_DIARY_RECORD_MODE", "new_episodes")
        .with_env("CI", "")
        .with_env(
            "PROMPT_DIARY_CODEX_BIN",
            codex.codex_bin.display().to_string(),
        )
        .with_codex_home(codex.home.path());
    let backend = CodexBackend::start(config)
        .await
        .expect("the stand-in starts");
    let workspace = tempfile::tempdir().unwrap();
    let mut runner = CodexAgentRunner::new(backend.clone(), AgentConfig::new(workspace.path()));
    let err = runner
        .turn(
            NEW_PROMPT,
            TurnOptions::with_timeout(Duration::from_secs(60)),
        )
        .await
        .expect_err("a new conversation is refused")
        .to_string();
    let _ = backend.shutdown().await;
    assert!(
        err.contains(&format!(
            "recorded by Codex {PINNED_CODEX_VERSION} to a cassette recorded by Codex 0.1.0"
        )) && err.contains(&format!("upgrade-codex --to {PINNED_CODEX_VERSION}")),
        "{err}"
    );
    assert_eq!(std::fs::read_to_string(&cassette).unwrap(), old);
}

#[tokio::test]
async fn new_episodes_refuses_an_app_server_cassette_cut_short() {
    let dir = tempfile::tempdir().unwrap();
    let committed = std::fs::read_to_string(format!("{ROOT}/cassettes/single_turn.jsonl")).unwrap();
    let without_exit: String = committed
        .lines()
        .filter(|line| !line.starts_with(r#"{"kind":"exit""#))
        .map(|line| format!("{line}\n"))
        .collect();
    let unended = committed.trim_end_matches('\n').to_owned();
    for (text, what) in [
        (without_exit, "it has no `exit` line"),
        (unended, "its last line ends without a newline"),
    ] {
        let cassette = dir.path().join("cut.jsonl");
        std::fs::write(&cassette, &text).unwrap();
        let out = app_server_by_hand(&cassette).await;
        let said = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{what}: {said}");
        assert!(
            said.contains("new_episodes appends only to a whole cassette")
                && said.contains(what)
                && said.contains("prompt-diary rerecord"),
            "{what}: {said}"
        );
        assert_eq!(std::fs::read_to_string(&cassette).unwrap(), text);
    }
}

#[tokio::test]
async fn recording_refuses_a_binary_that_is_no_codex() {
    let dir = tempfile::tempdir().unwrap();
    let cassette = dir.path().join("c.jsonl");
    let out = exec(
        &cassette,
        "once",
        "/bin/false",
        "/nonexistent/home",
        "Say hi.",
    )
    .await;
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{said}");
    assert!(
        said.contains("/bin/false is not a Codex CLI: `/bin/false --version` printed")
            && said.contains("not `codex-cli X.Y.Z`; nothing was recorded"),
        "{said}"
    );
    assert!(!cassette.exists(), "no cassette with a made-up version");
}
