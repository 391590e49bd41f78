//! Conformance tier: the Codex adapter against the real pinned `codex app-server`, driven by the
//! scripted local model on loopback. No account, key or network.
//!
//! Skipped (with a message) when no Codex binary is installed; required when `CI` is set.

use std::path::Path;
use std::time::{Duration, Instant};

use prompt_diary::agent::{AgentError, AgentSessionFactory, ApprovalMode, EventKind, TurnOptions};
use prompt_diary::codex::{CodexAgentSessionFactory, CodexBackendConfig};
use prompt_diary::testing::Scenario;
use prompt_diary::testing::conformance::{ScriptedCodex, codex_for_conformance};
use prompt_diary::testing::processes::{comm, is_alive, pids_with_env};
use serde_json::json;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// Starts the scripted model for a fixture, or returns from the test when the tier is skipped.
macro_rules! scripted {
    ($name:literal) => {{
        let Some(bin) = codex_for_conformance($name) else {
            return;
        };
        ScriptedCodex::from_fixture(Path::new(ROOT), $name, bin)
            .await
            .expect("scripted model starts")
    }};
    (scenario $json:expr, $test:literal) => {{
        let Some(bin) = codex_for_conformance($test) else {
            return;
        };
        let scenario = Scenario::from_json(&$json.to_string()).expect("scenario parses");
        ScriptedCodex::start(scenario, bin)
            .await
            .expect("scripted model starts")
    }};
}

fn codex_pids(codex: &ScriptedCodex) -> Vec<u32> {
    let home = codex.home.path().display().to_string();
    pids_with_env("CODEX_HOME", &home)
        .into_iter()
        .filter(|pid| comm(*pid).as_deref() == Some("codex"))
        .collect()
}

fn short(timeout: u64) -> TurnOptions {
    TurnOptions::with_timeout(Duration::from_secs(timeout))
}

#[tokio::test]
async fn single_text_turn_returns_the_model_reply() {
    let codex = scripted!("single_turn");
    let factory = CodexAgentSessionFactory::start(codex.backend_config())
        .await
        .unwrap();
    let mut runner = factory.runner(codex.agent_config()).await.unwrap();
    let result = runner.turn("Say hello.", short(60)).await.unwrap();
    let expected = "Hello from the scripted model.";
    assert_eq!(result.assistant_text, expected);
    let messages: Vec<_> = result.events_of(EventKind::AgentMessage).collect();
    assert_eq!(messages.len(), 1, "{:?}", result.events);
    assert_eq!(messages[0].metadata["text"], json!(expected));
    factory.shutdown().await.unwrap();
    assert!(
        codex.model.unused_replies().is_empty(),
        "{:?}",
        codex.model.unused_replies()
    );
}

#[tokio::test]
async fn shell_tool_call_writes_the_artifact_and_reports_the_command() {
    let codex = scripted!("tool_artifact");
    let factory = CodexAgentSessionFactory::start(codex.backend_config())
        .await
        .unwrap();
    let mut runner = factory.runner(codex.agent_config()).await.unwrap();
    let result = runner.turn("Write artifact.md.", short(60)).await.unwrap();
    let artifact = std::fs::read_to_string(codex.workspace.path().join("artifact.md"))
        .expect("artifact written");
    assert_eq!(artifact, "# Artifact\n\nwritten by the agent\n");
    let command = result
        .events_of(EventKind::Command)
        .next()
        .expect("a command event");
    assert!(
        command.metadata["command"]
            .as_str()
            .unwrap()
            .contains("artifact.md"),
        "{command:?}"
    );
    assert_eq!(command.metadata["exit_code"], json!(0));
    assert_eq!(result.assistant_text, "Wrote artifact.md.");
    factory.shutdown().await.unwrap();
}

