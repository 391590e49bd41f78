//! The `prompt-diary-codex` stand_in: cassettes recorded through it replay through the library, and
//! the library's cassettes replay through it, when the client sends the same messages.

use std::path::{Path, PathBuf};
use std::time::Duration;

use prompt_diary::agent::{AgentConfig, AgentRunner, TurnOptions};
use prompt_diary::cassette::ReplayTransport;
use prompt_diary::codex::{CodexAgentRunner, CodexBackend, CodexBackendConfig};
use prompt_diary::codex_bin::PINNED_CODEX_VERSION;
use prompt_diary::testing::conformance::{ScriptedCodex, codex_for_conformance};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");
const SHIM: &str = env!("CARGO_BIN_EXE_prompt-diary-codex");

fn opts() -> TurnOptions {
    TurnOptions::with_timeout(Duration::from_secs(60))
}

/// A backend whose "Codex binary" is the stand-in, configured by environment.
fn stand_in_backend_config(cassette: &Path, mode: &str) -> CodexBackendConfig {
    CodexBackendConfig::default()
        .with_codex_bin(SHIM)
        .with_env("PROMPT_DIARY_CASSETTE", cassette.display().to_string())
        .with_env("PROMPT_DIARY_RECORD_MODE", mode)
        .with_env("CI", "")
}

#[tokio::test]
async fn a_library_cassette_replays_through_the_stand_in() {
    let cassette = PathBuf::from(ROOT).join("cassettes/tool_artifact.jsonl");
    let backend = CodexBackend::start(stand_in_backend_config(&cassette, "none"))
        .await
        .unwrap();
    let ws = tempfile::tempdir().unwrap();
    let mut runner = CodexAgentRunner::new(backend.clone(), AgentConfig::new(ws.path()));
    let result = runner
        .turn("Write artifact.md with a title and one line.", opts())
        .await
        .unwrap();
    assert_eq!(result.assistant_text, "Wrote artifact.md.");
    assert_eq!(
        std::fs::read_to_string(ws.path().join("artifact.md")).unwrap(),
        "# Artifact\n\nwritten by the agent\n"
    );
    backend.shutdown().await.unwrap();
}

#[tokio::test]
async fn a_diverging_client_gets_the_report_as_its_error_and_the_stand_in_exits() {
    let cassette = PathBuf::from(ROOT).join("cassettes/tool_artifact.jsonl");
    let backend = CodexBackend::start(stand_in_backend_config(&cassette, "none"))
        .await
        .unwrap();
    let ws = tempfile::tempdir().unwrap();
    let mut runner = CodexAgentRunner::new(backend.clone(), AgentConfig::new(ws.path()));
    let err = runner
        .turn("Write something else entirely.", opts())
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("replay diverged from the cassette"), "{err}");
    assert!(err.contains("$.params.input[0].text"), "{err}");
}

#[tokio::test]
async fn a_cassette_recorded_through_the_stand_in_replays_through_the_library() {
    let Some(bin) = codex_for_conformance(
        "a_cassette_recorded_through_the_stand_in_replays_through_the_library",
    ) else {
        return;
    };
    let codex = ScriptedCodex::from_fixture(Path::new(ROOT), "tool_artifact", bin.clone())
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let cassette = dir.path().join("through_stand_in.jsonl");
    let config = stand_in_backend_config(&cassette, "all")
        .with_env("PROMPT_DIARY_CODEX_BIN", bin.display().to_string())
        .with_codex_home(codex.home.path());
    let backend = CodexBackend::start(config).await.unwrap();
    let mut runner = CodexAgentRunner::new(backend.clone(), codex.agent_config());
    let live = runner
        .turn("Write artifact.md with a title and one line.", opts())
        .await
        .unwrap();
    backend.shutdown().await.unwrap();
    assert!(
        cassette.exists(),
        "the stand-in wrote the cassette on close"
    );

    let replay = CodexBackend::start_with_transport(
        CodexBackendConfig::default(),
        ReplayTransport::open(&cassette, "-").unwrap(),
    )
    .await
    .unwrap();
    let ws = tempfile::tempdir().unwrap();
    let mut runner = CodexAgentRunner::new(replay.clone(), AgentConfig::new(ws.path()));
    let replayed = runner
        .turn("Write artifact.md with a title and one line.", opts())
        .await
        .unwrap();
    replay.shutdown().await.unwrap();
    assert_eq!(replayed.assistant_text, live.assistant_text);
    assert_eq!(replayed.events.len(), live.events.len());
    assert_eq!(
        std::fs::read_to_string(ws.path().join("artifact.md")).unwrap(),
        "# Artifact\n\nwritten by the agent\n"
    );
}

