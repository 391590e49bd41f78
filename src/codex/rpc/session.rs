//! [`RpcSession`]: one JSON-RPC conversation with a server over any [`Transport`].
//!
//! A single task ([`super::actor`]) owns the transport. It writes what the handles queue,
//! matches responses to pending requests by id, and routes notifications and server→client
//! requests to the inbox of the thread named in their `params.threadId`. A thread's inbox is
//! created atomically with the response that names the thread, so no early notification is lost.
//! Every queue has a cap: handles wait for room in the command queue, and a thread whose runner
//! is slow gets a bounded backlog, past which the session stops reading the server.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use serde_json::Value;
use tokio::sync::{Notify, mpsc, oneshot, watch};

use super::SessionError;
use super::actor::{Actor, Command, Quiet, Shared};
use super::inbox::ThreadInbox;
use super::requests::ClientRequest;
use crate::transport::{Diagnostics, ErrorObject, Message, RequestId, Transport};

/// How many stderr lines go into error messages.
pub(crate) const STDERR_TAIL_LINES: usize = 20;

/// How many commands (requests, answers, notifications) may wait for the session task.
const COMMAND_CAPACITY: usize = 256;

/// Extracts the thread id from a response's result, to open that thread's inbox.
pub(super) type RouteFn = fn(&Value) -> Option<String>;

pub(crate) type Answer = Result<(Value, Option<ThreadInbox>), SessionError>;

fn encode<R: ClientRequest>(params: &R::Params) -> Result<Value, SessionError> {
    serde_json::to_value(params).map_err(|err| SessionError::Encode {
        method: R::METHOD.to_owned(),
        message: err.to_string(),
    })
}

fn decode<R: ClientRequest>(result: Value) -> Result<R::Result, SessionError> {
    serde_json::from_value(result).map_err(|err| SessionError::BadAnswer {
        method: R::METHOD.to_owned(),
        message: format!(
            "the result does not read as the protocol's `{}` answer: {err}",
            R::METHOD
        ),
    })
}

/// A handle on the session; cheap to clone. When the last handle drops, the server is closed.
#[derive(Clone)]
pub struct RpcSession {
    commands: mpsc::Sender<Command>,
    /// Commands queued so far; the task counts the ones it handled (see [`Self::stalled`]).
    enqueued: Arc<AtomicU64>,
    closing: Arc<Notify>,
    quiet: watch::Receiver<Quiet>,
    shared: Arc<Mutex<Shared>>,
    diagnostics: Diagnostics,
    pid: Option<u32>,
}

