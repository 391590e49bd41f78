//! The session task: the one owner of the transport. It writes what the handles queue, routes
//! what the server sends, and keeps every queue bounded.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use serde_json::Value;
use tokio::sync::{Notify, mpsc, oneshot, watch};

use super::SessionError;
use super::inbox::{BACKLOG_CAPACITY, Delivered, Inbox, ThreadEvent};
use super::server_requests;
use super::session::{Answer, RouteFn, STDERR_TAIL_LINES};
use crate::transport::{
    Diagnostics, ErrorObject, Message, Playback, RequestId, Transport, TransportError,
};

/// What a handle asks the task to do.
pub(crate) enum Command {
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

/// Whether the server is waiting for the client, as of `handled` commands.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Quiet {
    /// How many commands the task has handled.
    pub(crate) handled: u64,
    /// Nothing is waiting anywhere and the transport awaits the client.
    pub(crate) idle: bool,
}

/// What the handles read of the task.
#[derive(Default)]
pub(crate) struct Shared {
    pub(crate) failure: Option<SessionError>,
}

struct Pending {
    method: String,
    route: Option<RouteFn>,
    reply: oneshot::Sender<Answer>,
}

pub(crate) struct Actor<T> {
    transport: T,
    commands: mpsc::Receiver<Command>,
    closing: Arc<Notify>,
    quiet: watch::Sender<Quiet>,
    shared: Arc<Mutex<Shared>>,
    diagnostics: Diagnostics,
    next_id: i64,
    handled: u64,
    /// The command count last published as idle.
    published: Option<u64>,
    pending: HashMap<RequestId, Pending>,
    threads: HashMap<String, Inbox>,
    /// Events waiting in backlogs, across threads.
    backlogged: usize,
    /// Fail-closed answers to server requests nobody listens for, written after routing.
    deferred: Vec<Message>,
    /// Answers to the client's requests, handed over after the burst they came in.
    answers: Vec<(oneshot::Sender<Answer>, Answer)>,
}

impl<T: Transport> Actor<T> {
    pub(crate) fn new(
        transport: T,
        commands: mpsc::Receiver<Command>,
        closing: Arc<Notify>,
        quiet: watch::Sender<Quiet>,
        shared: Arc<Mutex<Shared>>,
    ) -> Self {
        let diagnostics = transport.diagnostics();
        Self {
            transport,
            commands,
            closing,
            quiet,
            shared,
            diagnostics,
            next_id: 0,
            handled: 0,
            published: None,
            pending: HashMap::new(),
            threads: HashMap::new(),
            backlogged: 0,
            deferred: Vec::new(),
            answers: Vec::new(),
        }
    }

