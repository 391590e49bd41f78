//! [`RpcSession`]: one JSON-RPC conversation with a server over any [`Transport`].
//!
//! A single task owns the transport. It writes what the handles queue, matches responses to
//! pending requests by id, and routes notifications and server→client requests to the inbox of
//! the thread named in their `params.threadId`. A thread's inbox is created atomically with the
//! response that names the thread, so no early notification is lost.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use serde_json::Value;
use tokio::sync::{mpsc, oneshot};

use super::SessionError;
use super::server_requests;
use crate::transport::{Diagnostics, ErrorObject, Message, MessageKind, RequestId, Transport};

/// How many stderr lines go into error messages.
pub const STDERR_TAIL_LINES: usize = 20;

/// Something that arrived for one thread.
#[derive(Debug, Clone)]
pub enum ThreadEvent {
    /// A notification (`item/completed`, `turn/completed`, `error`, ...).
    Notification {
        /// Its method.
        method: String,
        /// Its params.
        params: Value,
    },
    /// A request from the server that must be answered with [`RpcSession::respond`].
    ServerRequest {
        /// The server's id for it.
        id: RequestId,
        /// Its method.
        method: String,
        /// Its params.
        params: Value,
    },
}

/// The receiving end of one thread's events. `None` from `recv` means the session ended; ask
/// [`RpcSession::failure`] why.
pub type ThreadInbox = mpsc::UnboundedReceiver<ThreadEvent>;

/// Extracts the thread id from a response's result, to open that thread's inbox.
pub type RouteFn = fn(&Value) -> Option<String>;

type Answer = Result<(Value, Option<ThreadInbox>), SessionError>;

enum Command {
    Request {
        method: String,
        params: Option<Value>,
        route: Option<RouteFn>,
        reply: oneshot::Sender<Answer>,
    },
    Send(Message),
    Forget(String),
    Only(String, &'static [&'static str]),
    Close(oneshot::Sender<Result<(), SessionError>>),
}

struct Pending {
    method: String,
    route: Option<RouteFn>,
    reply: oneshot::Sender<Answer>,
}

#[derive(Default)]
struct Shared {
    failure: Option<SessionError>,
}

/// A handle on the session; cheap to clone. When the last handle drops, the server is closed.
#[derive(Clone)]
pub struct RpcSession {
    commands: mpsc::UnboundedSender<Command>,
    shared: Arc<Mutex<Shared>>,
    diagnostics: Diagnostics,
    pid: Option<u32>,
}

impl RpcSession {
    /// Starts the session task over `transport`.
    pub fn start<T: Transport>(transport: T) -> Self {
        let (commands, rx) = mpsc::unbounded_channel();
        let shared = Arc::new(Mutex::new(Shared::default()));
        let diagnostics = transport.diagnostics();
        let pid = transport.pid();
        let actor = Actor {
            transport,
            commands: rx,
            shared: Arc::clone(&shared),
            diagnostics: diagnostics.clone(),
            next_id: 0,
            pending: HashMap::new(),
            threads: HashMap::new(),
            deferred: Vec::new(),
        };
        tokio::spawn(actor.run());
        Self {
            commands,
            shared,
            diagnostics,
            pid,
        }
    }

    fn lock(&self) -> MutexGuard<'_, Shared> {
        self.shared
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Why the session ended, if it has.
    pub fn failure(&self) -> Option<SessionError> {
        self.lock().failure.clone()
    }

    fn gone(&self) -> SessionError {
        self.failure().unwrap_or(SessionError::ShutDown)
    }

    /// The server's diagnostics (stderr tail, exit status).
    pub fn diagnostics(&self) -> &Diagnostics {
        &self.diagnostics
    }

    /// The server's process id, where there is a process.
    pub fn pid(&self) -> Option<u32> {
        self.pid
    }

    /// Sends a request and waits up to `timeout` for its answer.
    pub async fn request(
        &self,
        method: &str,
        params: Value,
        timeout: Duration,
    ) -> Result<Value, SessionError> {
        self.request_inner(method, params, None, timeout)
            .await
            .map(|(value, _)| value)
    }

    /// Sends a request whose answer names a thread, and opens that thread's inbox before any
    /// later message is routed.
    pub async fn request_routed(
        &self,
        method: &str,
        params: Value,
        route: RouteFn,
        timeout: Duration,
    ) -> Result<(Value, ThreadInbox), SessionError> {
        let (value, inbox) = self
            .request_inner(method, params, Some(route), timeout)
            .await?;
        let inbox = inbox.ok_or_else(|| SessionError::BadAnswer {
            method: method.to_owned(),
            message: format!("the answer names no thread id: {value}"),
        })?;
        Ok((value, inbox))
    }

    async fn request_inner(
        &self,
        method: &str,
        params: Value,
        route: Option<RouteFn>,
        timeout: Duration,
    ) -> Answer {
        let (reply, answer) = oneshot::channel();
        let params = (!params.is_null()).then_some(params);
        self.commands
            .send(Command::Request {
                method: method.to_owned(),
                params,
                route,
                reply,
            })
            .map_err(|_| self.gone())?;
        match tokio::time::timeout(timeout, answer).await {
            Ok(Ok(answer)) => answer,
            Ok(Err(_)) => Err(self.gone()),
            Err(_) => Err(SessionError::NoAnswer {
                method: method.to_owned(),
                after: timeout,
            }),
        }
    }

