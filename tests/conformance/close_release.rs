//! Conformance tier: `AgentRunner::close` and per-conversation MCP tools against the real pinned
//! `codex app-server`, driven by the scripted model. A closed conversation leaves the
//! app-server's memory (`thread/loaded/list`) while the factory and its other runners go on;
//! a conversation scoped to one MCP tool sees only that tool.

use std::path::Path;
use std::time::Duration;

use prompt_diary::agent::{AgentConfig, AgentError, AgentSessionFactory, TurnOptions};
use prompt_diary::codex::CodexAgentSessionFactory;
use prompt_diary::testing::Scenario;
use prompt_diary::testing::conformance::{ScriptedCodex, codex_for_conformance};
use serde_json::{Value, json};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

async fn scripted(scenario: Value, test: &str) -> Option<ScriptedCodex> {
    let bin = codex_for_conformance(test)?;
    let scenario = Scenario::from_json(&scenario.to_string()).expect("scenario parses");
    Some(
        ScriptedCodex::start(scenario, bin)
            .await
            .expect("scripted model starts"),
    )
}

fn short() -> TurnOptions {
    TurnOptions::with_timeout(Duration::from_secs(60))
}

const CLOSED: &str = "this runner's conversation was released with `close()` and takes no more \
                      turns; ask the session factory for a new runner to start another conversation";

#[tokio::test]
async fn close_releases_the_thread_while_another_runner_on_the_factory_goes_on() {
    let Some(codex) = scripted(
        json!({
            "name": "close_release",
            "conversations": [
                {"match": "ALPHA", "replies": [{"message": "alpha done"}]},
                {"match": "BETA", "replies": [{"message": "beta one"}, {"message": "beta two"}]}
            ]
        }),
        "close_release",
    )
    .await
    else {
        return;
    };
    let factory = CodexAgentSessionFactory::start(codex.backend_config())
        .await
        .unwrap();
    let backend = factory.backend(&codex.backend_config()).await.unwrap();
    let mut alpha = factory.runner(codex.agent_config()).await.unwrap();
    let beta_ws = codex.extra_workspace().unwrap();
    let mut beta = factory
        .runner(AgentConfig::new(beta_ws.path()))
        .await
        .unwrap();
    // A runner that never ran a turn closes at once, and sends nothing.
    let mut unused = factory.runner(codex.agent_config()).await.unwrap();
    unused.close().await.unwrap();

    let one = alpha.turn("ALPHA work", short()).await.unwrap();
    assert_eq!(one.assistant_text, "alpha done");
    let two = beta.turn("BETA first", short()).await.unwrap();
    assert_eq!(two.assistant_text, "beta one");
    assert_eq!(backend.loaded_conversations().await.unwrap(), 2);

    alpha.close().await.unwrap();
    assert_eq!(
        backend.loaded_conversations().await.unwrap(),
        1,
        "the closed conversation is no longer loaded"
    );
    // Closing again is fine; a turn after close is the typed error.
    alpha.close().await.unwrap();
    let err = alpha.turn("ALPHA again", short()).await.unwrap_err();
    assert!(matches!(err, AgentError::RunnerClosed), "{err:?}");
    assert_eq!(err.to_string(), CLOSED);
    assert!(!err.runner_still_usable());

    // The other conversation on the same backend goes on, with its history.
    let three = beta.turn("BETA second", short()).await.unwrap();
    assert_eq!(three.assistant_text, "beta two");
    beta.close().await.unwrap();
    assert_eq!(backend.loaded_conversations().await.unwrap(), 0);
    factory.shutdown().await.unwrap();
    assert!(
        codex.model.unused_replies().is_empty(),
        "{:?}",
        codex.model.unused_replies()
    );
}

#[tokio::test]
async fn twenty_conversations_closed_one_after_another_leave_none_loaded() {
    let conversations: Vec<Value> = (0..20)
        .map(|n| json!({"match": format!("CONV-{n:02}."), "replies": [{"message": format!("reply {n}")}]}))
        .collect();
    let Some(codex) = scripted(
        json!({"name": "twenty_closed", "conversations": conversations}),
        "twenty_closed",
    )
    .await
    else {
        return;
    };
    let factory = CodexAgentSessionFactory::start(codex.backend_config())
        .await
        .unwrap();
    let backend = factory.backend(&codex.backend_config()).await.unwrap();
    for n in 0..20 {
        let mut runner = factory.runner(codex.agent_config()).await.unwrap();
        let result = runner
            .turn(&format!("CONV-{n:02}."), short())
            .await
            .unwrap();
        assert_eq!(result.assistant_text, format!("reply {n}"));
        runner.close().await.unwrap();
        let err = runner.turn("more", short()).await.unwrap_err();
        assert_eq!(err.to_string(), CLOSED);
    }
    assert_eq!(backend.loaded_conversations().await.unwrap(), 0);
    factory.shutdown().await.unwrap();
}