#[tokio::test]
async fn two_turns_on_one_runner_share_the_conversation_and_runners_do_not() {
    let codex = scripted!(scenario json!({
        "name": "two_turns",
        "conversations": [
            {"match": "ALPHA", "replies": [{"message": "alpha one"}, {"message": "alpha two"}]},
            {"match": "BETA", "replies": [{"message": "beta one"}]}
        ]
    }), "two_turns");
    let factory = CodexAgentSessionFactory::start(codex.backend_config())
        .await
        .unwrap();
    let mut alpha = factory.runner(codex.agent_config()).await.unwrap();
    let beta_ws = codex.extra_workspace().unwrap();
    let mut beta = factory
        .runner(prompt_diary::agent::AgentConfig::new(beta_ws.path()))
        .await
        .unwrap();
    assert_eq!(
        alpha
            .turn("ALPHA first prompt", short(60))
            .await
            .unwrap()
            .assistant_text,
        "alpha one"
    );
    assert_eq!(
        beta.turn("BETA only prompt", short(60))
            .await
            .unwrap()
            .assistant_text,
        "beta one"
    );
    assert_eq!(
        alpha
            .turn("ALPHA second prompt", short(60))
            .await
            .unwrap()
            .assistant_text,
        "alpha two"
    );

    let requests = codex.model.requests();
    assert_eq!(requests.len(), 3);
    let second_alpha = &requests[2];
    assert_eq!(
        second_alpha.conversation, requests[0].conversation,
        "same thread for both turns"
    );
    assert_ne!(
        requests[1].conversation, requests[0].conversation,
        "runners never share a thread"
    );
    let body = second_alpha.body.to_string();
    assert!(
        body.contains("ALPHA first prompt") && body.contains("alpha one"),
        "history missing: {body}"
    );
    assert!(
        !body.contains("BETA"),
        "another runner's history leaked: {body}"
    );
    factory.shutdown().await.unwrap();
}

#[tokio::test]
async fn structured_output_schema_reaches_the_model_and_json_comes_back() {
    let codex = scripted!("structured_output_turn");
    let factory = CodexAgentSessionFactory::start(codex.backend_config())
        .await
        .unwrap();
    let mut runner = factory.runner(codex.agent_config()).await.unwrap();
    let schema = json!({
        "type": "object",
        "properties": {"title": {"type": "string"}, "tags": {"type": "array", "items": {"type": "string"}}},
        "required": ["title", "tags"],
        "additionalProperties": false
    });
    let result = runner
        .turn(
            "Describe it as JSON.",
            short(60).output_schema(schema.clone()),
        )
        .await
        .unwrap();
    let reply: serde_json::Value =
        serde_json::from_str(&result.assistant_text).expect("JSON reply");
    assert_eq!(reply, json!({"title": "Hello", "tags": ["a", "b"]}));
    let sent = &codex.model.requests()[0].body;
    assert_eq!(
        sent.pointer("/text/format/schema"),
        Some(&schema),
        "schema not sent: {}",
        sent["text"]
    );
    assert_eq!(
        sent.pointer("/text/format/type"),
        Some(&json!("json_schema"))
    );
    factory.shutdown().await.unwrap();
}

#[tokio::test]
async fn model_failure_is_a_typed_error_and_the_runner_recovers() {
    let codex = scripted!("model_error_retry");
    let factory = CodexAgentSessionFactory::start(codex.backend_config())
        .await
        .unwrap();
    let mut runner = factory.runner(codex.agent_config()).await.unwrap();
    let err = runner.turn("Try something.", short(60)).await.unwrap_err();
    let AgentError::TurnFailed { message, details } = &err else {
        panic!("expected TurnFailed, got {err:?}")
    };
    assert!(!message.is_empty(), "{err}");
    assert!(err.runner_still_usable());
    assert!(details.is_some(), "an error category is reported: {err}");
    let again = runner.turn("Try again.", short(60)).await.unwrap();
    assert_eq!(again.assistant_text, "Recovered.");
    factory.shutdown().await.unwrap();
}

#[tokio::test]
async fn a_stalled_model_times_out_within_the_grace_and_the_next_turn_works() {
    let codex = scripted!("timeout_resume");
    let factory = CodexAgentSessionFactory::start(codex.backend_config())
        .await
        .unwrap();
    let mut runner = factory.runner(codex.agent_config()).await.unwrap();
    let started = Instant::now();
    let err = runner.turn("This will stall.", short(2)).await.unwrap_err();
    let elapsed = started.elapsed();
    assert!(elapsed < Duration::from_secs(2 + 5), "took {elapsed:?}");
    let text = err.to_string();
    assert!(matches!(err, AgentError::Timeout { .. }), "{err:?}");
    assert!(text.contains("timed out after 2s"), "{text}");
    assert!(text.contains("waiting for the model"), "{text}");
    assert!(text.contains("stderr tail"), "{text}");
    let next = runner.turn("Are you back?", short(60)).await.unwrap();
    assert_eq!(next.assistant_text, "Back after the stall.");
    factory.shutdown().await.unwrap();
}

