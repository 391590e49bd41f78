//! [`Replayer`]: plays the server side of a cassette.
//!
//! Each recorded conversation has a cursor. A client message is routed to its conversation (by
//! `threadId`, by the server request it answers, or to the backend-level one), must match the
//! next recorded client message there after normalisation, and then every recorded server message
//! up to the next client message is emitted, with placeholders bound to fresh values. Workspace
//! effects are applied when reached, before the `turn/completed` that follows them.
//!
//! Conversations are bound to the client's threads lazily: a `thread/start` takes the first
//! recorded conversation that matches, and when a later message fits another conversation with
//! the same history better, the two swap. So concurrent runners replay the same whatever order
//! their messages arrive in.
//!
//! Binding and swapping live in `replayer/bind.rs`; emitting and filling server messages in
//! `replayer/emit.rs`.

mod bind;
mod emit;
#[cfg(test)]
mod threads_tests;
#[cfg(test)]
mod volatile_tests;

use std::borrow::Cow;
use std::collections::{HashMap, VecDeque};
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::cassette::app_server::format::{self, BACKEND, Cassette, RawCassette, RawEntry};
use crate::cassette::app_server::replay::conversation::{Conv, Source, Step};
use crate::cassette::app_server::replay::history;
use crate::cassette::app_server::replay::shape;
use crate::cassette::divergence::{Divergence, DivergenceLocation, Location, UnusedInteractions};
use crate::cassette::effects::EffectError;
use crate::cassette::normalize::Bindings;
use crate::cassette::normalize::rules::Rules;
use crate::cassette::normalize::threads::CONV_THREAD_OPEN;
use crate::cassette::{CassetteError, RedactRule, VolatileRule};
use crate::transport::{Message, MessageKind, RequestId};

