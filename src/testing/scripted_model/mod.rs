//! The scripted local model: a fake of the OpenAI Responses streaming endpoint on loopback.
//!
//! Codex is pointed at it through a [`CodexHome`](super::CodexHome) whose `config.toml` declares
//! it as the model provider, and POSTs every model request to `<base_url>/responses`.
//!
//! - **Conversations.** Each Codex thread is one conversation, told apart by the `thread-id`
//!   header Codex 0.163.0 sends (falling back to `session-id`, then the body's
//!   `prompt_cache_key`; all three carry the thread id). The first time a conversation shows up
//!   it claims the first unclaimed [`ConversationScript`] whose `match` text occurs in one of its
//!   user messages, and then gets that script's replies in order, one per request. A failed
//!   reply ([`Reply::HttpError`]) is consumed like any other.
//! - **Failures of the script** (no script matches, a script has run out) are answered with
//!   HTTP 500 and an explanation, and listed in [`ScriptedModel::errors`].
//! - **Determinism.** Nothing it sends depends on time or chance: ids come from the conversation
//!   index and the reply's number (`resp_0_1`, `msg_0_1`, `call_0_1`), usage is fixed.
//!
//! ```no_run
//! # async fn demo() -> std::io::Result<()> {
//! use prompt_diary::testing::{CodexHome, Scenario, ScriptedModel};
//! let scenario = Scenario::from_json(r#"{"name": "hi", "conversations": [{"replies": [{"message": "Hello."}]}]}"#)
//!     .map_err(std::io::Error::other)?;
//! let model = ScriptedModel::start(scenario).await?;
//! let home = CodexHome::for_model(&model)?; // CODEX_HOME for `codex app-server`
//! // ... run turns ...
//! assert!(model.unused_replies().is_empty() && model.errors().is_empty());
//! model.shutdown().await;
//! # Ok(()) }
//! ```

mod http;
mod scenario;
mod sse;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::tcp::OwnedReadHalf;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Notify, watch};
use tokio::task::{JoinHandle, JoinSet};

pub use http::{MAX_BODY, MAX_HEADERS};
use scenario::Scripts;
pub use scenario::{ConversationScript, Reply, Scenario, ScenarioError};
pub use sse::{SHELL_TOOL, mcp_namespace};

/// How long a connection may take to send its whole request.
const REQUEST_READ_TIMEOUT: Duration = Duration::from_secs(60);

/// How long a refused request may go on sending before its connection is dropped.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(2);

/// The request headers that identify a conversation, in order of preference (Codex 0.163.0
/// sends `thread-id` and `session-id`, both the thread id).
const CONVERSATION_HEADERS: [&str; 4] =
    ["thread-id", "session-id", "session_id", "conversation_id"];

/// One model request the scripted model routed to a conversation.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordedRequest {
    /// The index (in [`Scenario::conversations`]) of the conversation script that served it.
    pub conversation: usize,
    /// The request body (`null` while [`ScriptedModel::keep_request_bodies`] is off).
    pub body: Value,
}

impl RecordedRequest {
    /// Every `input_text` of the user-role messages in `body.input`, in order.
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
        .filter(|part| part.get("type").and_then(Value::as_str) == Some("input_text"))
        .filter_map(|part| part.get("text").and_then(Value::as_str))
        .map(str::to_owned)
        .collect()
}

#[derive(Debug, Default)]
struct State {
    scripts: Scripts,
    requests: Vec<RecordedRequest>,
    errors: Vec<String>,
}

struct Shared {
    state: Mutex<State>,
    keep_bodies: AtomicBool,
    arrived: Notify,
    stalls: watch::Sender<u64>,
    shutdown: watch::Sender<bool>,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn error(&self, message: String) {
        tracing::warn!("scripted model: {message}");
        self.lock().errors.push(message);
    }
}

/// A running scripted model on `127.0.0.1`. Dropping it stops it (the port closes and every
/// connection, stalled or not, is dropped).
pub struct ScriptedModel {
    shared: Arc<Shared>,
    port: u16,
    name: String,
    accept: Option<JoinHandle<()>>,
}

