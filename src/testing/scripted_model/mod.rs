//! The scripted local model: a fake of the OpenAI Responses streaming endpoint on loopback.
//!
//! Codex is pointed at it through a [`CodexHome`](super::CodexHome) whose `config.toml` declares
//! it as the model provider. Each Codex thread is one conversation (told apart by the `thread-id`
//! header Codex sends); the first time a conversation shows up it claims the first unclaimed
//! [`ConversationScript`] whose `match` text occurs in its user messages, and then gets that
//! script's replies in order, one per request. Everything it sends is deterministic.
//!
//! ```no_run
//! # async fn demo() -> std::io::Result<()> {
//! use prompt_diary::testing::{CodexHome, Scenario, ScriptedModel};
//! let scenario = Scenario::from_json(r#"{"name": "hi", "conversations": [{"replies": [{"message": "Hello."}]}]}"#)
//!     .map_err(std::io::Error::other)?;
//! let model = ScriptedModel::start(scenario).await?;
//! let home = CodexHome::for_model(&model)?; // CODEX_HOME for the app-server
//! # Ok(()) }
//! ```

mod http;
mod scenario;
mod sse;

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use serde_json::Value;
use tokio::io::{AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Notify, watch};
use tokio::task::JoinHandle;

pub use scenario::{ConversationScript, Reply, Scenario, ScenarioError};
pub use sse::{SHELL_TOOL, mcp_namespace};

/// One request the model received.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordedRequest {
    /// The index of the conversation script that served it.
    pub conversation: usize,
    /// The request body.
    pub body: Value,
}

impl RecordedRequest {
    /// Every `input_text` of the user messages in the request's input, in order.
    pub fn user_texts(&self) -> Vec<String> {
        user_texts(&self.body)
    }
}

fn user_texts(body: &Value) -> Vec<String> {
    let Some(input) = body.get("input").and_then(Value::as_array) else {
        return Vec::new();
    };
    input
        .iter()
        .filter(|item| item.get("role").and_then(Value::as_str) == Some("user"))
        .filter_map(|item| item.get("content").and_then(Value::as_array))
        .flatten()
        .filter_map(|part| part.get("text").and_then(Value::as_str))
        .map(str::to_owned)
        .collect()
}

#[derive(Debug)]
struct Script {
    script: ConversationScript,
    claimed: bool,
    next: usize,
}

#[derive(Debug, Default)]
struct State {
    scripts: Vec<Script>,
    keys: HashMap<String, usize>,
    requests: Vec<RecordedRequest>,
    errors: Vec<String>,
}

struct Shared {
    state: Mutex<State>,
    keep_bodies: std::sync::atomic::AtomicBool,
    arrived: Notify,
    stalls: watch::Sender<u64>,
    shutdown: watch::Sender<bool>,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// A running scripted model. Dropping it stops it.
pub struct ScriptedModel {
    shared: Arc<Shared>,
    port: u16,
    name: String,
    accept: JoinHandle<()>,
}

impl ScriptedModel {
    /// Starts serving `scenario` on 127.0.0.1 at a free port.
    pub async fn start(scenario: Scenario) -> std::io::Result<ScriptedModel> {
        let listener = TcpListener::bind(("127.0.0.1", 0)).await?;
        let port = listener.local_addr()?.port();
        let scripts = scenario
            .conversations
            .into_iter()
            .map(|script| Script {
                script,
                claimed: false,
                next: 0,
            })
            .collect();
        let shared = Arc::new(Shared {
            state: Mutex::new(State {
                scripts,
                ..State::default()
            }),
            keep_bodies: std::sync::atomic::AtomicBool::new(true),
            arrived: Notify::new(),
            stalls: watch::channel(0).0,
            shutdown: watch::channel(false).0,
        });
        let accept = tokio::spawn(accept_loop(listener, Arc::clone(&shared)));
        Ok(Self {
            shared,
            port,
            name: scenario.name,
            accept,
        })
    }

