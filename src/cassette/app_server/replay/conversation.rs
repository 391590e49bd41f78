//! One recorded conversation as the replayer plays it: its entries, and the client identity
//! (thread, fresh values, request ids, cursor) currently bound to it.

use std::collections::HashMap;
use std::ops::Range;

use serde_json::{Map, Value};

use crate::cassette::app_server::format::Entry;
use crate::cassette::effects::Effect;
use crate::cassette::normalize::Bindings;
use crate::transport::RequestId;

#[derive(Debug, Default, Clone)]
pub(super) struct Identity {
    /// The client's thread id, once known.
    pub(super) thread: Option<String>,
    pub(super) bindings: Bindings,
    /// recorded request placeholder (`{{req:n}}`) → the client's id
    pub(super) requests: HashMap<String, RequestId>,
    pub(super) cursor: usize,
    pub(super) turn: Option<u32>,
    /// The notification methods the client still wants on this thread (all when `None`).
    pub(super) only: Option<&'static [&'static str]>,
}

/// One recorded line of a conversation, as the replayer keeps it. (Not `PartialEq`: two server
/// steps are equal by their text, not their spans; see [`Step::same`].)
#[derive(Debug)]
pub(super) enum Step {
    /// A message from the client, compared with what the client sends.
    Client { turn: Option<u32>, msg: Value },
    /// A message from the server: where its recorded JSON text lies in the replayer's
    /// [`Source`]. Filled and parsed only when sent.
    Server {
        turn: Option<u32>,
        text: Range<usize>,
        /// Where its method lies in the source, when it is a notification.
        notification: Option<Range<usize>>,
    },
    /// The files a turn changed.
    Effects { turn: u32, effects: Vec<Effect> },
    /// How the server ended.
    Exit { stderr_tail: Vec<String> },
}

/// The text of every recorded server message: the cassette's own text (server messages are
/// spans of it), then the text of any message added one by one.
#[derive(Debug, Default)]
pub(super) struct Source {
    /// The cassette's text, as read.
    text: String,
    /// How long the cassette's text is (set before the text itself is handed over).
    base: usize,
    /// Messages added after it; a span from `base` on lies here.
    added: String,
}

impl Source {
    /// A source for cassette text `len` bytes long, handed over later by [`keep`](Self::keep)
    /// (its spans are known while it is still borrowed).
    pub(super) fn awaiting(len: usize) -> Self {
        Self {
            base: len,
            ..Self::default()
        }
    }

    /// Keeps the cassette text itself (not a copy): server messages are spans of it.
    pub(super) fn keep(&mut self, text: String) {
        debug_assert_eq!(text.len(), self.base, "the text the source awaited");
        self.text = text;
    }

    /// Where `slice`, a slice of `text` (the text this source keeps), lies in it.
    pub(super) fn span_of(text: &str, slice: &str) -> Range<usize> {
        let start = slice.as_ptr() as usize - text.as_ptr() as usize;
        debug_assert!(start + slice.len() <= text.len(), "a slice of the text");
        start..start + slice.len()
    }

    /// Adds `text`; returns where it lies.
    pub(super) fn push(&mut self, text: &str) -> Range<usize> {
        let start = self.base + self.added.len();
        self.added.push_str(text);
        start..start + text.len()
    }

    /// Whether any recorded server message holds `needle`.
    pub(super) fn contains(&self, needle: &str) -> bool {
        self.text.contains(needle) || self.added.contains(needle)
    }

    pub(super) fn get(&self, span: Range<usize>) -> &str {
        if span.start < self.base {
            &self.text[span]
        } else {
            &self.added[span.start - self.base..span.end - self.base]
        }
    }
}

impl Step {
    /// The step an entry becomes (a server message's text added to `source`).
    pub(super) fn of(entry: Entry, source: &mut Source) -> Self {
        match entry {
            Entry::C2s { turn, msg, .. } => Self::Client { turn, msg },
            Entry::S2c { turn, msg, .. } => {
                let text = source.push(&msg.to_string());
                let added = source.get(text.clone());
                let notification = crate::cassette::app_server::replay::shape::notification_method(
                    added,
                )
                .map(|method| {
                    let at = text.start + Source::span_of(added, method).start;
                    at..at + method.len()
                });
                Self::Server {
                    turn,
                    text,
                    notification,
                }
            }
            Entry::Effects { turn, effects, .. } => Self::Effects { turn, effects },
            Entry::Exit { stderr_tail, .. } => Self::Exit { stderr_tail },
        }
    }

