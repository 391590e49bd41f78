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

use std::borrow::Cow;
use std::collections::{HashMap, VecDeque};
use std::ops::Range;
use std::path::{Path, PathBuf};

use serde_json::{Map, Value};

use super::CassetteError;
use super::divergence::{Divergence, Location, UnusedInteractions};
use super::effects::{self, Effect};
use super::format::{self, BACKEND, Cassette, RawCassette, RawEntry};
use super::history;
use super::normalize::{Bindings, WORKSPACE};
use super::replay_conv::{Conv, Source, Step, fresh_value, same_history};
use super::shape;
use crate::transport::{Message, MessageKind, RequestId};

/// A replay failure: a divergence, or a workspace effect that could not be applied.
pub type ReplayError = Box<dyn std::error::Error + Send + Sync>;

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
    out: VecDeque<Message>,
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
        Self::with_steps(
            cassette.path,
            cassette.header.codex_version,
            record_command,
            source,
            steps,
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
        let raw = RawCassette::parse(path, text)?;
        let record_command = record_command.unwrap_or_else(|| raw.header.record_command.clone());
        // One copy of the text; server messages are slices of it, not one allocation each.
        let mut source = Source::new(text);
        let mut steps = Vec::with_capacity(raw.entries.len());
        for (line, entry) in raw.entries {
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
                    let span = Source::span_of(text, msg.get());
                    (line, conv, Step::Server { turn, text: span })
                }
                RawEntry::Other(entry) => {
                    let label = Cow::Owned(entry.conv().unwrap_or(BACKEND).to_owned());
                    (line, label, Step::of(entry, &mut source))
                }
            });
        }
        Ok(Self::with_steps(
            raw.path,
            raw.header.codex_version,
            record_command,
            source,
            steps,
        ))
    }

    fn with_steps(
        path: PathBuf,
        codex_version: String,
        record_command: String,
        source: Source,
        steps: Vec<(usize, Cow<'_, str>, Step)>,
    ) -> Self {
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
        let histories: Vec<&[(usize, Step)]> = convs.iter().map(|c| c.entries.as_slice()).collect();
        let classes = history::prefix_classes(&histories, |a, b| a.same(b, &source));
        for (conv, prefix) in convs.iter_mut().zip(classes) {
            conv.prefix = prefix;
        }
        Self {
            path,
            record_command,
            codex_version,
            source,
            convs,
            threads: HashMap::new(),
            server_requests: HashMap::new(),
            next_server_id: 0,
            next_global: 0,
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
            conv: c.label.clone(),
            turn,
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
                        return Err(Box::new(Divergence::unexpected(
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
                        return Err(Box::new(Divergence::unexpected(
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

    /// The first unbound conversation whose `thread/start` matches, bound to this client thread.
    fn bind_new_thread(&mut self, sent: &Map<String, Value>) -> Result<usize, ReplayError> {
        let body = &Value::Object(sent.clone());
        let cwd = body
            .pointer("/params/cwd")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        let mut first_unbound = None;
        for index in 1..self.convs.len() {
            let conv = &self.convs[index];
            if conv.me.cursor != 0 {
                continue;
            }
            first_unbound.get_or_insert(index);
            let mut bindings = conv.me.bindings.clone();
            bindings.bind(WORKSPACE, &cwd);
            if conv.matches(0, sent, &bindings) {
                self.convs[index].me.bindings = bindings;
                return Ok(index);
            }
        }
        let report = match first_unbound {
            Some(index) => {
                let mut bindings = self.convs[index].me.bindings.clone();
                bindings.bind(WORKSPACE, &cwd);
                let (expected, actual) = self.convs[index]
                    .expects(0, body, &bindings)
                    .err()
                    .unwrap_or_default();
                Divergence::mismatch(
                    &self.location(index),
                    &expected,
                    &actual,
                    &self.record_command,
                )
            }
            None => Divergence::unexpected(
                &self.location(0),
                "a new conversation (thread/start), but every recorded conversation is already in use",
                body,
                &self.record_command,
            ),
        };
        Err(Box::new(report))
    }

    /// Matches `body` against conversation `conv` (or one it swaps with) and advances past it.
    /// Returns the conversation that now carries this client thread.
    fn match_and_advance(
        &mut self,
        mut conv: usize,
        message: &Message,
    ) -> Result<usize, ReplayError> {
        let sent = message.body();
        let cursor = self.convs[conv].me.cursor;
        let result = if self.convs[conv].matches(cursor, sent, &self.convs[conv].me.bindings) {
            Ok(())
        } else {
            // The long way, which also says what differs.
            let body = Value::Object(sent.clone());
            self.convs[conv].expects(cursor, &body, &self.convs[conv].me.bindings)
        };
        if let Err((expected, actual)) = result {
            let body = &Value::Object(sent.clone());
            if expected.is_null() {
                return Err(Box::new(Divergence::unexpected(
                    &self.location(conv),
                    "the cassette expected nothing more from the client in this conversation",
                    body,
                    &self.record_command,
                )));
            }
            match self.swap_candidate(conv, sent) {
                Some(other) => {
                    self.swap(conv, other);
                    conv = other;
                }
                None => {
                    return Err(Box::new(Divergence::mismatch(
                        &self.location(conv),
                        &expected,
                        &actual,
                        &self.record_command,
                    )));
                }
            }
        }
        let c = &mut self.convs[conv];
        let (_, entry) = &c.entries[c.me.cursor];
        if let Step::Client { msg, turn } = entry {
            if let (Some(placeholder), Some(id), MessageKind::Request) = (
                msg.get("id").and_then(Value::as_str),
                message.id(),
                message.kind(),
            ) {
                c.me.requests.insert(placeholder.to_owned(), id);
            }
            c.me.turn = *turn;
        }
        c.me.cursor += 1;
        Ok(conv)
    }

    /// Another conversation with the same history whose next client message fits `body`.
    fn swap_candidate(&self, conv: usize, sent: &Map<String, Value>) -> Option<usize> {
        if conv == 0 {
            return None;
        }
        let cursor = self.convs[conv].me.cursor;
        (1..self.convs.len()).find(|&other| {
            let o = &self.convs[other];
            other != conv
                && (o.me.cursor == cursor || (o.me.cursor == 0 && o.me.thread.is_none()))
                && o.entries.len() > cursor
                && same_history(o, &self.convs[conv], cursor)
                && o.matches(cursor, sent, &self.convs[conv].me.bindings)
        })
    }

    /// Exchanges the client identities of two conversations with equal histories.
    fn swap(&mut self, a: usize, b: usize) {
        // The histories are equal up to the further cursor, but applied effects were moved out:
        // the conversation taking the earlier cursor gets the intact copies.
        let upto = self.convs[a].me.cursor.max(self.convs[b].me.cursor);
        if a != b && self.convs[a].me.cursor != self.convs[b].me.cursor {
            let (low, high) = (a.min(b), a.max(b));
            let (left, right) = self.convs.split_at_mut(high);
            let (x, y) = (&mut left[low], &mut right[0]);
            let upto = upto.min(x.entries.len()).min(y.entries.len());
            x.entries[..upto].swap_with_slice(&mut y.entries[..upto]);
        }
        let a_me = std::mem::take(&mut self.convs[a].me);
        let b_me = std::mem::replace(&mut self.convs[b].me, a_me);
        self.convs[a].me = b_me;
        for index in [a, b] {
            if let Some(thread) = self.convs[index].me.thread.clone() {
                self.threads.insert(thread, index);
            }
        }
        for (conv, _) in self.server_requests.values_mut() {
            if *conv == a {
                *conv = b;
            } else if *conv == b {
                *conv = a;
            }
        }
    }

    /// Emits recorded server messages and applies effects up to the next client message.
    fn emit(&mut self, conv: usize) -> Result<(), ReplayError> {
        loop {
            let c = &mut self.convs[conv];
            let cursor = c.me.cursor;
            let Some((line, step)) = c.entries.get_mut(cursor) else {
                return Ok(());
            };
            let line = *line;
            match step {
                Step::Client { .. } => return Ok(()),
                Step::Server { text, .. } => {
                    let text = text.clone();
                    let message = self.fill(conv, line, text)?;
                    if let (MessageKind::Response, Some(Ok(result))) =
                        (message.kind(), message.outcome())
                    {
                        if let Some(thread) =
                            result.get("thread").and_then(|t| t.get("id")?.as_str())
                        {
                            self.threads.insert(thread.to_owned(), conv);
                            self.convs[conv].me.thread = Some(thread.to_owned());
                        }
                    }
                    self.out.push_back(message);
                }
                Step::Effects { effects: list, .. } => {
                    let list = std::mem::take(list);
                    let workspace = c.me.bindings.get(WORKSPACE).map(PathBuf::from);
                    match workspace {
                        Some(root) => effects::apply(&root, &self.fill_effects(conv, list))?,
                        None => tracing::warn!(
                            "effects for a conversation without a workspace are skipped"
                        ),
                    }
                }
                Step::Exit { .. } => {}
            }
            self.convs[conv].me.cursor += 1;
        }
    }

    /// Recorded file contents with this replay's values (the workspace path, ids) in place of
    /// their placeholders, as the agent wrote them.
    fn fill_effects(&mut self, conv: usize, mut list: Vec<Effect>) -> Vec<Effect> {
        let (bindings, mut fresh) = self.filler(conv);
        for effect in &mut list {
            if let Effect::Write { text, .. } = effect {
                if let Cow::Owned(filled) = bindings.fill_text(text, &mut fresh) {
                    *text = filled;
                }
            }
        }
        list
    }

    /// Conversation `conv`'s bindings, and where its unbound placeholders get fresh values.
    fn filler(&mut self, conv: usize) -> (&mut Bindings, impl FnMut(&str) -> String + '_) {
        let Self {
            codex_version,
            convs,
            next_global,
            ..
        } = self;
        let Conv { label, me, .. } = &mut convs[conv];
        let label = &*label;
        let fresh =
            move |placeholder: &str| fresh_value(placeholder, codex_version, label, next_global);
        (&mut me.bindings, fresh)
    }

    /// A recorded server message (its JSON text) with fresh values and the right ids. The text is
    /// parsed here, right before the message is used, so filling walks a tree that is still in
    /// the cache.
    fn fill(
        &mut self,
        conv: usize,
        line: usize,
        text: Range<usize>,
    ) -> Result<Message, ReplayError> {
        let mut msg: Value = serde_json::from_str(self.source.get(text)).map_err(|err| {
            Box::new(CassetteError::BadLine {
                path: self.path.clone(),
                line,
                reason: format!("the recorded message does not parse ({err})"),
            }) as ReplayError
        })?;
        // The message's own id is not a value: it is mapped below, by position.
        let id = msg.as_object_mut().and_then(|map| map.remove("id"));
        {
            let (bindings, mut fresh) = self.filler(conv);
            bindings.fill(&mut msg, &mut fresh);
        }
        let me = &mut self.convs[conv].me;
        let is_request = msg.get("method").is_some();
        if let (Some(id), Some(map)) = (id, msg.as_object_mut()) {
            let id = match id {
                Value::String(placeholder) if is_request => {
                    let id = RequestId::Int(self.next_server_id);
                    self.next_server_id += 1;
                    me.bindings.bind(&placeholder, &id.to_string());
                    self.server_requests.insert(id.clone(), (conv, placeholder));
                    id.into()
                }
                Value::String(placeholder) => me
                    .requests
                    .get(&placeholder)
                    .cloned()
                    .unwrap_or(RequestId::Int(-1))
                    .into(),
                // A literal id (a hand-written cassette) is kept as it is.
                literal => literal,
            };
            map.insert("id".into(), id);
        }
        // `serverRequest/resolved` names the server request by its (numeric) id.
        let request_id = msg.get_mut("params").and_then(|p| p.get_mut("requestId"));
        if let Some(request) = request_id {
            if let Some(number) = request.as_str().and_then(|s| s.parse::<i64>().ok()) {
                *request = Value::from(number);
            }
        }
        Message::from_value(msg).map_err(|err| {
            Box::new(CassetteError::BadLine {
                path: self.path.clone(),
                line,
                reason: format!("`msg` is not a JSON-RPC message: {err}"),
            }) as ReplayError
        })
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

/// The thread a message's params name (`threadId`, or `thread.id` as in `thread/started`).
pub(crate) fn thread_of(params: &Value) -> Option<&str> {
    params
        .get("threadId")
        .and_then(Value::as_str)
        .or_else(|| params.get("thread")?.get("id")?.as_str())
}
