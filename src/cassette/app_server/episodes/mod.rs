//! [`EpisodesTransport`]: the `new_episodes` record mode of an app-server session. What the
//! cassette holds is replayed; a conversation it does not hold is recorded from a real Codex and
//! appended to the cassette when the session closes.
//!
//! A conversation is new when its `thread/start` matches no free recorded conversation, or when
//! its first `turn/start` matches neither the recorded conversation its `thread/start` took nor
//! a twin of it. Later turns are not new: a conversation replayed so far cannot go on live (the
//! real Codex never saw its beginning), so a later mismatch is a divergence, as in replay.
//!
//! The real Codex is started (by the opener's `start`, the same spawn path as recording) the
//! first time a conversation is new. It is sent the client's own `initialize` and `initialized`
//! (its reply swallowed: the client has the replayed one), and everything of that conversation
//! goes to it through a [`RecordingTransport`]. A conversation moved there at its first turn has
//! its `thread/start` sent again; the real thread id is swapped for the replayed one the client
//! knows, both ways. The client's request ids are shared by both servers; the real Codex's own
//! requests get ids from [`LIVE_SERVER_IDS`] up, far from the replayer's. The real Codex's
//! connection-level notifications (rate limits, status) are not passed on: the replay already
//! speaks for the connection.

pub(crate) mod append;

use std::collections::{HashMap, HashSet, VecDeque};
use std::time::Duration;

use async_trait::async_trait;
use serde_json::Value;
use tempfile::TempDir;

use crate::cassette::app_server::record::recording::{RecordingOutcome, RecordingTransport};
use crate::cassette::app_server::replay::replayer::{ReplayError, Replayer, thread_of};
use crate::cassette::{CassetteError, RecordOptions, WriteOutcome};
use crate::transport::{Diagnostics, Message, MessageKind, RequestId, Transport, TransportError};
use append::{append_conversations, extendable, refuse_other_version, swap_strings};

/// The first id the real Codex's own requests get on their way to the client.
pub(crate) const LIVE_SERVER_IDS: i64 = 1 << 40;

/// How long the real Codex may take to answer a request the client does not wait for.
const LIVE_ANSWER: Duration = Duration::from_secs(120);

/// Starts the real Codex: its transport, and its protocol schema fingerprint if known.
pub(crate) type StartLive<T> =
    Box<dyn FnMut() -> Result<(T, Option<String>), TransportError> + Send>;

/// A replay that records, then appends, the conversations its cassette does not hold.
pub(crate) struct EpisodesTransport<T: Transport> {
    replayer: Replayer,
    /// The Codex version the cassette's header names: the real Codex must be the same.
    recorded_version: String,
    diagnostics: Diagnostics,
    start: StartLive<T>,
    options: RecordOptions,
    live: Option<Live<T>>,
    /// The client's `initialize` and `initialized`, sent again to a real Codex.
    handshake: Vec<Message>,
    /// Replayed `thread/start` requests whose thread id is not known yet.
    starts: HashMap<RequestId, Message>,
    /// Replayed threads → their `thread/start`, until their first turn matched.
    unturned: HashMap<String, Message>,
    /// Threads the real Codex started for the client.
    live_threads: HashSet<String>,
    /// The client's `thread/start` requests sent to the real Codex.
    live_starts: HashSet<RequestId>,
    /// Replayed thread → real thread, for conversations moved to the real Codex.
    moved: HashMap<String, String>,
    /// Real thread → replayed thread.
    moved_back: HashMap<String, String>,
    /// The client's id of a real Codex request → its own id, and back.
    to_live: HashMap<RequestId, RequestId>,
    to_client: HashMap<RequestId, RequestId>,
    next_live_id: i64,
    queue: VecDeque<Message>,
    outcome: RecordingOutcome,
    closed: bool,
}

/// The real Codex, recorded into a temporary cassette.
struct Live<T: Transport> {
    transport: RecordingTransport<T>,
    scratch: TempDir,
}