#[tokio::test]
async fn approval_requests_are_declined_and_the_turn_finishes() {
    let codex = scripted!("approval_declined");
    // The fixture's client script has a second turn (answered in text, recorded in its
    // cassette); this test runs only the first, so the last reply stays unserved.
    codex.model.expect_all_served(false);
    let factory = CodexAgentSessionFactory::start(codex.backend_config())
        .await
        .unwrap();
    let config = codex
        .agent_config()
        .with_approval_mode(ApprovalMode::Untrusted);
    let mut runner = factory.runner(config).await.unwrap();
    let result = runner.turn("Write denied.md.", short(60)).await.unwrap();
    let approval = result
        .events_of(EventKind::Approval)
        .next()
        .expect("an approval event");
    assert_eq!(approval.metadata["decision"], json!("decline"));
    assert!(approval.summary.starts_with("declined"), "{approval:?}");
    assert!(
        !codex.workspace.path().join("denied.md").exists(),
        "the declined command ran"
    );
    let command = result
        .events_of(EventKind::Command)
        .next()
        .expect("the declined command item");
    assert_eq!(command.metadata["status"], json!("declined"));
    assert_eq!(
        result.assistant_text,
        "I was not allowed to write denied.md."
    );
    factory.shutdown().await.unwrap();
}

#[tokio::test]
async fn eight_runners_on_one_backend_run_at_once_without_cross_talk() {
    let conversations: Vec<_> = (0..8)
        .map(|i| {
            json!({"match": format!("RUNNER-{i}"), "replies": [
                {"shell": format!("printf 'runner {i}\\n' > out-{i}.md")},
                {"message": format!("done {i}")}
            ]})
        })
        .collect();
    let codex = scripted!(scenario json!({"name": "eight", "conversations": conversations}), "eight_runners");
    let factory = CodexAgentSessionFactory::start(codex.backend_config())
        .await
        .unwrap();
    let mut workspaces = Vec::new();
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..8 {
        let ws = codex.extra_workspace().unwrap();
        let mut runner = factory
            .runner(prompt_diary::agent::AgentConfig::new(ws.path()))
            .await
            .unwrap();
        tasks.spawn(async move {
            (
                i,
                runner
                    .turn(&format!("RUNNER-{i}: write your file"), short(120))
                    .await,
            )
        });
        workspaces.push(ws);
    }
    assert_eq!(
        codex_pids(&codex).len(),
        1,
        "one app-server serves all runners"
    );
    while let Some(joined) = tasks.join_next().await {
        let (i, result) = joined.unwrap();
        let result = result.unwrap();
        assert_eq!(result.assistant_text, format!("done {i}"));
        let dir = workspaces[i].path();
        assert_eq!(
            std::fs::read_to_string(dir.join(format!("out-{i}.md"))).unwrap(),
            format!("runner {i}\n")
        );
        let files: Vec<_> = std::fs::read_dir(dir)
            .unwrap()
            .filter_map(Result::ok)
            .collect();
        assert_eq!(files.len(), 1, "runner {i} saw another runner's files");
    }
    assert_eq!(factory.backend_pids().await.len(), 1);
    factory.shutdown().await.unwrap();
}

#[tokio::test]
async fn different_backend_configs_get_their_own_app_server_and_equal_ones_share() {
    let codex = scripted!(scenario json!({"name": "backends", "conversations": [
        {"match": "ONE", "replies": [{"message": "one"}]},
        {"match": "TWO", "replies": [{"message": "two"}]},
        {"match": "THREE", "replies": [{"message": "three"}]}
    ]}), "backends");
    let base = codex.backend_config();
    let other = base
        .clone()
        .with_mcp_override("mcp_servers.unused.command=\"true\"")
        .with_mcp_override("mcp_servers.unused.enabled=false");
    let factory = CodexAgentSessionFactory::start(base.clone()).await.unwrap();
    let mut one = factory
        .runner_with_backend(codex.agent_config(), base.clone())
        .await
        .unwrap();
    let mut two = factory
        .runner_with_backend(codex.agent_config(), other.clone())
        .await
        .unwrap();
    let mut three = factory
        .runner_with_backend(codex.agent_config(), other)
        .await
        .unwrap();
    assert_eq!(
        one.turn("ONE", short(60)).await.unwrap().assistant_text,
        "one"
    );
    assert_eq!(
        two.turn("TWO", short(60)).await.unwrap().assistant_text,
        "two"
    );
    assert_eq!(
        three.turn("THREE", short(60)).await.unwrap().assistant_text,
        "three"
    );
    assert_eq!(factory.backend_pids().await.len(), 2);
    assert_eq!(codex_pids(&codex).len(), 2);
    factory.shutdown().await.unwrap();
}

