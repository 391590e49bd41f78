//! Bench 1: replay throughput against the parsing limit.
//!
//! A synthetic cassette (≥ 10,000 messages across ≥ 16 conversations, made with the crate's own
//! `Recorder` from traffic shaped like Codex 0.163.0's) is replayed through `ReplayTransport`,
//! the JSON-RPC session and `CodexAgentRunner`, as a real client would: one runner per
//! conversation, all at once. The baseline only parses and re-serialises the same lines with
//! serde_json. Both are timed alternately in one run.
//!
//! Knobs: `PROMPT_DIARY_BENCH_REPS` (default 5), `PROMPT_DIARY_BENCH_CONVERSATIONS` (default 16),
//! `PROMPT_DIARY_BENCH_TURNS` (turns per conversation, default 60).

mod common;

use std::path::Path;
use std::time::{Duration, Instant};

use common::{Summary, knob, publish, table};
use prompt_diary::agent::{AgentConfig, AgentRunner, TurnOptions};
use prompt_diary::cassette::ReplayTransport;
use prompt_diary::cassette::{RecordOptions, Recorder};
use prompt_diary::codex::{CodexAgentRunner, CodexBackend, CodexBackendConfig};
use prompt_diary::testing::session::{RpcSession, ThreadEvent};
use prompt_diary::transport::Message;
use serde_json::{Value, json};

const BENCH: &str = "replay_throughput";

fn msg(value: Value) -> Message {
    Message::from_value(value).expect("a JSON-RPC message")
}

fn prompt(c: usize, t: usize) -> String {
    format!("CONV-{c}: step {t}. Write the next section of the report and keep it short.")
}

fn reply(c: usize, t: usize) -> String {
    format!("Conversation {c}, step {t}: the section is written and the checks pass.")
}

/// One conversation of `turns` turns, as Codex 0.163.0 sends them (ids, times, token usage).
fn record_conversation(
    rec: &mut Recorder,
    workspace: &Path,
    req: &mut i64,
    c: usize,
    turns: usize,
) {
    let cwd = workspace.display().to_string();
    let thread = format!("019a{c:04x}-0000-7000-8000-00000000{c:04x}");
    let mut at = 1_763_000_000_000u64 + c as u64 * 1_000_000;
    let mut tick = || {
        at += 7;
        at
    };
    rec.client_message(&msg(
        json!({"id": *req, "method": "thread/start", "params": {"cwd": cwd}}),
    ));
    rec.server_message(&msg(json!({"id": *req, "result": {"thread": {"id": thread,
        "createdAt": 1_763_000_000, "cwd": cwd, "environments": [{"cwd": cwd}]}, "model": "mock-model"}})));
    rec.server_message(&msg(
        json!({"method": "thread/started", "params": {"thread": {"id": thread}},
        "emittedAtMs": tick()}),
    ));
    *req += 1;
    for t in 0..turns {
        let turn = format!("019b{c:04x}-{t:04x}-7000-8000-000000000000");
        let user = format!("019c{c:04x}-{t:04x}-7000-8000-000000000001");
        let input = json!([{"type": "text", "text": prompt(c, t)}]);
        rec.client_message(&msg(json!({"id": *req, "method": "turn/start",
            "params": {"threadId": thread, "input": input}})));
        rec.server_message(&msg(json!({"id": *req, "result": {"turn": {"id": turn,
            "status": "inProgress", "items": []}}})));
        *req += 1;
        let notes = [
            json!({"method": "thread/status/changed", "params": {"threadId": thread,
                "status": {"type": "active", "activeFlags": []}}}),
            json!({"method": "turn/started", "params": {"threadId": thread, "turn": {"id": turn,
                "status": "inProgress", "items": [], "startedAt": 1_763_000_001}}}),
            json!({"method": "item/started", "params": {"threadId": thread, "turnId": turn,
                "item": {"type": "userMessage", "id": user, "content": input}}}),
            json!({"method": "item/completed", "params": {"threadId": thread, "turnId": turn,
                "item": {"type": "userMessage", "id": user, "content": input}}}),
            json!({"method": "item/started", "params": {"threadId": thread, "turnId": turn,
                "item": {"type": "agentMessage", "id": format!("msg_{c}_{t}"), "text": ""}}}),
            json!({"method": "item/completed", "params": {"threadId": thread, "turnId": turn,
                "item": {"type": "agentMessage", "id": format!("msg_{c}_{t}"), "text": reply(c, t)}}}),
            json!({"method": "thread/tokenUsage/updated", "params": {"threadId": thread, "turnId": turn,
                "tokenUsage": {"total": {"inputTokens": 1200 + t, "cachedInputTokens": 0,
                "outputTokens": 20, "reasoningOutputTokens": 0, "totalTokens": 1220 + t},
                "last": {"inputTokens": 1200, "cachedInputTokens": 0, "outputTokens": 20,
                "reasoningOutputTokens": 0, "totalTokens": 1220}, "modelContextWindow": null}}}),
            json!({"method": "thread/status/changed", "params": {"threadId": thread,
                "status": {"type": "idle"}}}),
            json!({"method": "turn/completed", "params": {"threadId": thread, "turn": {"id": turn,
                "status": "completed", "error": null, "items": [{"type": "agentMessage",
                "id": format!("msg_{c}_{t}"), "text": reply(c, t)}], "itemsView": "summary",
                "durationMs": 45}}}),
        ];
        for mut note in notes {
            note["emittedAtMs"] = json!(tick());
            rec.server_message(&msg(note));
        }
    }
}