    /// The scenario's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The base URL to configure as the provider's `base_url`: `http://127.0.0.1:PORT/v1`.
    pub fn base_url(&self) -> String {
        format!("http://127.0.0.1:{}/v1", self.port)
    }

    /// Whether [`requests`](Self::requests) keeps request bodies (on by default). Long soaks turn
    /// it off so the model's own log does not grow with every conversation's history.
    pub fn keep_request_bodies(&self, keep: bool) {
        self.shared
            .keep_bodies
            .store(keep, std::sync::atomic::Ordering::Relaxed);
    }

    /// Every model request received so far, in arrival order.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.shared.lock().requests.clone()
    }

    /// Scripted replies never served (and scripts never claimed), one line each.
    pub fn unused_replies(&self) -> Vec<String> {
        let state = self.shared.lock();
        let mut unused = Vec::new();
        for (index, script) in state.scripts.iter().enumerate() {
            for reply in &script.script.replies[script.next.min(script.script.replies.len())..] {
                unused.push(format!("conversation {index}: {}", reply.describe()));
            }
        }
        unused
    }

    /// Requests that could not be served (no matching script, script exhausted, bad HTTP).
    pub fn errors(&self) -> Vec<String> {
        self.shared.lock().errors.clone()
    }

    /// Waits until at least `count` requests have arrived, up to `timeout`.
    pub async fn wait_for_requests(&self, count: usize, timeout: Duration) -> Result<(), String> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let notified = self.shared.arrived.notified();
            let seen = self.shared.lock().requests.len();
            if seen >= count {
                return Ok(());
            }
            if tokio::time::timeout_at(deadline, notified).await.is_err() {
                return Err(format!(
                    "only {seen} of {count} model requests arrived within {timeout:?}"
                ));
            }
        }
    }

    /// Ends every stalled stream (their connections close).
    pub fn release_stalls(&self) {
        self.shared
            .stalls
            .send_modify(|generation| *generation += 1);
    }

    /// Stops listening and releases stalls.
    pub async fn shutdown(self) {
        self.stop();
    }

    fn stop(&self) {
        self.shared.shutdown.send_replace(true);
        self.accept.abort();
    }
}

impl Drop for ScriptedModel {
    fn drop(&mut self) {
        self.stop();
    }
}

async fn accept_loop(listener: TcpListener, shared: Arc<Shared>) {
    let mut shutdown = shared.shutdown.subscribe();
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => {
                    tokio::spawn(serve(stream, Arc::clone(&shared)));
                }
                Err(err) => tracing::warn!("scripted model: accept failed: {err}"),
            },
            _ = shutdown.changed() => return,
        }
    }
}