    pub(crate) async fn run(mut self) {
        let mut closed_reply = None;
        let failure = loop {
            let reading = self.backlogged < BACKLOG_CAPACITY;
            tokio::select! {
                () = self.closing.notified() => break SessionError::ShutDown,
                command = self.commands.recv() => match command {
                    Some(Command::Close(done)) => {
                        closed_reply = Some(done);
                        break SessionError::ShutDown;
                    }
                    Some(command) => {
                        self.handled += 1;
                        if let Err(failure) = self.handle_command(command).await {
                            break failure;
                        }
                    }
                    None => break SessionError::ShutDown,
                },
                () = room_in_a_backlogged_inbox(&self.threads), if self.backlogged > 0 => {
                    self.flush_backlogs();
                    if let Err(failure) = self.flush().await {
                        break failure;
                    }
                }
                incoming = self.transport.recv(), if reading => match incoming {
                    Ok(Some(message)) => {
                        self.route(message);
                        // A burst already buffered (a replayed turn) is routed in one go.
                        while self.backlogged < BACKLOG_CAPACITY {
                            let Some(message) = self.transport.playback().and_then(Playback::ready) else { break };
                            self.route(message);
                        }
                        // Answers after the burst: a runner woken by its answer finds the events
                        // that came with it already in its inbox, and wakes once.
                        if self.backlogged > 0 {
                            self.flush_backlogs();
                        }
                        for (reply, answer) in self.answers.drain(..) {
                            let _ = reply.send(answer);
                        }
                        if let Err(failure) = self.flush().await {
                            break failure;
                        }
                    }
                    Ok(None) => break self.closed("the app-server closed its output (it exited)".to_owned()),
                    Err(err) => break self.transport_failure(err),
                },
            }
            self.publish_quiet();
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

    /// Tells waiting runners whether the server now waits for the client. Only a transport
    /// that can say so (a replay) ever publishes anything.
    fn publish_quiet(&mut self) {
        // Only "idle as of `handled` commands" is ever published: a stale one names fewer
        // commands than were queued since, which waiters read as not idle.
        if self.published == Some(self.handled) {
            return;
        }
        let idle = self.backlogged == 0
            && self.commands.is_empty()
            && self
                .transport
                .playback()
                .is_some_and(|playback| playback.awaiting_client());
        if !idle {
            return;
        }
        self.published = Some(self.handled);
        self.quiet.send_replace(Quiet {
            handled: self.handled,
            idle,
        });
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
        self.backlogged = 0;
    }

    fn closed(&self, reason: String) -> SessionError {
        SessionError::Closed {
            reason,
            status: self.exit_status(),
            stderr_tail: self.diagnostics.stderr_tail(STDERR_TAIL_LINES),
        }
    }

    fn exit_status(&self) -> String {
        self.diagnostics
            .exit_status()
            .unwrap_or_else(|| "exit status not known yet".to_owned())
    }

    fn transport_failure(&self, err: TransportError) -> SessionError {
        SessionError::closed_by(
            err,
            self.exit_status(),
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
                if let Some(inbox) = self.threads.remove(&thread) {
                    self.backlogged -= inbox.backlog_len();
                }
                return Ok(());
            }
            Command::Only(thread, methods) => {
                if let Some(inbox) = self.threads.get_mut(&thread) {
                    inbox.only(methods);
                }
                if let Some(playback) = self.transport.playback() {
                    playback.deliver_only(&thread, methods);
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
        let (id, method, params) = match message {
            Message::Response(response) => {
                let id = response.id();
                return self.resolve(id, Ok(response.into_result()));
            }
            Message::ErrorResponse(error) => {
                return self.resolve(error.id(), Err(error.error()));
            }
            Message::Notification(note) => {
                let (method, params) = note.into_parts();
                (None, method, params)
            }
            Message::Request(request) => {
                let (id, method, params) = request.into_parts();
                (Some(id), method, params)
            }
        };
        // The inbox is looked up before `params` moves into the event; the key is not kept.
        let inbox = thread_of(&params).and_then(|thread| self.threads.get_mut(thread));
        let event = match id {
            None => ThreadEvent::Notification { method, params },
            Some(id) => ThreadEvent::ServerRequest { id, method, params },
        };
        let unanswered = match inbox {
            Some(inbox) => {
                let before = inbox.backlog_len();
                let delivered = inbox.deliver(event);
                self.backlogged += inbox.backlog_len() - before;
                match delivered {
                    Delivered::Queued | Delivered::Dropped => None,
                    Delivered::Closed(event) => {
                        // The runner is gone: stop routing to it.
                        if let Some(thread) = thread_of(event_params(&event)).map(str::to_owned) {
                            if let Some(inbox) = self.threads.remove(&thread) {
                                self.backlogged -= inbox.backlog_len();
                            }
                        }
                        Some(event)
                    }
                }
            }
            None => Some(event),
        };
        match unanswered {
            Some(ThreadEvent::ServerRequest { id, method, params }) => {
                self.answer_fail_closed(id, &method, &params);
            }
            Some(ThreadEvent::Notification { method, .. }) => {
                tracing::trace!(%method, "notification for no open thread");
            }
            None => {}
        }
    }

    /// Answers a server request nobody listens for fail-closed, so the server never waits.
    fn answer_fail_closed(&mut self, id: RequestId, method: &str, params: &Value) {
        let reply = match server_requests::fail_closed(method, params) {
            Ok(result) => Message::response(id, result),
            Err(error) => Message::error_response(id, error),
        };
        self.deferred.push(reply);
    }

    /// Moves backlogged events into inboxes that have room again.
    fn flush_backlogs(&mut self) {
        let mut returned = Vec::new();
        let mut gone = Vec::new();
        for (thread, inbox) in &mut self.threads {
            if inbox.backlog_len() == 0 {
                continue;
            }
            let before = returned.len();
            self.backlogged -= inbox.flush(&mut returned);
            if returned.len() > before {
                gone.push(thread.clone());
            }
        }
        for thread in gone {
            if let Some(inbox) = self.threads.remove(&thread) {
                self.backlogged -= inbox.backlog_len();
            }
        }
        self.backlogged -= returned.len().min(self.backlogged);
        for event in returned {
            if let ThreadEvent::ServerRequest { id, method, params } = event {
                self.answer_fail_closed(id, &method, &params);
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

    fn resolve(&mut self, id: RequestId, outcome: Result<Value, ErrorObject>) {
        let Some(pending) = self.pending.remove(&id) else {
            tracing::debug!(%id, "response to no pending request");
            return;
        };
        let answer = match outcome {
            Ok(result) => {
                let inbox = pending
                    .route
                    .and_then(|route| route(&result))
                    .map(|thread| {
                        let (inbox, rx) = Inbox::open();
                        self.threads.insert(thread, inbox);
                        rx
                    });
                Ok((result, inbox))
            }
            Err(error) => Err(SessionError::Rejected {
                method: pending.method,
                code: error.code,
                message: error.message,
            }),
        };
        self.answers.push((pending.reply, answer));
    }
}

/// Resolves when the first inbox with a backlog has room again.
async fn room_in_a_backlogged_inbox(threads: &HashMap<String, Inbox>) {
    match threads.values().find(|inbox| inbox.backlog_len() > 0) {
        Some(inbox) => inbox.room().await,
        None => std::future::pending().await,
    }
}

fn event_params(event: &ThreadEvent) -> &Value {
    match event {
        ThreadEvent::Notification { params, .. } | ThreadEvent::ServerRequest { params, .. } => {
            params
        }
    }
}

/// The thread a message's params name (`threadId`, or `thread.id` as in `thread/started`).
fn thread_of(params: &Value) -> Option<&str> {
    params
        .get("threadId")
        .and_then(Value::as_str)
        .or_else(|| params.get("thread")?.get("id")?.as_str())
}