/// The synthetic cassette's text and how many messages it holds.
fn synthetic(dir: &Path, conversations: usize, turns: usize) -> (String, usize) {
    let mut rec = Recorder::new(RecordOptions::new(dir.join("synthetic.jsonl")));
    rec.client_message(&msg(
        json!({"id": 0, "method": "initialize", "params": {"clientInfo":
        {"name": "prompt-diary", "version": env!("CARGO_PKG_VERSION")}}}),
    ));
    rec.server_message(&msg(json!({"id": 0, "result": {"userAgent":
        "prompt-diary/0.163.0 (Debian 12.0.0; x86_64) xterm", "codexHome": "/tmp/codex-home-bench",
        "platformFamily": "unix", "platformOs": "linux"}})));
    rec.client_message(&msg(json!({"method": "initialized"})));
    let mut req = 1;
    let workspaces: Vec<_> = (0..conversations)
        .map(|_| tempfile::tempdir().expect("a temp workspace"))
        .collect();
    for (c, ws) in workspaces.iter().enumerate() {
        record_conversation(&mut rec, ws.path(), &mut req, c, turns);
    }
    let cassette = rec
        .build("exit status: 0", &[])
        .expect("the synthetic cassette builds");
    let messages = cassette
        .entries
        .iter()
        .filter(|(_, e)| {
            matches!(
                e,
                prompt_diary::cassette::Entry::C2s { .. }
                    | prompt_diary::cassette::Entry::S2c { .. }
            )
        })
        .count();
    (cassette.to_text(), messages)
}

/// The baseline: parse and re-serialise every body line with serde_json.
fn baseline(text: &str) -> Duration {
    let started = Instant::now();
    let mut bytes = 0usize;
    for line in text.lines().skip(1) {
        let value: Value = serde_json::from_str(line).expect("a JSON line");
        bytes += serde_json::to_string(&value).expect("serialises").len();
    }
    std::hint::black_box(bytes);
    started.elapsed()
}

/// Only loads the text for replay (the first step of every replay): every line checked, the
/// client messages parsed, the server messages kept as text.
fn load_only(text: &str, path: &Path) -> Duration {
    let started = Instant::now();
    let transport = ReplayTransport::parse(path, text, "bench").expect("the cassette loads");
    let elapsed = started.elapsed();
    drop(std::hint::black_box(transport));
    elapsed
}