#[tokio::test]
async fn on_divergence_the_stand_in_answers_with_the_report_prints_it_and_exits_non_zero() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let cassette = PathBuf::from(ROOT).join("cassettes/single_turn.jsonl");
    let mut child = tokio::process::Command::new(SHIM)
        .args(["--config", "k=\"v\"", "app-server", "--listen", "stdio://"])
        .env("PROMPT_DIARY_CASSETTE", &cassette)
        .env("PROMPT_DIARY_RECORD_MODE", "none")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(b"{\"id\":\"a\",\"method\":\"initialize\",\"params\":{\"clientInfo\":{\"name\":\"someone-else\",\"version\":\"9\"}}}\n").await.unwrap();
    let mut stdout = String::new();
    let mut stderr = String::new();
    let (mut out, mut err) = (child.stdout.take().unwrap(), child.stderr.take().unwrap());
    let status = tokio::time::timeout(Duration::from_secs(30), async {
        let _ = tokio::join!(
            out.read_to_string(&mut stdout),
            err.read_to_string(&mut stderr)
        );
        child.wait().await
    })
    .await
    .expect("the stand-in exits by itself")
    .unwrap();
    assert_eq!(status.code(), Some(1), "{stderr}");
    let reply: serde_json::Value = serde_json::from_str(stdout.lines().next().unwrap()).unwrap();
    assert_eq!(reply["id"], "a");
    assert_eq!(reply["error"]["code"], -32099);
    assert!(
        reply["error"]["message"]
            .as_str()
            .unwrap()
            .contains("$.params.clientInfo.name"),
        "{reply}"
    );
    assert!(
        stderr.contains("replay diverged from the cassette")
            && stderr.contains("single_turn.jsonl:2"),
        "{stderr}"
    );
}

#[tokio::test]
async fn the_stand_in_explains_a_missing_cassette_setting_and_other_subcommands() {
    let run = |args: &[&str]| {
        std::process::Command::new(SHIM)
            .args(args)
            .env_remove("PROMPT_DIARY_CASSETTE")
            .output()
            .unwrap()
    };
    let missing = run(&["app-server"]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("set PROMPT_DIARY_CASSETTE"));
    let exec = run(&["exec", "--json", "hello"]);
    assert_eq!(exec.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&exec.stderr).contains("set PROMPT_DIARY_CASSETTE"));
    let other = run(&["login"]);
    assert_eq!(other.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&other.stderr)
            .contains("only stands in for `codex app-server` and `codex exec`")
    );
    let version = run(&["--version"]);
    assert!(
        String::from_utf8_lossy(&version.stdout)
            .contains(&format!("{PINNED_CODEX_VERSION} (prompt-diary stand-in)"))
    );
}

#[test]
fn the_stand_in_reports_the_version_its_project_file_pins() {
    let project = tempfile::tempdir().unwrap();
    std::fs::write(
        project.path().join("prompt-diary.toml"),
        "codex = \"0.163.0\"\n",
    )
    .unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_prompt-diary-codex"))
        .arg("--version")
        .current_dir(project.path())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(stdout.trim(), "codex-cli 0.163.0 (prompt-diary stand-in)");
}

#[tokio::test]
async fn killing_the_recorder_mid_session_never_replaces_a_good_cassette() {
    let Some(bin) =
        codex_for_conformance("killing_the_recorder_mid_session_never_replaces_a_good_cassette")
    else {
        return;
    };
    let codex = ScriptedCodex::from_fixture(Path::new(ROOT), "tool_artifact", bin.clone())
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let cassette = dir.path().join("good.jsonl");
    let good = std::fs::read(PathBuf::from(ROOT).join("cassettes/tool_artifact.jsonl")).unwrap();
    std::fs::write(&cassette, &good).unwrap();
    let mut config = stand_in_backend_config(&cassette, "all")
        .with_env("PROMPT_DIARY_CODEX_BIN", bin.display().to_string())
        .with_codex_home(codex.home.path());
    config.request_timeout = Duration::from_secs(10);
    let backend = CodexBackend::start(config).await.unwrap();
    let mut runner = CodexAgentRunner::new(backend.clone(), codex.agent_config());
    runner
        .turn("Write artifact.md with a title and one line.", opts())
        .await
        .unwrap();
    let recorder = backend.pid().unwrap();
    let status = std::process::Command::new("kill")
        .args(["-9", &recorder.to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let _ = backend.shutdown().await;
    assert_eq!(
        std::fs::read(&cassette).unwrap(),
        good,
        "the good cassette is untouched"
    );
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .filter_map(Result::ok)
        .map(|e| e.file_name())
        .collect();
    assert_eq!(
        leftovers.len(),
        1,
        "no .new and no half-written file: {leftovers:?}"
    );
}