    /// Whether two steps recorded the same thing (server messages compared by text).
    pub(super) fn same(&self, other: &Self, source: &Source) -> bool {
        match (self, other) {
            (Self::Client { turn, msg }, Self::Client { turn: t, msg: m }) => turn == t && msg == m,
            (
                Self::Server { turn, text, .. },
                Self::Server {
                    turn: t, text: x, ..
                },
            ) => turn == t && source.get(text.clone()) == source.get(x.clone()),
            (
                Self::Effects { turn, effects },
                Self::Effects {
                    turn: t,
                    effects: e,
                },
            ) => turn == t && effects == e,
            (Self::Exit { stderr_tail }, Self::Exit { stderr_tail: s }) => stderr_tail == s,
            _ => false,
        }
    }

    /// The turn a message line belongs to.
    pub(super) fn message_turn(&self) -> Option<Option<u32>> {
        match self {
            Self::Client { turn, .. } | Self::Server { turn, .. } => Some(*turn),
            _ => None,
        }
    }
}

#[derive(Debug)]
pub(super) struct Conv {
    pub(super) label: String,
    /// The conversation's lines with their line numbers.
    pub(super) entries: Vec<(usize, Step)>,
    /// `prefix[i]` names the history `entries[..=i]`: conversations with the same id there
    /// recorded the same entries (labels aside). Only as long as some other conversation shares
    /// it. Computed at load, because applied effects are moved out, not cloned.
    pub(super) prefix: Vec<u32>,
    pub(super) me: Identity,
}

impl Conv {
    pub(super) fn new(label: String) -> Self {
        Self {
            label,
            entries: Vec::new(),
            prefix: Vec::new(),
            me: Identity::default(),
        }
    }

    pub(super) fn push(&mut self, line: usize, step: Step) {
        self.entries.push((line, step));
    }

    /// Whether the client message `sent` is what entry `at` recorded, compared as
    /// [`expects`](Self::expects) compares, without copying either.
    pub(super) fn matches(
        &self,
        at: usize,
        sent: &Map<String, Value>,
        bindings: &Bindings,
    ) -> bool {
        let Some((_, Step::Client { msg, .. })) = self.entries.get(at) else {
            return false;
        };
        let Some(recorded) = msg.as_object() else {
            return false;
        };
        if sent.get("method").and_then(Value::as_str) == Some("initialize") {
            // Once a session: compared the long way, with the client's version blanked.
            return self
                .expects(at, &Value::Object(sent.clone()), bindings)
                .is_ok();
        }
        bindings.message_unfills_to(sent, recorded)
    }

    /// Whether the client message `body` is what entry `at` recorded. On a mismatch returns
    /// (expected, actual) as compared; `expected` is `null` when no client message is expected.
    pub(super) fn expects(
        &self,
        at: usize,
        body: &Value,
        bindings: &Bindings,
    ) -> Result<(), (Value, Value)> {
        let Some((_, Step::Client { msg, .. })) = self.entries.get(at) else {
            return Err((Value::Null, body.clone()));
        };
        let mut expected = msg.clone();
        let mut actual = body.clone();
        bindings.unfill_message(&mut actual, &expected);
        for value in [&mut expected, &mut actual] {
            if let Some(map) = value.as_object_mut() {
                map.remove("id");
            }
            ignore_client_version(value);
        }
        if expected == actual {
            Ok(())
        } else {
            Err((expected, actual))
        }
    }
}

/// Whether conversations `a` and `b` recorded the same first `len` entries.
pub(super) fn same_history(a: &Conv, b: &Conv, len: usize) -> bool {
    len == 0
        || matches!(
            (a.prefix.get(len - 1), b.prefix.get(len - 1)),
            (Some(x), Some(y)) if x == y
        )
}

/// What `initialize`'s `clientInfo.version` is compared as.
const ANY_CLIENT_VERSION: &str = "{{client_version}}";

/// The client's own version (`initialize`'s `params.clientInfo.version`) is not part of what a
/// recording means: upgrading prompt-diary, or the SDK that recorded through the stand-in, must not
/// invalidate every cassette. Both sides are compared with it blanked.
fn ignore_client_version(msg: &mut Value) {
    if msg.get("method").and_then(Value::as_str) != Some("initialize") {
        return;
    }
    if let Some(version) = msg.pointer_mut("/params/clientInfo/version") {
        *version = Value::from(ANY_CLIENT_VERSION);
    }
}