impl<T: Transport> EpisodesTransport<T> {
    /// Replays the cassette at `options.path`; `start` starts the real Codex when a conversation
    /// is new. `options` say how the new conversations are recorded and the command shown in
    /// reports.
    pub(crate) fn open(options: RecordOptions, start: StartLive<T>) -> Result<Self, CassetteError> {
        let path = options.path.clone();
        let text = super::format::read(&path, &options.record_command)?;
        let recorded_version = extendable(&path, &text)?;
        let replayer = Replayer::parse(&path, &text, Some(options.record_command.clone()))?;
        let diagnostics = Diagnostics::new();
        for line in replayer.recorded_stderr() {
            diagnostics.push_stderr_line(&format!("(recorded) {line}"));
        }
        Ok(Self {
            replayer,
            recorded_version,
            diagnostics,
            start,
            options,
            live: None,
            handshake: Vec::new(),
            starts: HashMap::new(),
            unturned: HashMap::new(),
            live_threads: HashSet::new(),
            live_starts: HashSet::new(),
            moved: HashMap::new(),
            moved_back: HashMap::new(),
            to_live: HashMap::new(),
            to_client: HashMap::new(),
            next_live_id: LIVE_SERVER_IDS,
            queue: VecDeque::new(),
            outcome: RecordingOutcome::default(),
            closed: false,
        })
    }

    /// What was written to the cassette, once the transport has closed.
    pub(crate) fn outcome_handle(&self) -> RecordingOutcome {
        self.outcome.clone()
    }

    /// Whether `message` goes to the real Codex, and as what.
    fn live_form(&self, message: &Message) -> Option<Message> {
        if message.kind() == MessageKind::Response {
            let id = message.id()?;
            let live_id = self.to_live.get(&id)?;
            let mut body = message.body().clone();
            body.insert("id".into(), live_id.clone().into());
            return Message::from_value(Value::Object(body)).ok();
        }
        let thread = thread_of(message.params())?;
        if self.live_threads.contains(thread) {
            return Some(message.clone());
        }
        let real = self.moved.get(thread)?;
        Some(swapped(message, thread, real))
    }

    /// Notes what a replayed client message tells about threads.
    fn replayed(&mut self, message: &Message) {
        match message.method() {
            Some("initialize" | "initialized") => self.handshake.push(message.clone()),
            Some("thread/start") => {
                if let Some(id) = message.id() {
                    self.starts.insert(id, message.clone());
                }
            }
            Some("turn/start") => {
                if let Some(thread) = thread_of(message.params()) {
                    self.unturned.remove(thread);
                }
            }
            _ => {}
        }
    }

    /// The replayer's next message, noting the thread a replayed `thread/start` got.
    fn next_replayed(&mut self) -> Option<Message> {
        let message = self.replayer.next_server_message()?;
        if let Some(start) = message.id().and_then(|id| self.starts.remove(&id)) {
            if let Some(thread) = started_thread(&message) {
                self.unturned.insert(thread.to_owned(), start);
            }
        }
        Some(message)
    }

    /// The real Codex, started and greeted with the client's handshake if it is not yet.
    async fn live(&mut self) -> Result<&mut RecordingTransport<T>, TransportError> {
        if self.live.is_none() {
            let (transport, fingerprint) = (self.start)()?;
            let scratch = tempfile::Builder::new()
                .prefix("prompt-diary-episodes-")
                .tempdir()
                .map_err(|err| other(format!("could not make a scratch folder: {err}")))?;
            let mut options = self.options.clone();
            options.path = scratch.path().join("new-episodes.jsonl");
            options.overwrite = true;
            options.schema_fingerprint = fingerprint;
            self.live = Some(Live {
                transport: RecordingTransport::new(transport, options),
                scratch,
            });
            for message in self.handshake.clone() {
                let id = (message.kind() == MessageKind::Request)
                    .then(|| message.id())
                    .flatten();
                let initialize = message.method() == Some("initialize");
                self.live_send(message).await?;
                if let Some(id) = id {
                    let answer = self.live_answer(&id).await?;
                    if initialize {
                        let (path, recorded) = (&self.options.path, &self.recorded_version);
                        refuse_other_version(path, recorded, &answer)
                            .map_err(|err| TransportError::Other(Box::new(err)))?;
                    }
                }
            }
        }
        match &mut self.live {
            Some(live) => Ok(&mut live.transport),
            None => Err(TransportError::Closed),
        }
    }

    async fn live_send(&mut self, message: Message) -> Result<(), TransportError> {
        match &mut self.live {
            Some(live) => live.transport.send(message).await,
            None => Err(TransportError::Closed),
        }
    }