/// The fixtures' MCP server with a second tool (`shout`), approved without asking. Codex waits
/// for it before a thread's first model request (a slow python start on a busy machine would
/// otherwise miss the optional-startup grace, and the request would list no MCP tool at all).
fn two_tool_server(codex: &ScriptedCodex) -> prompt_diary::codex::CodexBackendConfig {
    let script = Path::new(ROOT).join("fixtures/mcp/echo_server.py");
    codex
        .backend_config()
        .with_mcp_override("mcp_optional_startup_grace_ms=30000")
        .with_mcp_override("mcp_servers.echo.command=\"python3\"")
        .with_mcp_override(format!(
            "mcp_servers.echo.args=[\"{}\", \"--with-shout\"]",
            script.display()
        ))
        .with_mcp_override("mcp_servers.echo.default_tools_approval_mode=\"approve\"")
}

/// The names of the tools in a model request, with those of any namespace flattened in.
fn tool_names(body: &Value) -> Vec<String> {
    fn walk(tool: &Value, names: &mut Vec<String>) {
        if let Some(name) = tool.get("name").and_then(Value::as_str) {
            names.push(name.to_owned());
        }
        for nested in tool
            .get("tools")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            walk(nested, names);
        }
    }
    let mut names = Vec::new();
    for tool in body["tools"].as_array().into_iter().flatten() {
        walk(tool, &mut names);
    }
    names
}

#[tokio::test]
async fn mcp_tools_scope_the_tools_the_model_sees_to_the_allowed_one() {
    let Some(codex) = scripted(
        json!({
            "name": "mcp_scoped",
            "conversations": [
                {"match": "SCOPED", "replies": [{"message": "scoped"}]},
                {"match": "OPEN", "replies": [{"message": "open"}]}
            ]
        }),
        "mcp_scoped",
    )
    .await
    else {
        return;
    };
    let config = two_tool_server(&codex);
    let factory = CodexAgentSessionFactory::start(config.clone())
        .await
        .unwrap();
    let mut scoped = factory
        .runner(codex.agent_config().with_mcp_tools("echo", ["echo"]))
        .await
        .unwrap();
    scoped.turn("SCOPED turn", short()).await.unwrap();
    scoped.close().await.unwrap();
    let open_ws = codex.extra_workspace().unwrap();
    let mut open = factory
        .runner(AgentConfig::new(open_ws.path()))
        .await
        .unwrap();
    open.turn("OPEN turn", short()).await.unwrap();
    open.close().await.unwrap();
    factory.shutdown().await.unwrap();

    let requests = codex.model.requests();
    let names_of = |conversation: usize| {
        let request = requests
            .iter()
            .find(|r| r.conversation == conversation)
            .expect("a model request");
        tool_names(&request.body)
    };
    let (scoped, open) = (names_of(0), names_of(1));
    let mentions = |names: &[String], tool: &str| names.iter().any(|n| n.contains(tool));
    // Without a scope the model sees both tools of the server; with one, only the allowed one.
    assert!(
        mentions(&open, "echo") && mentions(&open, "shout"),
        "{open:?}"
    );
    assert!(mentions(&scoped, "echo"), "{scoped:?}");
    assert!(!mentions(&scoped, "shout"), "{scoped:?}");
}