impl RpcSession {
    /// Starts the session task over `transport`.
    pub fn start<T: Transport>(transport: T) -> Self {
        let (commands, rx) = mpsc::channel(COMMAND_CAPACITY);
        let (quiet_tx, quiet) = watch::channel(Quiet::default());
        let shared = Arc::new(Mutex::new(Shared::default()));
        let closing = Arc::new(Notify::new());
        let diagnostics = transport.diagnostics();
        let pid = transport.pid();
        let actor = Actor::new(
            transport,
            rx,
            Arc::clone(&closing),
            quiet_tx,
            Arc::clone(&shared),
        );
        tokio::spawn(actor.run());
        Self {
            commands,
            enqueued: Arc::new(AtomicU64::new(0)),
            closing,
            quiet,
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

    /// Queues a command, waiting for room; counts it for [`Self::stalled`].
    async fn queue(&self, command: Command) -> Result<(), SessionError> {
        self.enqueued.fetch_add(1, Ordering::AcqRel);
        self.commands.send(command).await.map_err(|_| self.gone())
    }

    /// Queues a command if there is room now (for callers that cannot wait, such as `Drop`).
    fn try_queue(&self, command: Command) {
        self.enqueued.fetch_add(1, Ordering::AcqRel);
        if let Err(err) = self.commands.try_send(command) {
            // Undo the count: the task will never handle it.
            self.enqueued.fetch_sub(1, Ordering::AcqRel);
            tracing::debug!("session command not queued: {err}");
        }
    }

    /// Sends the typed request `R` and waits up to `timeout` for its typed answer. A result that
    /// does not read as `R::Result` is [`SessionError::BadAnswer`] naming the method.
    pub async fn call<R: ClientRequest>(
        &self,
        params: &R::Params,
        timeout: Duration,
    ) -> Result<R::Result, SessionError> {
        let value = self
            .request(R::METHOD, encode::<R>(params)?, timeout)
            .await?;
        decode::<R>(value)
    }

    /// [`call`](Self::call) for a request whose answer names a thread (`route` finds it): that
    /// thread's inbox is opened before any later message is routed.
    pub async fn call_routed<R: ClientRequest>(
        &self,
        params: &R::Params,
        route: RouteFn,
        timeout: Duration,
    ) -> Result<(R::Result, ThreadInbox), SessionError> {
        let (value, inbox) = self
            .request_routed(R::METHOD, encode::<R>(params)?, route, timeout)
            .await?;
        Ok((decode::<R>(value)?, inbox))
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
        let command = Command::Request {
            method: method.to_owned(),
            params,
            route,
            reply,
        };
        let asked = async {
            self.queue(command).await?;
            answer.await.map_err(|_| self.gone())?
        };
        match tokio::time::timeout(timeout, asked).await {
            Ok(answer) => answer,
            Err(_) => Err(SessionError::NoAnswer {
                method: method.to_owned(),
                after: timeout,
            }),
        }
    }

    /// Sends a notification.
    pub async fn notify(&self, method: &str, params: Option<Value>) -> Result<(), SessionError> {
        self.queue(Command::Send(Message::notification(method, params)))
            .await
    }

    /// Answers a server→client request.
    pub async fn respond(
        &self,
        id: RequestId,
        answer: Result<Value, ErrorObject>,
    ) -> Result<(), SessionError> {
        let message = match answer {
            Ok(result) => Message::response(id, result),
            Err(error) => Message::error_response(id, error),
        };
        self.queue(Command::Send(message)).await
    }

    /// Stops routing to a thread's inbox; its later server requests get fail-closed answers.
    /// (Should the command queue be full, the inbox is dropped when the session next finds its
    /// runner gone, with the same effect.)
    pub fn forget_thread(&self, thread_id: &str) {
        self.try_queue(Command::Forget(thread_id.to_owned()));
    }

    /// Delivers only this thread's notifications of these `methods` and drops the rest (status
    /// and token-usage updates, streamed deltas) in the session, for an inbox that folds no
    /// others: they then cost neither a channel send nor a wake-up. Server requests are always
    /// delivered; notifications routed before this takes effect are delivered too.
    pub fn deliver_only(&self, thread_id: &str, methods: &'static [&'static str]) {
        self.try_queue(Command::Only(thread_id.to_owned(), methods));
    }

    /// Resolves once the server will send nothing more until a client message is sent: every
    /// queued command has been handled, every inbox is delivered, and the transport says it is
    /// waiting for the client (a replay whose recorded server messages are all out). A live
    /// server never says so, and then this never resolves. A runner waiting for events takes
    /// this as its deadline: a replayed turn that timed out when it was recorded times out at
    /// once instead of waiting wall-clock time.
    pub async fn stalled(&self) {
        let mut quiet = self.quiet.clone();
        let ended = quiet
            .wait_for(|q| q.idle && q.handled >= self.enqueued.load(Ordering::Acquire))
            .await
            .is_err();
        if ended {
            // The session ended; its inboxes close, which the caller sees first.
            std::future::pending::<()>().await;
        }
    }

    /// Asks the session to close the server without waiting (for `Drop`).
    pub fn close_now(&self) {
        self.closing.notify_one();
    }

    /// Closes the server (stdin close, bounded wait, kill) and waits until it is done. Fails
    /// when the transport reports a problem on close (e.g. unused replay interactions, or a
    /// recording that could not be written).
    pub async fn close(&self) -> Result<(), SessionError> {
        let (done, wait) = oneshot::channel();
        if self.commands.send(Command::Close(done)).await.is_ok() {
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
