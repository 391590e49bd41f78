//! Which recorded conversation a client thread plays: the first match on `thread/start`, each
//! client message matched against its conversation, and twins with the same history swapped
//! when another one fits better.

use serde_json::{Map, Value};

use super::{ReplayError, Replayer};
use crate::cassette::app_server::replay::conversation::{Step, same_history};
use crate::cassette::divergence::Divergence;
use crate::cassette::normalize::WORKSPACE;
use crate::transport::{Message, MessageKind};

impl Replayer {
    /// The first unbound conversation whose `thread/start` matches, bound to this client thread.
    pub(super) fn bind_new_thread(
        &mut self,
        sent: &Map<String, Value>,
    ) -> Result<usize, ReplayError> {
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
        Err(report.into())
    }

    /// Frees the recorded conversation client thread `thread` plays, back to its start, so a
    /// later `thread/start` can take it (`new_episodes` moved the client's conversation to a real
    /// Codex at its first turn). Whether a conversation was freed.
    pub(crate) fn release_thread(&mut self, thread: &str) -> bool {
        let Some(conv) = self.threads.remove(thread) else {
            return false;
        };
        self.convs[conv].me = Default::default();
        self.server_requests.retain(|_, (c, _)| *c != conv);
        true
    }

    /// Matches `body` against conversation `conv` (or one it swaps with) and advances past it.
    /// Returns the conversation that now carries this client thread.
    pub(super) fn match_and_advance(
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
                return Err(ReplayError::from(Divergence::unexpected(
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
                    return Err(ReplayError::from(Divergence::mismatch(
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
        c.me.bindings.bind_volatile(sent);
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
}