#[tokio::test]
async fn an_unknown_mcp_server_is_refused_before_any_thread_starts_naming_the_configured_ones() {
    let Some(codex) = scripted(
        json!({"name": "mcp_unknown", "conversations": [{"replies": [{"message": "unused"}]}]}),
        "mcp_unknown",
    )
    .await
    else {
        return;
    };
    // The refused runner never sends a turn, so the one scripted reply stays unserved.
    codex.model.expect_all_served(false);
    let config = two_tool_server(&codex);
    let factory = CodexAgentSessionFactory::start(config.clone())
        .await
        .unwrap();
    let err = factory
        .runner(
            codex
                .agent_config()
                .with_mcp_tools("diary", ["write_entry"]),
        )
        .await
        .err()
        .expect("an unknown server is refused");
    assert!(
        matches!(
            err,
            AgentError::InvalidConfig {
                field: "mcp_tools",
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        "invalid value \"diary\" for `mcp_tools`: accepted values are the MCP servers the \
         backend configures: echo"
    );
    let backend = factory.backend(&config).await.unwrap();
    assert_eq!(backend.loaded_conversations().await.unwrap(), 0);
    assert!(codex.model.requests().is_empty());
    factory.shutdown().await.unwrap();
}

/// One turn's result as compared between live and replay: durations (measured live, 0 on
/// replay) dropped and the conversation's workspace written as `<ws>`.
fn comparable(result: &prompt_diary::agent::AgentTurnResult, workspace: &Path) -> Value {
    let mut result = result.clone();
    for event in &mut result.events {
        event.metadata.remove("duration_ms");
    }
    let text = serde_json::to_string(&result).unwrap();
    serde_json::from_str(&text.replace(&workspace.display().to_string(), "<ws>")).unwrap()
}

/// The files of `dir`, by name.
fn files(dir: &Path) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .map(|p| {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            (name, std::fs::read_to_string(&p).unwrap())
        })
        .collect();
    out.sort();
    out
}

/// Twenty conversations, each writing a file and closing, on one factory: what each turn
/// returned and the files its workspace holds; a turn after each close must be refused.
async fn twenty_closed_runs(
    factory: CodexAgentSessionFactory,
) -> Vec<(Value, Vec<(String, String)>)> {
    use prompt_diary::agent::{ApprovalMode, SandboxMode};
    let mut runs = Vec::new();
    for n in 0..20 {
        let workspace = tempfile::tempdir().unwrap();
        let agent = AgentConfig::new(workspace.path())
            .with_approval_mode(ApprovalMode::Never)
            .with_sandbox(SandboxMode::WorkspaceWrite);
        let mut runner = factory.runner(agent).await.unwrap();
        let result = runner
            .turn(&format!("NOTE-{n:02}. Write the note."), short())
            .await
            .unwrap();
        assert_eq!(result.assistant_text, format!("note {n} written"));
        runner.close().await.unwrap();
        let err = runner.turn("more", short()).await.unwrap_err();
        assert_eq!(err.to_string(), CLOSED);
        runs.push((
            comparable(&result, workspace.path()),
            files(workspace.path()),
        ));
    }
    factory.shutdown().await.unwrap();
    runs
}

#[tokio::test]
async fn twenty_closed_conversations_recorded_then_replayed_equal_the_live_run() {
    use prompt_diary::cassette::RecordMode;
    let conversations: Vec<Value> = (0..20)
        .map(|n| {
            json!({"match": format!("NOTE-{n:02}."), "replies": [
                {"shell": format!("printf 'note {n}\\n' > note-{n:02}.md")},
                {"message": format!("note {n} written")}
            ]})
        })
        .collect();
    let Some(codex) = scripted(
        json!({"name": "twenty_closed_recorded", "conversations": conversations}),
        "twenty_closed_recorded",
    )
    .await
    else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let cassette = dir.path().join("twenty_closed.jsonl");
    // Recorded whatever `CI` says (as the drift check records into a temp folder).
    let options = prompt_diary::cassette::RecordOptions::new(&cassette);
    let backend =
        prompt_diary::codex::CodexBackend::start_recording(codex.backend_config(), options)
            .await
            .unwrap();
    let live = twenty_closed_runs(CodexAgentSessionFactory::with_backend(backend)).await;
    for (n, (_, files)) in live.iter().enumerate() {
        assert_eq!(
            files,
            &vec![(format!("note-{n:02}.md"), format!("note {n}\n"))],
            "conversation {n} wrote its note live"
        );
    }
    let text = std::fs::read_to_string(&cassette).unwrap();
    let count = |method: &str| {
        text.lines()
            .filter(|l| l.contains(&format!("\"method\":\"{method}\"")))
            .count()
    };
    assert_eq!(
        count("thread/unsubscribe"),
        20,
        "one release a conversation"
    );
    assert_eq!(count("thread/closed"), 20, "each release confirmed");

    // Replayed offline, each conversation in a fresh workspace: the same texts, events, files.
    let replay = prompt_diary::codex::CodexBackendConfig::default()
        .with_cassette(&cassette, RecordMode::None);
    let factory = CodexAgentSessionFactory::start(replay).await.unwrap();
    let replayed = twenty_closed_runs(factory).await;
    assert_eq!(replayed, live, "the replay differs from the live run");
}