    /// Sends a notification.
    pub fn notify(&self, method: &str, params: Option<Value>) -> Result<(), SessionError> {
        self.commands
            .send(Command::Send(Message::notification(method, params)))
            .map_err(|_| self.gone())
    }

    /// Answers a server→client request.
    pub fn respond(
        &self,
        id: RequestId,
        answer: Result<Value, ErrorObject>,
    ) -> Result<(), SessionError> {
        let message = match answer {
            Ok(result) => Message::response(id, result),
            Err(error) => Message::error_response(id, error),
        };
        self.commands
            .send(Command::Send(message))
            .map_err(|_| self.gone())
    }

    /// Stops routing to a thread's inbox; its later server requests get fail-closed answers.
    pub fn forget_thread(&self, thread_id: &str) {
        let _ = self.commands.send(Command::Forget(thread_id.to_owned()));
    }

    /// Delivers only this thread's notifications of these `methods` and drops the rest (status
    /// and token-usage updates, streamed deltas) in the session, for an inbox that folds no
    /// others: they then cost neither a channel send nor a wake-up. Server requests are always
    /// delivered; notifications routed before this takes effect are delivered too.
    pub fn deliver_only(&self, thread_id: &str, methods: &'static [&'static str]) {
        let _ = self
            .commands
            .send(Command::Only(thread_id.to_owned(), methods));
    }

    /// Asks the session to close the server without waiting (for `Drop`).
    pub fn close_now(&self) {
        let (done, _wait) = oneshot::channel();
        let _ = self.commands.send(Command::Close(done));
    }

    /// Closes the server (stdin close, bounded wait, kill) and waits until it is done. Fails
    /// when the transport reports a problem on close (e.g. unused replay interactions, or a
    /// recording that could not be written).
    pub async fn close(&self) -> Result<(), SessionError> {
        let (done, wait) = oneshot::channel();
        if self.commands.send(Command::Close(done)).is_ok() {
            if let Ok(result) = wait.await {
                return result;
            }
        }
        match self.failure() {
            Some(failure @ SessionError::Failed(_)) => Err(failure),
            _ => Ok(()),
        }
    }
}

/// Where one thread's events go.
struct Inbox {
    tx: mpsc::UnboundedSender<ThreadEvent>,
    /// The notification methods delivered, when not all are.
    only: Option<&'static [&'static str]>,
}

impl Inbox {
    fn wants(&self, method: &str) -> bool {
        self.only.is_none_or(|only| only.contains(&method))
    }
}

struct Actor<T> {
    transport: T,
    commands: mpsc::UnboundedReceiver<Command>,
    shared: Arc<Mutex<Shared>>,
    diagnostics: Diagnostics,
    next_id: i64,
    pending: HashMap<RequestId, Pending>,
    threads: HashMap<String, Inbox>,
    /// Fail-closed answers to server requests nobody listens for, written after routing.
    deferred: Vec<Message>,
}

impl<T: Transport> Actor<T> {
    async fn run(mut self) {
        let mut closed_reply = None;
        let failure = loop {
            tokio::select! {
                command = self.commands.recv() => match command {
                    Some(Command::Close(done)) => {
                        closed_reply = Some(done);
                        break SessionError::ShutDown;
                    }
                    Some(command) => {
                        if let Err(failure) = self.handle_command(command).await {
                            break failure;
                        }
                    }
                    None => break SessionError::ShutDown,
                },
                incoming = self.transport.recv() => match incoming {
                    Ok(Some(message)) => {
                        self.route(message);
                        // A burst already buffered (a replayed turn) is routed in one go.
                        while let Some(message) = self.transport.ready() {
                            self.route(message);
                        }
                        if let Err(failure) = self.flush().await {
                            break failure;
                        }
                    }
                    Ok(None) => break self.closed("the app-server closed its output (it exited)".to_owned()),
                    Err(err) => break self.transport_failure(err),
                },
            }
        };
        // Fail everything waiting first: closing may take a while (bounded wait, then kill).
        self.fail_all(&failure);
        let close_result = match self.transport.close().await {
            Ok(()) => Ok(()),
            Err(err) => {
                // A caller waiting on close gets the error itself, and after a failure the close
                // error is only its echo; otherwise nobody would see it.
                if closed_reply.is_some() || !matches!(failure, SessionError::ShutDown) {
                    tracing::debug!("closing the transport failed: {err}");
                } else {
                    tracing::warn!("closing the transport failed: {err}");
                }
                Err(self.transport_failure(err))
            }
        };
        if let (SessionError::ShutDown, Err(err)) = (&failure, &close_result) {
            self.fail_all(err);
        }
        if let Some(done) = closed_reply {
            let _ = done.send(close_result);
        }
    }