impl ScriptedModel {
    /// Starts serving `scenario` on 127.0.0.1 at a free port. Needs a Tokio runtime.
    ///
    /// # Errors
    /// When no loopback port can be bound.
    pub async fn start(scenario: Scenario) -> std::io::Result<ScriptedModel> {
        let listener = TcpListener::bind(("127.0.0.1", 0)).await?;
        let port = listener.local_addr()?.port();
        let scripts = Scripts::new(scenario.conversations);
        let shared = Arc::new(Shared {
            state: Mutex::new(State {
                scripts,
                ..State::default()
            }),
            keep_bodies: AtomicBool::new(true),
            arrived: Notify::new(),
            stalls: watch::channel(0).0,
            shutdown: watch::channel(false).0,
        });
        let accept = tokio::spawn(accept_loop(listener, Arc::clone(&shared)));
        Ok(Self {
            shared,
            port,
            name: scenario.name,
            accept: Some(accept),
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

    /// Whether [`requests`](Self::requests) keeps request bodies (on by default; off, bodies are
    /// recorded as `null`). Long soaks turn it off so the log does not grow with every
    /// conversation's history. Routing is unaffected.
    pub fn keep_request_bodies(&self, keep: bool) {
        self.shared.keep_bodies.store(keep, Ordering::Relaxed);
    }

    /// Every `POST …/responses` routed to a conversation, in arrival order (including those
    /// answered with a scripted or script-exhausted error). Requests no script matched appear
    /// only in [`errors`](Self::errors).
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.shared.lock().requests.clone()
    }

    /// The scripted replies never served, one line each (e.g.
    /// `conversation 1 (match "B"), reply 2 of 2: message "done"`); empty when every reply was
    /// consumed.
    pub fn unused_replies(&self) -> Vec<String> {
        self.shared.lock().scripts.unused()
    }

    /// The requests it could not serve, one explanation each: no script matched, a script ran
    /// out of replies, or the HTTP request was malformed, too large or compressed.
    pub fn errors(&self) -> Vec<String> {
        self.shared.lock().errors.clone()
    }

    /// Waits until at least `count` requests have been routed (see [`requests`](Self::requests)),
    /// up to `timeout`.
    ///
    /// # Errors
    /// A message saying how many arrived, when the time runs out first.
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
                    "only {seen} of {count} model requests reached the scripted model within \
                     {timeout:?}"
                ));
            }
        }
    }

    /// Ends every stream stalled so far by a [`Reply::Stall`]: their connections close, which
    /// the client sees as a stream that ended before `response.completed`.
    pub fn release_stalls(&self) {
        self.shared
            .stalls
            .send_modify(|generation| *generation = generation.wrapping_add(1));
    }

    /// Stops listening, drops every connection (stalled ones included), and waits until every
    /// task of the model has ended.
    pub async fn shutdown(mut self) {
        self.shared.shutdown.send_replace(true);
        if let Some(accept) = self.accept.take() {
            let _ = accept.await;
        }
    }
}

impl Drop for ScriptedModel {
    fn drop(&mut self) {
        self.shared.shutdown.send_replace(true);
        // Aborting the accept task drops its JoinSet, which aborts every connection task.
        if let Some(accept) = self.accept.take() {
            accept.abort();
        }
    }
}

impl std::fmt::Debug for ScriptedModel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ScriptedModel")
            .field("name", &self.name)
            .field("base_url", &self.base_url())
            .finish_non_exhaustive()
    }
}

/// Accepts connections until shutdown, one task per connection; at shutdown, ends them all.
async fn accept_loop(listener: TcpListener, shared: Arc<Shared>) {
    let mut shutdown = shared.shutdown.subscribe();
    if *shutdown.borrow_and_update() {
        return;
    }
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => {
                    connections.spawn(serve(stream, Arc::clone(&shared)));
                }
                Err(err) => {
                    tracing::warn!("scripted model: accept failed: {err}");
                    // E.g. out of file descriptors: don't spin.
                    tokio::time::sleep(Duration::from_millis(10)).await;
                }
            },
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
            // `Err`: every sender is gone, which also means stop.
            changed = shutdown.changed() => if changed.is_err() || *shutdown.borrow() { break },
        }
    }
    drop(listener);
    connections.shutdown().await;
}