/// Parses the cassette and replays it through the adapter, every conversation at once.
async fn replay(text: &str, path: &Path, conversations: usize, turns: usize) -> Duration {
    let workspaces: Vec<_> = (0..conversations)
        .map(|_| tempfile::tempdir().expect("a temp workspace"))
        .collect();
    let started = Instant::now();
    let transport = ReplayTransport::parse(path, text, "bench").expect("the cassette parses");
    let backend = CodexBackend::start_with_transport(CodexBackendConfig::default(), transport)
        .await
        .expect("the replay backend starts");
    let mut tasks = tokio::task::JoinSet::new();
    for (c, ws) in workspaces.iter().enumerate() {
        let mut runner = CodexAgentRunner::new(backend.clone(), AgentConfig::new(ws.path()));
        tasks.spawn(async move {
            for t in 0..turns {
                let result = runner
                    .turn(
                        &prompt(c, t),
                        TurnOptions::with_timeout(Duration::from_secs(60)),
                    )
                    .await
                    .unwrap_or_else(|err| panic!("conversation {c} turn {t}: {err}"));
                assert_eq!(result.assistant_text, reply(c, t));
            }
        });
    }
    while let Some(done) = tasks.join_next().await {
        done.expect("a conversation task");
    }
    backend
        .shutdown()
        .await
        .expect("every recorded interaction was used");
    started.elapsed()
}

/// Parses the cassette and replays it through `ReplayTransport` and the JSON-RPC session alone
/// (no runner): per conversation, `thread/start`, then each `turn/start` and its notifications
/// up to `turn/completed`, every conversation at once. This is the transport and session layer
/// the target names; [`replay`] adds the runners on top.
async fn replay_session(text: &str, path: &Path, conversations: usize, turns: usize) -> Duration {
    let workspaces: Vec<_> = (0..conversations)
        .map(|_| tempfile::tempdir().expect("a temp workspace"))
        .collect();
    let limit = Duration::from_secs(60);
    let started = Instant::now();
    let session = RpcSession::start(
        ReplayTransport::parse(path, text, "bench").expect("the cassette parses"),
    );
    let params =
        json!({"clientInfo": {"name": "prompt-diary", "version": env!("CARGO_PKG_VERSION")}});
    session
        .request("initialize", params, limit)
        .await
        .expect("initialize is answered");
    session
        .notify("initialized", None)
        .await
        .expect("initialized is sent");
    let mut tasks = tokio::task::JoinSet::new();
    for (c, ws) in workspaces.iter().enumerate() {
        let session = session.clone();
        let cwd = ws.path().display().to_string();
        tasks.spawn(async move {
            let (result, mut inbox) = session
                .request_routed(
                    "thread/start",
                    json!({"cwd": cwd}),
                    started_thread_id,
                    limit,
                )
                .await
                .unwrap_or_else(|err| panic!("conversation {c}: thread/start: {err}"));
            let thread = started_thread_id(&result).expect("a thread id");
            for t in 0..turns {
                let input = json!([{"type": "text", "text": prompt(c, t)}]);
                session
                    .request(
                        "turn/start",
                        json!({"threadId": thread, "input": input}),
                        limit,
                    )
                    .await
                    .unwrap_or_else(|err| panic!("conversation {c} turn {t}: {err}"));
                loop {
                    match inbox.recv().await {
                        Some(ThreadEvent::Notification { method, .. })
                            if method == "turn/completed" =>
                        {
                            break;
                        }
                        Some(_) => {}
                        None => panic!("conversation {c} turn {t}: the session ended"),
                    }
                }
            }
        });
    }
    while let Some(done) = tasks.join_next().await {
        done.expect("a conversation task");
    }
    session
        .close()
        .await
        .expect("every recorded interaction was used");
    started.elapsed()
}