/// Why a replay cannot go on. Each variant holds the cassette layer's own typed error;
/// [`ReplayTransport`](crate::cassette::ReplayTransport) hands that error itself up the stack, so callers
/// downcast it to [`Divergence`], [`CassetteError`] or [`EffectError`].
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ReplayError {
    /// The client sent something the cassette does not contain.
    #[error(transparent)]
    Diverged(Box<Divergence>),
    /// A recorded server message could not be sent (a line damaged by hand).
    #[error(transparent)]
    Cassette(#[from] CassetteError),
    /// A recorded workspace effect could not be applied.
    #[error(transparent)]
    Effect(#[from] EffectError),
}

impl From<Divergence> for ReplayError {
    fn from(divergence: Divergence) -> Self {
        Self::Diverged(Box::new(divergence))
    }
}

impl ReplayError {
    /// The typed error inside, boxed as itself (not as a `ReplayError`), so a downcast to
    /// `Divergence` finds it.
    pub fn into_inner(self) -> Box<dyn std::error::Error + Send + Sync> {
        match self {
            Self::Diverged(divergence) => divergence,
            Self::Cassette(err) => Box::new(err),
            Self::Effect(err) => Box::new(err),
        }
    }
}

/// Plays a cassette. Feed it what the client sends; take what the server would have sent.
#[derive(Debug)]
pub struct Replayer {
    path: PathBuf,
    record_command: String,
    codex_version: String,
    /// The recorded text of the server messages.
    source: Source,
    convs: Vec<Conv>,
    threads: HashMap<String, usize>,
    /// replay id of a server request → (conversation, recorded placeholder)
    server_requests: HashMap<RequestId, (usize, String)>,
    next_server_id: i64,
    next_global: u64,
    /// Whether any recorded server message names a thread by its conversation
    /// (`{{conv_thread:N}}`): looked for once, so the others are never searched for it.
    names_threads: bool,
    /// The fresh thread id a `{{conv_thread:N}}` says while conversation `cN` binds none.
    unbound_threads: HashMap<usize, String>,
    out: VecDeque<Message>,
    /// The volatile-value rules the cassette was recorded with.
    volatile: Vec<VolatileRule>,
}

impl Replayer {
    /// A replayer for `cassette`; `record_command` is shown in divergence reports.
    pub fn new(cassette: Cassette, record_command: Option<String>) -> Self {
        let record_command =
            record_command.unwrap_or_else(|| cassette.header.record_command.clone());
        let mut source = Source::default();
        let steps: Vec<_> = cassette
            .entries
            .into_iter()
            .map(|(line, entry)| {
                let label = Cow::Owned(entry.conv().unwrap_or(BACKEND).to_owned());
                (line, label, Step::of(entry, &mut source))
            })
            .collect();
        Self::with_convs(
            cassette.path,
            (cassette.header.codex_version, &cassette.header.volatile),
            record_command,
            source,
            conversations(steps),
        )
    }

    /// A replayer for cassette text, checked line by line as [`Cassette::parse`] checks it, whose
    /// server messages stay text until they are sent. This is how a replay reads a cassette file:
    /// each message's JSON tree is built once, when it is used.
    pub fn parse(
        path: &Path,
        text: &str,
        record_command: Option<String>,
    ) -> Result<Self, CassetteError> {
        Self::from_text(path, text.to_owned(), record_command)
    }

    /// [`parse`](Self::parse), keeping `text` itself: server messages are slices of it, not
    /// one allocation each, and no second copy of the file is made.
    pub(crate) fn from_text(
        path: &Path,
        text: String,
        record_command: Option<String>,
    ) -> Result<Self, CassetteError> {
        let RawCassette {
            path: cassette_path,
            header,
            entries,
        } = RawCassette::parse(path, &text)?;
        let record_command = record_command.unwrap_or_else(|| header.record_command.clone());
        let mut source = Source::awaiting(text.len());
        let mut steps = Vec::with_capacity(entries.len());
        for (line, entry) in entries {
            steps.push(match entry {
                RawEntry::Message {
                    c2s: true,
                    conv,
                    turn,
                    msg,
                } => {
                    let msg = format::message_value(path, line, msg)?;
                    (line, conv, Step::Client { turn, msg })
                }
                RawEntry::Message {
                    c2s: false,
                    conv,
                    turn,
                    msg,
                } => {
                    shape::check_message(path, line, msg)?;
                    let span = Source::span_of(&text, msg.get());
                    let notification = shape::notification_method(msg.get())
                        .map(|method| Source::span_of(&text, method));
                    (
                        line,
                        conv,
                        Step::Server {
                            turn,
                            text: span,
                            notification,
                        },
                    )
                }
                RawEntry::Other(entry) => {
                    let label = Cow::Owned(entry.conv().unwrap_or(BACKEND).to_owned());
                    (line, label, Step::of(entry, &mut source))
                }
            });
        }
        let convs = conversations(steps);
        source.keep(text);
        Ok(Self::with_convs(
            cassette_path,
            (header.codex_version, &header.volatile),
            record_command,
            source,
            convs,
        ))
    }

    /// The replayer with the project's own secret patterns (`[[redact]]`): what the client sends
    /// is redacted with them too before it is compared with the recording, where they were
    /// redacted. (Volatile values are matched by the rules the cassette's header recorded.)
    pub(crate) fn with_redact(mut self, redact: &[RedactRule]) -> Self {
        let rules = Rules::new(&self.volatile, redact);
        for conv in &mut self.convs {
            conv.me.bindings = Bindings::with_rules(rules.clone());
        }
        self
    }

    /// `header` is the recording's Codex version and volatile rules.
    fn with_convs(
        path: PathBuf,
        header: (String, &[VolatileRule]),
        record_command: String,
        source: Source,
        mut convs: Vec<Conv>,
    ) -> Self {
        let (codex_version, volatile) = header;
        let rules = Rules::new(volatile, &[]);
        let histories: Vec<&[(usize, Step)]> = convs.iter().map(|c| c.entries.as_slice()).collect();
        let classes = history::prefix_classes(&histories, |a, b| a.same(b, &source));
        for (conv, prefix) in convs.iter_mut().zip(classes) {
            conv.prefix = prefix;
            conv.me.bindings = Bindings::with_rules(rules.clone());
        }
        let names_threads = source.contains(CONV_THREAD_OPEN);
        Self {
            names_threads,
            volatile: volatile.to_vec(),
            path,
            record_command,
            codex_version,
            source,
            convs,
            threads: HashMap::new(),
            server_requests: HashMap::new(),
            next_server_id: 0,
            next_global: 0,
            unbound_threads: HashMap::new(),
            out: VecDeque::new(),
        }
    }

    /// The next message the server would send, if one is ready.
    pub fn next_server_message(&mut self) -> Option<Message> {
        self.out.pop_front()
    }

    /// The recorded stderr tail (from the cassette's exit entry).
    pub fn recorded_stderr(&self) -> Vec<String> {
        self.convs[0]
            .entries
            .iter()
            .find_map(|(_, step)| match step {
                Step::Exit { stderr_tail } => Some(stderr_tail.clone()),
                _ => None,
            })
            .unwrap_or_default()
    }

    fn location(&self, conv: usize) -> Location {
        let c = &self.convs[conv];
        let (line, turn) = match c.entries.get(c.me.cursor) {
            Some((line, step)) => (*line, step.message_turn().unwrap_or(c.me.turn)),
            None => (c.entries.last().map_or(0, |(l, _)| *l), c.me.turn),
        };
        Location {
            path: self.path.clone(),
            line,
            at: DivergenceLocation::Conversation {
                label: c.label.clone(),
                turn,
            },
        }
    }

    /// Handles one client message: checks it against the cassette and queues the server's answer.
    pub fn client_message(&mut self, message: &Message) -> Result<(), ReplayError> {
        let sent = message.body();
        // The message as one value, for reports only.
        let body = || Value::Object(sent.clone());
        let params = message.params();
        let conv = match message.kind() {
            MessageKind::Request if message.method() == Some("thread/start") => {
                self.bind_new_thread(sent)?
            }
            MessageKind::Response => {
                match message.id().and_then(|id| self.server_requests.remove(&id)) {
                    Some((conv, placeholder)) => {
                        self.convs[conv]
                            .me
                            .requests
                            .insert(placeholder, message.id().unwrap_or(RequestId::Int(0)));
                        conv
                    }
                    None => {
                        return Err(ReplayError::from(Divergence::unexpected(
                            &self.location(0),
                            "a response to a server request the cassette never sent",
                            &body(),
                            &self.record_command,
                        )));
                    }
                }
            }
            _ => match thread_of(params) {
                Some(thread) => match self.threads.get(thread) {
                    Some(conv) => *conv,
                    None => {
                        return Err(ReplayError::from(Divergence::unexpected(
                            &self.location(0),
                            "a message for a thread the cassette never started",
                            &body(),
                            &self.record_command,
                        )));
                    }
                },
                None => 0,
            },
        };
        let conv = self.match_and_advance(conv, message)?;
        self.emit(conv)
    }

    /// From now on, sends only notifications of these `methods` on the client's thread
    /// `thread_id` (server requests and responses always): the client said it drops the rest, so
    /// they are neither parsed nor filled.
    pub fn deliver_only(&mut self, thread_id: &str, methods: &'static [&'static str]) {
        if let Some(&conv) = self.threads.get(thread_id) {
            self.convs[conv].me.only = Some(methods);
        }
    }

    /// Whether every server message due so far has been taken: the recorded server sends
    /// nothing more until the client sends its next message.
    pub fn awaiting_client(&self) -> bool {
        self.out.is_empty()
    }

    /// Recorded interactions nobody used, as an error.
    pub fn finish(&self) -> Result<(), UnusedInteractions> {
        let mut leftovers = Vec::new();
        for conv in &self.convs {
            let rest = conv
                .entries
                .iter()
                .skip(conv.me.cursor)
                .find(|(_, step)| matches!(step, Step::Client { .. }));
            if let Some((line, Step::Client { msg, .. })) = rest {
                let what = msg.get("method").and_then(Value::as_str).map_or_else(
                    || "a response from the client".to_owned(),
                    |m| format!("the client's `{m}` never came"),
                );
                leftovers.push((conv.label.clone(), *line, what));
            }
        }
        if leftovers.is_empty() {
            Ok(())
        } else {
            Err(UnusedInteractions::new(
                &self.path,
                leftovers,
                &self.record_command,
            ))
        }
    }
}

/// The recorded steps grouped by conversation, the backend's first, the others in the order
/// they first appear.
fn conversations(steps: Vec<(usize, Cow<'_, str>, Step)>) -> Vec<Conv> {
    let mut convs: Vec<Conv> = vec![Conv::new(BACKEND.to_owned())];
    for (line, label, step) in steps {
        let index = match convs.iter().position(|c| c.label == label) {
            Some(index) => index,
            None => {
                convs.push(Conv::new(label.into_owned()));
                convs.len() - 1
            }
        };
        convs[index].push(line, step);
    }
    convs
}

/// The thread a message's params name (`threadId`, or `thread.id` as in `thread/started`).
pub(crate) fn thread_of(params: &Value) -> Option<&str> {
    params
        .get("threadId")
        .and_then(Value::as_str)
        .or_else(|| params.get("thread")?.get("id")?.as_str())
}