#[tokio::test]
async fn a_dropped_turn_future_leaves_the_runner_usable() {
    let codex = scripted!("timeout_resume");
    let factory = CodexAgentSessionFactory::start(codex.backend_config())
        .await
        .unwrap();
    let mut runner = factory.runner(codex.agent_config()).await.unwrap();
    let abandoned = tokio::time::timeout(
        Duration::from_secs(2),
        runner.turn("This will stall.", short(600)),
    )
    .await;
    assert!(abandoned.is_err(), "the caller's timeout fired");
    let next = runner.turn("Are you back?", short(60)).await.unwrap();
    assert_eq!(next.assistant_text, "Back after the stall.");
    factory.shutdown().await.unwrap();
}

#[tokio::test]
async fn no_codex_process_remains_after_shutdown_or_drop() {
    let codex = scripted!(scenario json!({"name": "lifecycle", "conversations": [
        {"match": "FIRST", "replies": [{"message": "first"}]},
        {"match": "SECOND", "replies": [{"message": "second"}]}
    ]}), "lifecycle");
    let factory = CodexAgentSessionFactory::start(codex.backend_config())
        .await
        .unwrap();
    let mut runner = factory.runner(codex.agent_config()).await.unwrap();
    runner.turn("FIRST", short(60)).await.unwrap();
    let pids = factory.backend_pids().await;
    assert_eq!(pids.len(), 1);
    factory.shutdown().await.unwrap();
    assert!(
        !is_alive(pids[0]),
        "app-server {} still alive after shutdown",
        pids[0]
    );
    let err = runner.turn("FIRST again", short(60)).await.unwrap_err();
    assert!(matches!(err, AgentError::ShutDown), "{err:?}");

    let factory = CodexAgentSessionFactory::start(codex.backend_config())
        .await
        .unwrap();
    let mut runner = factory.runner(codex.agent_config()).await.unwrap();
    runner.turn("SECOND", short(60)).await.unwrap();
    let pids = factory.backend_pids().await;
    drop(runner);
    drop(factory);
    let deadline = Instant::now() + Duration::from_secs(10);
    while is_alive(pids[0]) && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(
        !is_alive(pids[0]),
        "app-server {} still alive 10 s after drop",
        pids[0]
    );
    assert!(codex_pids(&codex).is_empty());
}

#[tokio::test]
async fn an_app_server_killed_mid_turn_is_a_typed_error_with_the_exit_status() {
    let codex = scripted!("timeout_resume");
    // The app-server is killed during the stall: the reply after it is never asked for.
    codex.model.expect_all_served(false);
    let factory = CodexAgentSessionFactory::start(codex.backend_config())
        .await
        .unwrap();
    let mut runner = factory.runner(codex.agent_config()).await.unwrap();
    let pid = factory.backend_pids().await[0];
    let turn = tokio::spawn(async move {
        let result = runner.turn("This will stall.", short(120)).await;
        (runner, result)
    });
    codex
        .model
        .wait_for_requests(1, Duration::from_secs(30))
        .await
        .expect("the model was asked");
    let status = std::process::Command::new("kill")
        .args(["-9", &pid.to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let started = Instant::now();
    let (_runner, result) = tokio::time::timeout(Duration::from_secs(15), turn)
        .await
        .expect("no hang")
        .unwrap();
    assert!(started.elapsed() < Duration::from_secs(15));
    let err = result.unwrap_err();
    let text = err.to_string();
    assert!(matches!(err, AgentError::BackendExited { .. }), "{err:?}");
    assert!(text.contains("signal: 9"), "{text}");
    assert!(text.contains("stderr tail"), "{text}");
}

#[tokio::test]
async fn a_missing_explicit_binary_names_the_path_and_the_install_command() {
    let config = CodexBackendConfig::default().with_codex_bin("/nonexistent/codex");
    let err = CodexAgentSessionFactory::start(config)
        .await
        .err()
        .expect("start fails");
    let text = err.to_string();
    assert!(
        matches!(err, AgentError::BackendUnavailable { .. }),
        "{err:?}"
    );
    assert!(text.contains("/nonexistent/codex"), "{text}");
    assert!(text.contains("PROMPT_DIARY_CODEX_BIN"), "{text}");
}
