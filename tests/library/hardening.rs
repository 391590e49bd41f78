//! Hardening: a misbehaving app-server (fixtures/fake_app_server.py) gives typed errors within
//! bounded time, and nothing is left running.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use prompt_diary::agent::AgentSessionFactory;
use prompt_diary::agent::{AgentConfig, AgentError, AgentRunner, TurnOptions};
use prompt_diary::codex::{
    CodexAgentRunner, CodexAgentSessionFactory, CodexBackend, CodexBackendConfig,
};
use prompt_diary::testing::processes::{is_alive, pids_with_env};

const MARKER: &str = "PROMPT_DIARY_HARDENING_MARKER";

struct Fake {
    config: CodexBackendConfig,
    marker: String,
}

fn fake(mode: &str) -> Fake {
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures/fake_app_server.py");
    let marker = format!("{mode}-{}", std::process::id());
    let config = CodexBackendConfig::default()
        .with_codex_bin(script)
        .with_env("FAKE_MODE", mode)
        .with_env(MARKER, marker.clone())
        .with_request_timeout(Duration::from_secs(2));
    Fake { config, marker }
}

impl Fake {
    /// Waits (bounded) until no process started for this fake is alive.
    async fn assert_nothing_left(&self) {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let left = pids_with_env(MARKER, &self.marker);
            if left.iter().all(|pid| !is_alive(*pid)) {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "processes still running: {left:?}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

async fn started_runner(fake: &Fake) -> (CodexBackend, CodexAgentRunner, tempfile::TempDir) {
    let backend = CodexBackend::start(fake.config.clone()).await.unwrap();
    let ws = tempfile::tempdir().unwrap();
    let runner = CodexAgentRunner::new(backend.clone(), AgentConfig::new(ws.path()));
    (backend, runner, ws)
}

#[tokio::test]
async fn a_server_that_never_answers_initialize_fails_start_in_bounded_time_and_is_killed() {
    let fake = fake("silent");
    let started = Instant::now();
    let err = CodexBackend::start(fake.config.clone())
        .await
        .err()
        .expect("start fails");
    assert!(
        started.elapsed() < Duration::from_secs(2 + 3 + 3),
        "took {:?}",
        started.elapsed()
    );
    let text = err.to_string();
    assert!(
        matches!(err, AgentError::BackendUnavailable { .. }),
        "{err:?}"
    );
    assert!(
        text.contains("did not answer `initialize` within 2s"),
        "{text}"
    );
    fake.assert_nothing_left().await;
}

#[tokio::test]
async fn a_garbage_line_is_a_typed_error_with_an_excerpt() {
    let fake = fake("garbage");
    let (_backend, mut runner, _ws) = started_runner(&fake).await;
    let err = runner
        .turn("hello", TurnOptions::with_timeout(Duration::from_secs(10)))
        .await
        .unwrap_err();
    let text = err.to_string();
    assert!(matches!(err, AgentError::BackendExited { .. }), "{err:?}");
    assert!(
        text.contains("not a JSON-RPC message") && text.contains("this is not json"),
        "{text}"
    );
    fake.assert_nothing_left().await;
}

#[tokio::test]
async fn an_over_long_line_is_refused_at_the_cap() {
    let fake = fake("huge");
    let (_backend, mut runner, _ws) = started_runner(&fake).await;
    let err = runner
        .turn("hello", TurnOptions::with_timeout(Duration::from_secs(20)))
        .await
        .unwrap_err();
    let text = err.to_string();
    assert!(text.contains("longer than 16777216 bytes"), "{text}");
    fake.assert_nothing_left().await;
}

#[tokio::test]
async fn a_closed_stdout_is_a_typed_error_and_the_process_is_reaped() {
    let fake = fake("close_stdout");
    let (_backend, mut runner, _ws) = started_runner(&fake).await;
    let started = Instant::now();
    let err = runner
        .turn("hello", TurnOptions::with_timeout(Duration::from_secs(20)))
        .await
        .unwrap_err();
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "took {:?}",
        started.elapsed()
    );
    let text = err.to_string();
    assert!(matches!(err, AgentError::BackendExited { .. }), "{err:?}");
    assert!(text.contains("closed its output"), "{text}");
    fake.assert_nothing_left().await;
}

#[tokio::test]
async fn a_turn_whose_interrupt_is_never_confirmed_invalidates_the_backend_and_stops_it() {
    let fake = fake("no_completion");
    let (backend, mut runner, _ws) = started_runner(&fake).await;
    let started = Instant::now();
    let err = runner
        .turn("hello", TurnOptions::with_timeout(Duration::from_secs(1)))
        .await
        .unwrap_err();
    assert!(
        started.elapsed() < Duration::from_secs(1 + 5 + 5),
        "took {:?}",
        started.elapsed()
    );
    let text = err.to_string();
    assert!(matches!(err, AgentError::BackendInvalid { .. }), "{err:?}");
    assert!(!err.runner_still_usable());
    assert!(
        text.contains("the turn timed out after 1s while running the command `sleep 1000`"),
        "{text}"
    );
    assert!(
        text.contains("turn/interrupt was not confirmed")
            && text.contains("Start a new session factory"),
        "{text}"
    );
    // The app-server was stopped at once, before anyone shuts the backend down: no orphan.
    fake.assert_nothing_left().await;
    let again = runner
        .turn("again", TurnOptions::with_timeout(Duration::from_secs(1)))
        .await
        .unwrap_err();
    assert!(
        matches!(again, AgentError::BackendInvalid { .. }),
        "{again:?}"
    );
    assert_eq!(again.to_string(), text);
    backend.shutdown().await.unwrap();
}

#[tokio::test]
async fn a_release_never_confirmed_invalidates_the_factory_and_leaves_no_process() {
    let fake = fake("no_unload");
    let factory = CodexAgentSessionFactory::start(fake.config.clone())
        .await
        .unwrap();
    let ws = tempfile::tempdir().unwrap();
    let mut runner = factory.runner(AgentConfig::new(ws.path())).await.unwrap();
    let result = runner.turn("hello", TurnOptions::default()).await.unwrap();
    assert_eq!(result.assistant_text, "done");
    let started = Instant::now();
    let err = runner.close().await.unwrap_err();
    // Bounded by the request timeout (2 s here), plus the stop.
    assert!(
        started.elapsed() < Duration::from_secs(2 + 5),
        "took {:?}",
        started.elapsed()
    );
    assert!(matches!(err, AgentError::BackendInvalid { .. }), "{err:?}");
    let text = err.to_string();
    assert!(
        text.contains("the release of a conversation was not confirmed within 2s")
            && text.contains("never sent `thread/closed`")
            && text.contains("Start a new session factory"),
        "{text}"
    );
    fake.assert_nothing_left().await;
    // Closing again is fine; everything else on this factory says to start a new one.
    runner.close().await.unwrap();
    let refused = factory
        .runner(AgentConfig::new(ws.path()))
        .await
        .err()
        .expect("an invalid backend mints no runner");
    assert_eq!(refused.to_string(), text);
    assert!(
        factory
            .backend_pids()
            .await
            .iter()
            .all(|pid| !is_alive(*pid))
    );
}
