//! The replay engine on synthetic traffic (no Codex needed): record a hand-written app-server
//! exchange with the real recorder, then replay it through the real adapter.

use std::path::Path;
use std::time::Duration;

use prompt_diary::agent::{AgentConfig, AgentError, AgentRunner, TurnOptions};
use prompt_diary::cassette::ReplayTransport;
use prompt_diary::cassette::{Cassette, RecordOptions, Recorder};
use prompt_diary::codex::{CodexAgentRunner, CodexBackend, CodexBackendConfig};
use prompt_diary::transport::Message;
use serde_json::{Value, json};

fn msg(value: Value) -> Message {
    Message::from_value(value).unwrap()
}

/// Feeds the recorder one conversation of `turns` (prompt, reply, file written) as Codex would
/// have sent it, with volatile ids and times.
/// One recorded turn: the prompt, the reply, and optionally a file the turn wrote (path, text).
type ScriptedTurn<'a> = (&'a str, &'a str, Option<(&'a str, &'a str)>);

fn record_conversation(
    rec: &mut Recorder,
    workspace: &Path,
    req: &mut i64,
    thread: &str,
    turns: &[ScriptedTurn<'_>],
) {
    let cwd = workspace.display().to_string();
    rec.client_message(&msg(
        json!({"id": *req, "method": "thread/start", "params": {"cwd": cwd}}),
    ));
    rec.server_message(&msg(json!({"id": *req, "result": {"thread": {"id": thread, "createdAt": 1763000000, "cwd": cwd}}})));
    rec.server_message(&msg(json!({"method": "thread/started", "params": {"thread": {"id": thread}}, "emittedAtMs": 1763000000001u64})));
    *req += 1;
    for (i, (prompt, reply, file)) in turns.iter().enumerate() {
        let turn = format!("{thread}-turn-{i}");
        rec.client_message(&msg(json!({"id": *req, "method": "turn/start", "params": {"threadId": thread, "input": [{"type": "text", "text": prompt}]}})));
        rec.server_message(&msg(json!({"id": *req, "result": {"turn": {"id": turn, "status": "inProgress", "items": []}}})));
        *req += 1;
        if let Some((name, content)) = file {
            std::fs::write(workspace.join(name), content).unwrap();
            rec.server_message(&msg(json!({"method": "item/completed", "params": {"threadId": thread, "turnId": turn, "item": {
                "type": "commandExecution", "id": format!("{turn}-cmd"), "command": format!("/bin/bash -lc 'cat > {cwd}/{name}'"),
                "status": "completed", "exitCode": 0, "durationMs": 31, "cwd": cwd, "aggregatedOutput": ""}}})));
        }
        rec.server_message(&msg(json!({"method": "item/completed", "params": {"threadId": thread, "turnId": turn, "item": {
            "type": "agentMessage", "id": format!("{turn}-msg"), "text": reply}}})));
        rec.server_message(&msg(
            json!({"method": "turn/completed", "params": {"threadId": thread, "turn": {
            "id": turn, "status": "completed", "items": [], "durationMs": 88}}}),
        ));
    }
}

fn handshake(rec: &mut Recorder) {
    rec.client_message(&msg(json!({"id": 0, "method": "initialize", "params": {"clientInfo": {"name": "prompt-diary", "version": env!("CARGO_PKG_VERSION")}}})));
    rec.server_message(&msg(json!({"id": 0, "result": {"userAgent": "prompt-diary/0.163.0 (Debian 12; x86_64)", "codexHome": "/tmp/home-xyz"}})));
    rec.client_message(&msg(json!({"method": "initialized"})));
}

fn two_conversation_cassette(dir: &Path) -> Cassette {
    let path = dir.join("synthetic.jsonl");
    let mut rec = Recorder::new(RecordOptions::new(&path));
    handshake(&mut rec);
    let mut req = 1;
    let ws_a = tempfile::tempdir().unwrap();
    let ws_b = tempfile::tempdir().unwrap();
    record_conversation(
        &mut rec,
        ws_a.path(),
        &mut req,
        "019a-aaaa",
        &[
            ("ALPHA write", "alpha done", Some(("a.md", "alpha\n"))),
            ("ALPHA again", "alpha two", None),
        ],
    );
    record_conversation(
        &mut rec,
        ws_b.path(),
        &mut req,
        "019a-bbbb",
        &[("BETA write", "beta done", Some(("b.md", "beta\n")))],
    );
    rec.build("exit status: 0", &[]).unwrap()
}

async fn replay_backend(cassette: Cassette) -> CodexBackend {
    CodexBackend::start_with_transport(
        CodexBackendConfig::default(),
        ReplayTransport::new(cassette, Some("just record-fixtures".into())),
    )
    .await
    .unwrap()
}

fn opts() -> TurnOptions {
    TurnOptions::with_timeout(Duration::from_secs(5))
}

#[tokio::test]
async fn the_recorded_cassette_is_normalised_and_stable() {
    let dir = tempfile::tempdir().unwrap();
    let first = two_conversation_cassette(dir.path()).comparable_text();
    let second = two_conversation_cassette(dir.path()).comparable_text();
    assert_eq!(
        first, second,
        "same traffic in fresh temp dirs gives the same cassette"
    );
    assert!(
        !first.contains("019a-aaaa") && !first.contains("/tmp/"),
        "volatile values left:\n{first}"
    );
    assert!(
        first.contains("{{workspace}}/a.md")
            && first.contains("{{thread:1}}")
            && first.contains("{{time_ms}}"),
        "{first}"
    );
    assert!(first.contains(r#"{"kind":"effects","conv":"c1","turn":0,"effects":[{"op":"write","path":"a.md","text":"alpha\n"}]}"#), "{first}");
}

#[tokio::test]
async fn replay_reproduces_results_and_files_whatever_the_order_conversations_start_in() {
    let dir = tempfile::tempdir().unwrap();
    let cassette = two_conversation_cassette(dir.path());
    let backend = replay_backend(cassette).await;
    let ws_a = tempfile::tempdir().unwrap();
    let ws_b = tempfile::tempdir().unwrap();
    // Beta first, though alpha was recorded first: the conversations swap to fit.
    let mut beta = CodexAgentRunner::new(backend.clone(), AgentConfig::new(ws_b.path()));
    let mut alpha = CodexAgentRunner::new(backend.clone(), AgentConfig::new(ws_a.path()));
    let b = beta.turn("BETA write", opts()).await.unwrap();
    let a1 = alpha.turn("ALPHA write", opts()).await.unwrap();
    let a2 = alpha.turn("ALPHA again", opts()).await.unwrap();
    assert_eq!(
        (
            b.assistant_text.as_str(),
            a1.assistant_text.as_str(),
            a2.assistant_text.as_str()
        ),
        ("beta done", "alpha done", "alpha two")
    );
    assert_eq!(
        std::fs::read_to_string(ws_a.path().join("a.md")).unwrap(),
        "alpha\n"
    );
    assert_eq!(
        std::fs::read_to_string(ws_b.path().join("b.md")).unwrap(),
        "beta\n"
    );
    let command = &a1.events[0];
    assert_eq!(
        command.metadata["command"],
        json!(format!(
            "/bin/bash -lc 'cat > {}/a.md'",
            ws_a.path().display()
        ))
    );
    assert_eq!(command.metadata["duration_ms"], json!(0));
    backend.shutdown().await.unwrap();
}

#[tokio::test]
async fn a_changed_prompt_fails_at_once_with_a_divergence_report() {
    let dir = tempfile::tempdir().unwrap();
    let backend = replay_backend(two_conversation_cassette(dir.path())).await;
    let ws = tempfile::tempdir().unwrap();
    let mut runner = CodexAgentRunner::new(backend.clone(), AgentConfig::new(ws.path()));
    let err = runner.turn("GAMMA write", opts()).await.unwrap_err();
    let text = err.to_string();
    assert!(matches!(err, AgentError::Backend(_)), "{err:?}");
    assert!(text.contains("synthetic.jsonl:"), "{text}");
    assert!(text.contains("$.params.input[0].text"), "{text}");
    assert!(
        text.contains("GAMMA write") && text.contains("ALPHA write"),
        "{text}"
    );
    assert!(
        text.contains("re-record with: just record-fixtures"),
        "{text}"
    );
}

#[tokio::test]
async fn interactions_left_unused_fail_the_shutdown() {
    let dir = tempfile::tempdir().unwrap();
    let backend = replay_backend(two_conversation_cassette(dir.path())).await;
    let ws = tempfile::tempdir().unwrap();
    let mut alpha = CodexAgentRunner::new(backend.clone(), AgentConfig::new(ws.path()));
    alpha.turn("ALPHA write", opts()).await.unwrap();
    let err = backend.shutdown().await.unwrap_err().to_string();
    assert!(err.contains("unused"), "{err}");
    assert!(err.contains("`turn/start` never came"), "{err}");
    assert!(err.contains("`thread/start` never came"), "{err}");
}

#[tokio::test]
async fn replaying_twenty_times_gives_identical_results_and_files() {
    let dir = tempfile::tempdir().unwrap();
    let cassette = two_conversation_cassette(dir.path());
    let mut seen = None;
    for _ in 0..20 {
        let backend = replay_backend(cassette.clone()).await;
        let ws_a = tempfile::tempdir().unwrap();
        let ws_b = tempfile::tempdir().unwrap();
        let mut alpha = CodexAgentRunner::new(backend.clone(), AgentConfig::new(ws_a.path()));
        let mut beta = CodexAgentRunner::new(backend.clone(), AgentConfig::new(ws_b.path()));
        let (a, b) = tokio::join!(
            alpha.turn("ALPHA write", opts()),
            beta.turn("BETA write", opts())
        );
        let a2 = alpha.turn("ALPHA again", opts()).await.unwrap();
        let normalise = |text: String, ws: &Path| text.replace(&ws.display().to_string(), "WS");
        let outcome = (
            normalise(format!("{:?}", a.unwrap()), ws_a.path()),
            normalise(format!("{:?}", b.unwrap()), ws_b.path()),
            format!("{a2:?}"),
            std::fs::read_to_string(ws_a.path().join("a.md")).unwrap(),
            std::fs::read_to_string(ws_b.path().join("b.md")).unwrap(),
        );
        backend.shutdown().await.unwrap();
        match &seen {
            None => seen = Some(outcome),
            Some(first) => assert_eq!(first, &outcome),
        }
    }
}

#[tokio::test]
async fn secrets_in_the_traffic_are_redacted_and_a_leftover_secret_stops_the_write() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("secret.jsonl");
    let mut rec = Recorder::new(RecordOptions::new(&path));
    handshake(&mut rec);
    rec.server_message(&msg(json!({"method": "warning", "params": {"message": "key sk-proj-ABCDEFGHIJKLMNOPQRSTUVWXYZ012345 and Authorization: Bearer abcdefghijk12345"}})));
    let text = rec.build("exit status: 0", &[]).unwrap().to_text();
    assert!(
        !text.contains("sk-proj-ABCDEF") && !text.contains("abcdefghijk12345"),
        "{text}"
    );
    assert!(
        text.contains("key {{redacted}} and Authorization: {{redacted}}"),
        "{text}"
    );

    rec.server_message(&msg(
        json!({"method": "warning", "params": {"message": "env: OPENAI_API_KEY=opaque-token"}}),
    ));
    let err = rec.finish("exit status: 0", &[]).unwrap_err().to_string();
    assert!(
        err.contains("refusing to write") && err.contains("an authorization or API key field"),
        "{err}"
    );
    assert!(!path.exists(), "nothing was written");
}

#[tokio::test]
async fn template_braces_in_prompts_replies_and_files_replay_verbatim() {
    // Text that looks like a placeholder, or like the start of one, is the agent's own text:
    // Jinja, Handlebars, Rust format strings. Replay must not read it as a placeholder.
    let prompt = "Fill {{name}} and {{ user }} in the template; keep {{}} and {{lbrace}}.";
    let reply =
        "Done: {{name}}, {{ user }}, {{}}, {{{{x}}, {{lbrace}}, {{turn:1}} and {{time_ms}}.";
    let ws = tempfile::tempdir().unwrap();
    // A file that names its own workspace is replayed naming the replay's workspace.
    let file = |ws: &Path| {
        format!(
            "Hello {{{{name}}}}!\nformat!(\"{{{{}}}}\")\nin {}\n",
            ws.display()
        )
    };
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("braces.jsonl");
    let mut rec = Recorder::new(RecordOptions::new(&path));
    handshake(&mut rec);
    let mut req = 1;
    record_conversation(
        &mut rec,
        ws.path(),
        &mut req,
        "019a-cccc",
        &[(prompt, reply, Some(("page.j2", &file(ws.path()))))],
    );
    let cassette = rec.build("exit status: 0", &[]).unwrap();
    let text = cassette.to_text();
    let reparsed = Cassette::parse(&path, &text).unwrap();
    let backend = replay_backend(reparsed).await;
    let replay_ws = tempfile::tempdir().unwrap();
    let mut runner = CodexAgentRunner::new(backend.clone(), AgentConfig::new(replay_ws.path()));
    let result = runner.turn(prompt, opts()).await.unwrap();
    assert_eq!(result.assistant_text, reply, "cassette:\n{text}");
    assert_eq!(
        std::fs::read_to_string(replay_ws.path().join("page.j2")).unwrap(),
        file(replay_ws.path())
    );
    assert!(
        text.contains("{{workspace}}") && !text.contains(&ws.path().display().to_string()),
        "the recorded workspace is a placeholder:\n{text}"
    );
    backend.shutdown().await.unwrap();
}

#[tokio::test]
async fn a_thread_can_ask_for_only_the_notifications_it_folds() {
    use prompt_diary::testing::session::{RpcSession, ThreadEvent};

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("only.jsonl");
    let mut rec = Recorder::new(RecordOptions::new(&path));
    handshake(&mut rec);
    let ws = tempfile::tempdir().unwrap();
    let cwd = ws.path().display().to_string();
    let thread = "019a-dddd";
    rec.client_message(&msg(
        json!({"id": 1, "method": "thread/start", "params": {"cwd": cwd}}),
    ));
    rec.server_message(&msg(json!({"id": 1, "result": {"thread": {"id": thread}}})));
    rec.server_message(&msg(
        json!({"method": "thread/started", "params": {"thread": {"id": thread}}}),
    ));
    rec.client_message(&msg(
        json!({"id": 2, "method": "turn/start", "params": {"threadId": thread, "input": []}}),
    ));
    rec.server_message(&msg(
        json!({"id": 2, "result": {"turn": {"id": "t1", "status": "inProgress", "items": []}}}),
    ));
    for method in [
        "thread/status/changed",
        "item/agentMessage/delta",
        "item/completed",
        "thread/tokenUsage/updated",
        "turn/completed",
    ] {
        rec.server_message(&msg(
            json!({"method": method, "params": {"threadId": thread, "turnId": "t1"}}),
        ));
    }
    let cassette = rec.build("exit status: 0", &[]).unwrap();

    let session = RpcSession::start(ReplayTransport::new(cassette, None));
    let limit = Duration::from_secs(5);
    let init =
        json!({"clientInfo": {"name": "prompt-diary", "version": env!("CARGO_PKG_VERSION")}});
    session.request("initialize", init, limit).await.unwrap();
    session.notify("initialized", None).await.unwrap();
    let replay_ws = tempfile::tempdir().unwrap();
    let params = json!({"cwd": replay_ws.path().display().to_string()});
    let (result, mut inbox) = session
        .request_routed("thread/start", params, started_thread_id, limit)
        .await
        .unwrap();
    let id = started_thread_id(&result).unwrap();
    session.deliver_only(&id, &["item/completed", "turn/completed"]);
    session
        .request("turn/start", json!({"threadId": id, "input": []}), limit)
        .await
        .unwrap();
    let mut delivered = Vec::new();
    while let Some(ThreadEvent::Notification { method, .. }) = inbox.recv().await {
        let done = method == "turn/completed";
        delivered.push(method);
        if done {
            break;
        }
    }
    // `thread/started` came with the thread/start answer, before the choice took effect.
    assert_eq!(
        delivered,
        ["thread/started", "item/completed", "turn/completed"]
    );
    session.close().await.unwrap();
}

/// The thread id in a `thread/start` answer (`result.thread.id`).
fn started_thread_id(result: &serde_json::Value) -> Option<String> {
    Some(result.pointer("/thread/id")?.as_str()?.to_owned())
}
