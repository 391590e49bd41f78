//! Conformance tier hardening: the real app-server killed while a command it started is still
//! running. The turn fails with a typed error in bounded time, the runner stays failed with the
//! same cause, and nothing the app-server started is left running.

use std::time::{Duration, Instant};

use prompt_diary::agent::{AgentConfig, AgentError, AgentRunner, TurnOptions};
use prompt_diary::codex::{CodexAgentRunner, CodexBackend};
use prompt_diary::testing::Scenario;
use prompt_diary::testing::conformance::{ScriptedCodex, codex_for_conformance};
use prompt_diary::testing::processes::{comm, is_alive, pids_with_env};
use serde_json::json;

const MARKER: &str = "PROMPT_DIARY_FAULTS_MARKER";

/// Waits (bounded) until `done` holds.
async fn wait_until(what: &str, limit: Duration, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + limit;
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn an_app_server_killed_during_a_command_leaves_no_process_behind() {
    let Some(bin) = codex_for_conformance("an_app_server_killed_during_a_command") else {
        return;
    };
    let scenario = Scenario::from_json(
        &json!({"name": "killed", "conversations": [
            {"replies": [{"shell": "sleep 120"}, {"message": "never reached"}]}
        ]})
        .to_string(),
    )
    .unwrap();
    let codex = ScriptedCodex::start(scenario, bin).await.unwrap();
    // The app-server is killed during the command: the final reply is never asked for.
    codex.model.expect_all_served(false);
    let marker = format!("killed-{}", std::process::id());
    let config = codex.backend_config().with_env(MARKER, marker.clone());
    let backend = CodexBackend::start(config).await.unwrap();
    let server = backend.pid().unwrap();
    let mut runner =
        CodexAgentRunner::new(backend.clone(), AgentConfig::new(codex.workspace.path()));
    let turn = tokio::spawn(async move {
        let result = runner
            .turn(
                "Run the long command.",
                TurnOptions::with_timeout(Duration::from_secs(120)),
            )
            .await;
        (runner, result)
    });
    wait_until("the command to start", Duration::from_secs(60), || {
        pids_with_env(MARKER, &marker)
            .iter()
            .any(|pid| comm(*pid).as_deref() == Some("sleep"))
    })
    .await;

    let killed = std::process::Command::new("kill")
        .args(["-9", &server.to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let started = Instant::now();
    let (mut runner, result) = tokio::time::timeout(Duration::from_secs(15), turn)
        .await
        .expect("the turn returns instead of hanging")
        .unwrap();
    assert!(started.elapsed() < Duration::from_secs(15));
    let err = result.unwrap_err();
    let text = err.to_string();
    assert!(matches!(err, AgentError::BackendExited { .. }), "{err:?}");
    assert!(text.contains("signal: 9"), "{text}");

    let again = runner
        .turn(
            "Still there?",
            TurnOptions::with_timeout(Duration::from_secs(5)),
        )
        .await
        .unwrap_err();
    assert!(
        matches!(again, AgentError::BackendExited { .. })
            && again.to_string().contains("signal: 9"),
        "the next turn names the same cause: {again}"
    );
    drop(runner);
    let _ = backend.shutdown().await;
    wait_until(
        "every process of the killed app-server to end",
        Duration::from_secs(10),
        || {
            pids_with_env(MARKER, &marker)
                .iter()
                .all(|pid| !is_alive(*pid))
        },
    )
    .await;
}