fn main() {
    let reps = knob("REPS", 5).max(1);
    let conversations = knob("CONVERSATIONS", 16).max(1);
    let turns = knob("TURNS", 60).max(1);
    let dir = tempfile::tempdir().expect("a temp dir");
    let (text, messages) = synthetic(dir.path(), conversations, turns);
    let lines = text.lines().count() - 1;
    let path = dir.path().join("synthetic.jsonl");
    std::fs::write(&path, &text).expect("the cassette is written");
    eprintln!(
        "synthetic cassette: {messages} messages, {lines} body lines, {} bytes",
        text.len()
    );
    let multi = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    let single = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    // Warm-up, not counted.
    baseline(&text);
    multi.block_on(replay(&text, &path, conversations, turns));
    single.block_on(replay(&text, &path, conversations, turns));
    single.block_on(replay_session(&text, &path, conversations, turns));
    let (mut base, mut ours_single, mut ours_multi) = (Vec::new(), Vec::new(), Vec::new());
    let mut session_only = Vec::new();
    let mut parsed = Vec::new();
    for rep in 0..reps {
        let b = baseline(&text);
        parsed.push(lines as f64 / load_only(&text, &path).as_secs_f64());
        let s = single.block_on(replay(&text, &path, conversations, turns));
        let m = multi.block_on(replay(&text, &path, conversations, turns));
        let l = single.block_on(replay_session(&text, &path, conversations, turns));
        eprintln!(
            "rep {rep}: baseline {b:?}, replay current-thread {s:?}, multi-thread {m:?}, session layer {l:?}"
        );
        session_only.push(messages as f64 / l.as_secs_f64());
        base.push(lines as f64 / b.as_secs_f64());
        ours_single.push(messages as f64 / s.as_secs_f64());
        ours_multi.push(messages as f64 / m.as_secs_f64());
    }
    let b = Summary::of(&base);
    // Issue 31's targets: 0.8× on a current-thread runtime, 0.6× on a multi-thread one.
    let row = |name: &str, ours: &[f64], target: f64| {
        let r = Summary::of(ours);
        let pairs: Vec<f64> = ours.iter().zip(&base).map(|(r, b)| r / b).collect();
        let ratio = r.median / b.median;
        vec![
            name.to_owned(),
            r.range(0),
            format!("**{ratio:.2}** (pairs: {})", Summary::of(&pairs).range(2)),
            format!(
                "≥ {target}×: {}",
                if ratio >= target { "met" } else { "missed" }
            ),
        ]
    };
    let text_out = table(
        &[
            "path",
            "messages/s, median (min–max)",
            "× baseline (ratio of medians)",
            "target",
        ],
        &[
            vec![
                "serde_json parse + re-serialise (baseline)".into(),
                b.range(0),
                "1".into(),
                String::new(),
            ],
            {
                let mut parse = row(
                    "of which: loading the cassette (`ReplayTransport::parse`) alone",
                    &parsed,
                    0.0,
                );
                parse[3] = "(a part, not a path)".into();
                parse
            },
            row(
                "replay on a current-thread runtime (as `#[tokio::test]`)",
                &ours_single,
                0.8,
            ),
            row(
                "replay on a multi-thread runtime (2 workers)",
                &ours_multi,
                0.6,
            ),
            row(
                "replay through `ReplayTransport` + `RpcSession` only (no runners; current-thread)",
                &session_only,
                0.8,
            ),
        ],
    );
    let notes = format!(
        "The cassette: {messages} messages ({lines} lines, {} KiB) in {conversations} \
         conversations of {turns} turns, made with `Recorder` from Codex-shaped traffic (11 \
         messages a turn: `turn/start`, its answer, status, `turn/started`, user and agent items, \
         token usage, `turn/completed`). A replay run covers everything a test pays: loading the \
         text (every line checked; server messages kept as text), matching every client message, \
         parsing each server message when it is due and filling its placeholders, binding fresh \
         ids, routing, and folding events in {conversations} concurrent runners; `shutdown` \
         checks nothing was left unused. The baseline parses and re-serialises the same lines \
         into `serde_json::Value`. The loading row times only the first step of a replay, so the \
         rest costs what the replay rows add to it. The session-layer row drives `RpcSession` \
         directly (`thread/start`, then each `turn/start` and its notifications up to \
         `turn/completed`): the transport and session layer the target names, without the \
         runners' event folding, which the adapter rows add.",
        text.len() / 1024
    );
    publish(
        BENCH,
        "1. Replay throughput vs the parsing limit",
        &text_out,
        &notes,
    );
}

/// The thread id in a `thread/start` answer (`result.thread.id`).
fn started_thread_id(result: &serde_json::Value) -> Option<String> {
    Some(result.pointer("/thread/id")?.as_str()?.to_owned())
}