    /// Waits for the real Codex's answer to `id` (which the client does not see), passing on
    /// what comes before it.
    async fn live_answer(&mut self, id: &RequestId) -> Result<Message, TransportError> {
        let wait = async {
            loop {
                let Some(live) = &mut self.live else {
                    return Err(TransportError::Closed);
                };
                let Some(message) = live.transport.recv().await? else {
                    return Err(other(format!(
                        "the real Codex exited before it answered request {id} ({})",
                        live.transport.diagnostics().stderr_tail(5)
                    )));
                };
                if message.kind() == MessageKind::Response && message.id().as_ref() == Some(id) {
                    return Ok(message);
                }
                if let Some(message) = self.take_live(message) {
                    self.queue.push_back(message);
                }
            }
        };
        tokio::time::timeout(LIVE_ANSWER, wait)
            .await
            .unwrap_or_else(|_| {
                Err(other(format!(
                    "the real Codex did not answer request {id} within {} s",
                    LIVE_ANSWER.as_secs()
                )))
            })
    }

    /// A new conversation: its `thread/start` goes to the real Codex.
    async fn start_live(&mut self, message: Message) -> Result<(), TransportError> {
        self.live().await?;
        if let Some(id) = message.id() {
            self.live_starts.insert(id);
        }
        self.live_send(message).await
    }

    /// A replayed conversation whose first turn is new: the real Codex starts the thread again
    /// (its answer swallowed), and the turn goes there.
    async fn move_live(
        &mut self,
        thread: String,
        start: Message,
        turn: Message,
    ) -> Result<(), TransportError> {
        self.live().await?;
        self.replayer.release_thread(&thread);
        let id = start.id().unwrap_or(RequestId::Int(-1));
        self.live_send(start).await?;
        let answer = self.live_answer(&id).await?;
        let Some(real) = started_thread(&answer).map(str::to_owned) else {
            return Err(other(format!(
                "the real Codex did not start the conversation again: {}",
                Value::Object(answer.body().clone())
            )));
        };
        self.moved.insert(thread.clone(), real.clone());
        self.moved_back.insert(real.clone(), thread.clone());
        self.live_send(swapped(&turn, &thread, &real)).await
    }

    /// What a message of the real Codex becomes for the client, if it is passed on.
    fn take_live(&mut self, message: Message) -> Option<Message> {
        match message.kind() {
            MessageKind::Response => {
                let id = message.id()?;
                if self.live_starts.remove(&id) {
                    if let Some(thread) = started_thread(&message) {
                        self.live_threads.insert(thread.to_owned());
                    }
                }
                Some(message)
            }
            MessageKind::Request => {
                let live_id = message.id()?;
                let id = RequestId::Int(self.next_live_id);
                self.next_live_id += 1;
                self.to_live.insert(id.clone(), live_id.clone());
                self.to_client.insert(live_id, id.clone());
                let mut body = message.body().clone();
                body.insert("id".into(), id.into());
                let message = Message::from_value(Value::Object(body)).ok()?;
                Some(self.for_client(message))
            }
            MessageKind::Notification => {
                let thread = thread_of(message.params())?;
                if self.moved_back.contains_key(thread)
                    && message.method() == Some("thread/started")
                {
                    return None;
                }
                Some(self.for_client(message))
            }
        }
    }

    /// `message` with the client's thread ids and request ids in place of the real Codex's.
    fn for_client(&self, message: Message) -> Message {
        let mut message = match thread_of(message.params())
            .and_then(|real| Some((real.to_owned(), self.moved_back.get(real)?.clone())))
        {
            Some((real, replayed)) => swapped(&message, &real, &replayed),
            None => message,
        };
        let resolved = message.params().get("requestId").cloned();
        if let Some(id) = resolved.and_then(|v| serde_json::from_value::<RequestId>(v).ok()) {
            if let Some(client) = self.to_client.get(&id) {
                let mut body = message.body().clone();
                if let Some(params) = body.get_mut("params").and_then(Value::as_object_mut) {
                    params.insert("requestId".into(), client.clone().into());
                }
                message = Message::from_value(Value::Object(body)).unwrap_or(message);
            }
        }
        message
    }