/// Serves one connection (one request; every response closes the connection).
async fn serve(stream: TcpStream, shared: Arc<Shared>) {
    let (read, mut write) = stream.into_split();
    let mut reader = BufReader::new(read);
    let request = match http::read_request(&mut reader).await {
        Ok(request) => request,
        Err(http::ReadError::Bad(status, reason)) => {
            shared.lock().errors.push(format!("bad request: {reason}"));
            let _ = http::respond(&mut write, status, "text/plain", &reason).await;
            return;
        }
        Err(http::ReadError::Closed) => return,
    };
    if request.method != "POST" || !request.path.ends_with("/responses") {
        let body = format!(
            "{{\"error\":{{\"message\":\"the scripted model serves POST /v1/responses only, not {} {}\"}}}}",
            request.method, request.path
        );
        let _ = http::respond(&mut write, 404, "application/json", &body).await;
        return;
    }
    let body: Value = match serde_json::from_slice(&request.body) {
        Ok(body) => body,
        Err(err) => {
            let reason = format!("request body is not JSON: {err}");
            shared.lock().errors.push(reason.clone());
            let _ = http::respond(&mut write, 400, "text/plain", &reason).await;
            return;
        }
    };
    let key = ["thread-id", "session-id", "conversation_id"]
        .iter()
        .find_map(|h| request.headers.get(*h).cloned())
        .or_else(|| {
            body.get("prompt_cache_key")
                .and_then(Value::as_str)
                .map(str::to_owned)
        })
        .unwrap_or_else(|| "default".to_owned());
    let (conversation, n, reply) = match next_reply(&shared, &key, &body) {
        Ok(found) => found,
        Err(reason) => {
            let body = serde_json::json!({ "error": { "message": reason } }).to_string();
            let _ = http::respond(&mut write, 500, "application/json", &body).await;
            return;
        }
    };
    shared.arrived.notify_waiters();
    let result = match &reply {
        Reply::HttpError { status, body } => {
            http::respond(&mut write, *status, "application/json", body).await
        }
        Reply::Stall(_) => {
            let mut stalls = shared.stalls.subscribe();
            let mut shutdown = shared.shutdown.subscribe();
            let started = async {
                http::start_stream(&mut write).await?;
                write
                    .write_all(sse::created(conversation, n).as_bytes())
                    .await?;
                write.flush().await
            };
            if started.await.is_ok() && !*shutdown.borrow() {
                tokio::select! {
                    _ = stalls.changed() => {}
                    _ = shutdown.changed() => {}
                    // The client gave up (e.g. Codex interrupted the turn).
                    _ = wait_closed(&mut reader) => {}
                }
            }
            Ok(())
        }
        other => {
            let text = format!(
                "{}{}",
                sse::created(conversation, n),
                sse::body(other, conversation, n)
            );
            match http::start_stream(&mut write).await {
                Ok(()) => write.write_all(text.as_bytes()).await,
                Err(err) => Err(err),
            }
        }
    };
    if let Err(err) = result {
        tracing::debug!("scripted model: writing the reply failed: {err}");
    }
    let _ = write.shutdown().await;
}

/// Resolves when the peer closes its side.
async fn wait_closed(reader: &mut BufReader<tokio::net::tcp::OwnedReadHalf>) {
    let mut buf = [0u8; 256];
    loop {
        match tokio::io::AsyncReadExt::read(reader, &mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(_) => {}
        }
    }
}

/// Records the request and picks the reply: (conversation index, reply number, reply).
fn next_reply(shared: &Shared, key: &str, body: &Value) -> Result<(usize, usize, Reply), String> {
    let mut state = shared.lock();
    let conversation = match state.keys.get(key) {
        Some(index) => *index,
        None => {
            let texts = user_texts(body);
            let found = state.scripts.iter().position(|s| {
                !s.claimed
                    && s.script
                        .r#match
                        .as_ref()
                        .is_none_or(|m| texts.iter().any(|t| t.contains(m.as_str())))
            });
            let Some(index) = found else {
                let last = texts.last().cloned().unwrap_or_default();
                let reason = format!(
                    "no unclaimed conversation script matches this conversation (last user text: {last:?}); add one to the scenario"
                );
                state.errors.push(reason.clone());
                return Err(reason);
            };
            state.scripts[index].claimed = true;
            state.keys.insert(key.to_owned(), index);
            index
        }
    };
    let body = if shared
        .keep_bodies
        .load(std::sync::atomic::Ordering::Relaxed)
    {
        body.clone()
    } else {
        Value::Null
    };
    state.requests.push(RecordedRequest { conversation, body });
    let script = &mut state.scripts[conversation];
    let n = script.next;
    let Some(reply) = script.script.replies.get(n).cloned() else {
        let reason = format!(
            "conversation script {conversation} has no reply left for request {} (it has {} replies); add one to the scenario",
            n + 1,
            script.script.replies.len()
        );
        state.errors.push(reason.clone());
        return Err(reason);
    };
    script.next += 1;
    Ok((conversation, n + 1, reply))
}