/// Serves one connection: one request, one response, then close.
async fn serve(stream: TcpStream, shared: Arc<Shared>) {
    let (read, mut write) = stream.into_split();
    let mut reader = BufReader::new(read);
    let request =
        match tokio::time::timeout(REQUEST_READ_TIMEOUT, http::read_request(&mut reader)).await {
            Ok(Ok(request)) => request,
            Ok(Err(http::ReadError::Bad(status, reason))) => {
                shared.error(format!("bad HTTP request, answered {status}: {reason}"));
                let body = json!({ "error": { "message": reason } }).to_string();
                let _ = http::respond(&mut write, status, "application/json", &body).await;
                let _ = write.shutdown().await;
                // The client may still be sending what was refused; closing with unread data would
                // reset the connection and could destroy the response before the client reads it.
                let _ = tokio::time::timeout(DRAIN_TIMEOUT, wait_closed(&mut reader)).await;
                return;
            }
            Ok(Err(http::ReadError::Closed)) => return,
            Err(_) => {
                let reason = format!("no complete request arrived within {REQUEST_READ_TIMEOUT:?}");
                shared.error(format!("bad HTTP request, answered 408: {reason}"));
                let body = json!({ "error": { "message": reason } }).to_string();
                let _ = http::respond(&mut write, 408, "application/json", &body).await;
                return;
            }
        };
    if request.method != "POST" || !request.path.ends_with("/responses") {
        let body = json!({ "error": { "message": format!(
            "the scripted model serves POST /v1/responses only, not {} {}",
            request.method, request.path
        ) } })
        .to_string();
        let _ = http::respond(&mut write, 404, "application/json", &body).await;
        return;
    }
    let body: Value = match serde_json::from_slice(&request.body) {
        Ok(body) => body,
        Err(err) => {
            let reason = format!(
                "the body of POST {} is not JSON ({err}); send the Responses API request as JSON",
                request.path
            );
            shared.error(format!("bad HTTP request, answered 400: {reason}"));
            let body = json!({ "error": { "message": reason } }).to_string();
            let _ = http::respond(&mut write, 400, "application/json", &body).await;
            return;
        }
    };
    let routed = route(&shared, &conversation_key(&request, &body), body);
    shared.arrived.notify_waiters();
    let result = match routed {
        Err(reason) => {
            let body = json!({ "error": { "message": reason, "type": "scripted_model_error" } })
                .to_string();
            http::respond(&mut write, 500, "application/json", &body).await
        }
        Ok((_, _, Reply::HttpError { status, body })) => {
            let content_type = if serde_json::from_str::<Value>(&body).is_ok() {
                "application/json"
            } else {
                "text/plain; charset=utf-8"
            };
            http::respond(&mut write, status, content_type, &body).await
        }
        Ok((conversation, n, Reply::Stall)) => {
            stall(&shared, &mut reader, &mut write, conversation, n).await
        }
        Ok((conversation, n, reply)) => {
            let events = format!(
                "{}{}",
                sse::created(conversation, n),
                sse::body(&reply, conversation, n)
            );
            match http::start_stream(&mut write).await {
                Ok(()) => write.write_all(events.as_bytes()).await,
                Err(err) => Err(err),
            }
        }
    };
    if let Err(err) = result {
        tracing::debug!("scripted model: writing the reply failed: {err}");
    }
    let _ = write.shutdown().await;
}

/// Starts a stream and holds it until the stalls are released or the client hangs up.
async fn stall(
    shared: &Shared,
    reader: &mut BufReader<OwnedReadHalf>,
    write: &mut tokio::net::tcp::OwnedWriteHalf,
    conversation: usize,
    n: usize,
) -> std::io::Result<()> {
    // Subscribed before anything is sent: a release seen by a client that read
    // `response.created` always ends this stall.
    let mut released = shared.stalls.subscribe();
    http::start_stream(write).await?;
    write
        .write_all(sse::created(conversation, n).as_bytes())
        .await?;
    write.flush().await?;
    tokio::select! {
        _ = released.changed() => {}
        // The client gave up (e.g. Codex interrupted the turn).
        () = wait_closed(reader) => {}
    }
    Ok(())
}

/// Resolves when the peer closes its side (anything it still sends is discarded).
async fn wait_closed(reader: &mut BufReader<OwnedReadHalf>) {
    let mut buf = [0u8; 1024];
    while let Ok(1..) = reader.read(&mut buf).await {}
}

/// The key that identifies the request's conversation: a conversation header, else the body's
/// `prompt_cache_key`, else the empty key (all such requests share one conversation).
fn conversation_key(request: &http::Request, body: &Value) -> String {
    CONVERSATION_HEADERS
        .iter()
        .find_map(|name| request.header(name))
        .or_else(|| body.get("prompt_cache_key").and_then(Value::as_str))
        .unwrap_or_default()
        .to_owned()
}

/// Routes a request to its conversation, records it, and picks the reply:
/// `(conversation index, reply number from 1, reply)`, or why it cannot be served (which is also
/// recorded in the errors).
fn route(shared: &Shared, key: &str, body: Value) -> Result<(usize, usize, Reply), String> {
    let texts = user_texts(&body);
    let keep_body = shared.keep_bodies.load(Ordering::Relaxed);
    let mut state = shared.lock();
    let conversation = match state.scripts.conversation(key, &texts) {
        Ok(conversation) => conversation,
        Err(reason) => {
            state.errors.push(reason.clone());
            return Err(reason);
        }
    };
    let body = if keep_body { body } else { Value::Null };
    state.requests.push(RecordedRequest { conversation, body });
    match state.scripts.next_reply(conversation, &texts) {
        Ok((n, reply)) => Ok((conversation, n, reply)),
        Err(reason) => {
            state.errors.push(reason.clone());
            Err(reason)
        }
    }
}