    /// Closes the real Codex and appends what it recorded to the cassette.
    async fn append(&mut self) -> Result<WriteOutcome, TransportError> {
        let Some(mut live) = self.live.take() else {
            return Ok(WriteOutcome::Unchanged(self.options.path.clone()));
        };
        live.transport.close().await?;
        let recorded = live.scratch.path().join("new-episodes.jsonl");
        let options = self.options.clone();
        let appended = tokio::task::spawn_blocking(move || {
            let outcome = append_conversations(&options, &recorded);
            drop(live.scratch);
            outcome
        })
        .await
        .map_err(|err| other(format!("appending to the cassette did not finish: {err}")))?;
        appended.map_err(|err| TransportError::Other(Box::new(err)))
    }
}

#[async_trait]
impl<T: Transport> Transport for EpisodesTransport<T> {
    async fn send(&mut self, message: Message) -> Result<(), TransportError> {
        if self.closed {
            return Err(TransportError::Closed);
        }
        if let Some(live) = self.live_form(&message) {
            if let (Some(id), MessageKind::Response) = (message.id(), message.kind()) {
                if let Some(live_id) = self.to_live.remove(&id) {
                    self.to_client.remove(&live_id);
                }
            }
            return self.live_send(live).await;
        }
        let diverged = match self.replayer.client_message(&message) {
            Ok(()) => {
                self.replayed(&message);
                return Ok(());
            }
            Err(ReplayError::Diverged(divergence)) => divergence,
            Err(failed) => return Err(TransportError::Other(failed.into_inner())),
        };
        let thread = thread_of(message.params()).map(str::to_owned);
        match (message.method(), thread) {
            (Some("thread/start"), _) => self.start_live(message).await,
            (Some("turn/start"), Some(thread)) if self.unturned.contains_key(&thread) => {
                let start = self
                    .unturned
                    .remove(&thread)
                    .unwrap_or_else(|| message.clone());
                self.move_live(thread, start, message).await
            }
            _ => Err(TransportError::Other(diverged)),
        }
    }

    async fn recv(&mut self) -> Result<Option<Message>, TransportError> {
        loop {
            if let Some(message) = self.ready() {
                return Ok(Some(message));
            }
            if self.closed {
                return Ok(None);
            }
            let Some(live) = &mut self.live else {
                // Nothing until the client sends more; the session polls again after each send.
                return std::future::pending().await;
            };
            let Some(message) = live.transport.recv().await? else {
                return Ok(None);
            };
            if let Some(message) = self.take_live(message) {
                return Ok(Some(message));
            }
        }
    }

    async fn close(&mut self) -> Result<(), TransportError> {
        if std::mem::replace(&mut self.closed, true) {
            return Ok(());
        }
        self.diagnostics.set_exit_status("replay finished");
        let outcome = self.append().await?;
        self.outcome.set(outcome);
        if let Err(unused) = self.replayer.finish() {
            // Not an error here: new_episodes adds; a later replay reports what stays unused.
            tracing::warn!("new_episodes: {unused}");
        }
        Ok(())
    }

    fn diagnostics(&self) -> Diagnostics {
        match &self.live {
            Some(live) => live.transport.diagnostics(),
            None => self.diagnostics.clone(),
        }
    }

    fn ready(&mut self) -> Option<Message> {
        if self.closed {
            return None;
        }
        self.queue.pop_front().or_else(|| self.next_replayed())
    }

    fn deliver_only(&mut self, thread_id: &str, methods: &'static [&'static str]) {
        self.replayer.deliver_only(thread_id, methods);
    }

    fn awaiting_client(&self) -> bool {
        !self.closed
            && self.live.is_none()
            && self.queue.is_empty()
            && self.replayer.awaiting_client()
    }

    fn pid(&self) -> Option<u32> {
        self.live.as_ref().and_then(|live| live.transport.pid())
    }
}

/// The thread a `thread/start` answer names.
fn started_thread(answer: &Message) -> Option<&str> {
    answer.outcome()?.ok()?.pointer("/thread/id")?.as_str()
}

/// `message` with every string `from` replaced by `to`.
fn swapped(message: &Message, from: &str, to: &str) -> Message {
    let mut value = Value::Object(message.body().clone());
    swap_strings(&mut value, from, to);
    Message::from_value(value).unwrap_or_else(|_| message.clone())
}

fn other(text: String) -> TransportError {
    TransportError::Other(text.into())
}