    /// Records why the session ended and fails every pending request and thread inbox.
    fn fail_all(&mut self, failure: &SessionError) {
        self.shared
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .failure = Some(failure.clone());
        for (_, pending) in self.pending.drain() {
            let _ = pending.reply.send(Err(failure.clone()));
        }
        self.threads.clear();
    }

    fn closed(&self, reason: String) -> SessionError {
        SessionError::Closed {
            reason,
            status: self
                .diagnostics
                .exit_status()
                .unwrap_or_else(|| "exit status not known yet".to_owned()),
            stderr_tail: self.diagnostics.stderr_tail(STDERR_TAIL_LINES),
        }
    }

    fn transport_failure(&self, err: crate::transport::TransportError) -> SessionError {
        SessionError::closed_by(
            err,
            self.diagnostics
                .exit_status()
                .unwrap_or_else(|| "exit status not known yet".to_owned()),
            self.diagnostics.stderr_tail(STDERR_TAIL_LINES),
        )
    }

    async fn handle_command(&mut self, command: Command) -> Result<(), SessionError> {
        let message = match command {
            Command::Request {
                method,
                params,
                route,
                reply,
            } => {
                let id = RequestId::Int(self.next_id);
                self.next_id += 1;
                let message = Message::request(id.clone(), &method, params);
                self.pending.insert(
                    id,
                    Pending {
                        method,
                        route,
                        reply,
                    },
                );
                message
            }
            Command::Send(message) => message,
            Command::Forget(thread) => {
                self.threads.remove(&thread);
                return Ok(());
            }
            Command::Only(thread, methods) => {
                if let Some(inbox) = self.threads.get_mut(&thread) {
                    inbox.only = Some(methods);
                }
                return Ok(());
            }
            Command::Close(_) => return Ok(()),
        };
        match self.transport.send(message).await {
            Ok(()) => Ok(()),
            Err(err) => Err(self.transport_failure(err)),
        }
    }

    fn route(&mut self, message: Message) {
        let kind = message.kind();
        if kind == MessageKind::Response {
            return self.resolve(message);
        }
        let id = message.id();
        // Take the message apart instead of cloning its params (the bulk of every message).
        let (mut method, mut params) = (String::new(), Value::Null);
        for (key, value) in message.into_body() {
            match (key.as_str(), value) {
                ("method", Value::String(text)) => method = text,
                ("params", value) => params = value,
                _ => {}
            }
        }
        let inbox = thread_of(&params).and_then(|thread| self.threads.get(thread));
        match kind {
            MessageKind::Notification => match inbox {
                Some(inbox) if !inbox.wants(&method) => {}
                Some(inbox) => {
                    let _ = inbox.tx.send(ThreadEvent::Notification { method, params });
                }
                None => tracing::trace!(%method, "notification for no open thread"),
            },
            _ => {
                let Some(id) = id else { return };
                let unanswered = match inbox {
                    Some(inbox) => match inbox.tx.send(ThreadEvent::ServerRequest {
                        id: id.clone(),
                        method,
                        params,
                    }) {
                        Ok(()) => None,
                        Err(mpsc::error::SendError(event)) => Some(event),
                    },
                    None => Some(ThreadEvent::ServerRequest { id, method, params }),
                };
                if let Some(ThreadEvent::ServerRequest { id, method, params }) = unanswered {
                    // Nobody is listening: answer fail-closed so the server never waits.
                    let reply = match server_requests::fail_closed(&method, &params) {
                        Ok(result) => Message::response(id, result),
                        Err(error) => Message::error_response(id, error),
                    };
                    self.deferred.push(reply);
                }
            }
        }
    }

    /// Writes the answers `route` queued.
    async fn flush(&mut self) -> Result<(), SessionError> {
        for message in std::mem::take(&mut self.deferred) {
            self.handle_command(Command::Send(message)).await?;
        }
        Ok(())
    }

    fn resolve(&mut self, message: Message) {
        let Some(id) = message.id() else { return };
        let Some(pending) = self.pending.remove(&id) else {
            tracing::debug!(%id, "response to no pending request");
            return;
        };
        let answer = match message.outcome() {
            Some(Ok(_)) => {
                // Moved out, not copied: a `thread/start` answer carries the whole thread.
                let result = message.into_body().remove("result").unwrap_or(Value::Null);
                let inbox = pending
                    .route
                    .and_then(|route| route(&result))
                    .map(|thread| {
                        let (tx, rx) = mpsc::unbounded_channel();
                        self.threads.insert(thread, Inbox { tx, only: None });
                        rx
                    });
                Ok((result, inbox))
            }
            Some(Err(error)) => Err(SessionError::Rejected {
                method: pending.method,
                code: error.code,
                message: error.message,
            }),
            None => return,
        };
        let _ = pending.reply.send(answer);
    }
}

/// The thread a message's params name (`threadId`, or `thread.id` as in `thread/started`).
fn thread_of(params: &Value) -> Option<&str> {
    params
        .get("threadId")
        .and_then(Value::as_str)
        .or_else(|| params.get("thread")?.get("id")?.as_str())
}
