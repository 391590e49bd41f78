//! What the server says next: recorded server messages parsed, filled with this replay's values
//! and ids, and queued; workspace effects applied to the replay's working directory when reached.

use std::borrow::Cow;
use std::ops::Range;
use std::path::PathBuf;

use serde_json::Value;

use super::{ReplayError, Replayer};
use crate::cassette::CassetteError;
use crate::cassette::app_server::replay::conversation::{Conv, Step};
use crate::cassette::effects::{self, Effect};
use crate::cassette::normalize::placeholder::{Fresh, ThreadIds, fresh_value};
use crate::cassette::normalize::threads::{self, CONV_THREAD_OPEN, conv_thread};
use crate::cassette::normalize::{Bindings, WORKSPACE};
use crate::transport::{Message, MessageKind, RequestId};

impl Replayer {
    /// Emits recorded server messages and applies effects up to the next client message.
    pub(super) fn emit(&mut self, conv: usize) -> Result<(), ReplayError> {
        loop {
            let c = &mut self.convs[conv];
            let cursor = c.me.cursor;
            let Some((line, step)) = c.entries.get_mut(cursor) else {
                return Ok(());
            };
            let line = *line;
            match step {
                Step::Client { .. } => return Ok(()),
                Step::Server {
                    notification: Some(method),
                    ..
                } if c
                    .me
                    .only
                    .is_some_and(|only| !only.contains(&self.source.get(method.clone()))) => {}
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
        let fresh = move |placeholder: &str| {
            let mut fresh = Fresh {
                label,
                codex_version,
                threads: ThreadIds::Counted(next_global),
            };
            fresh_value(placeholder, &mut fresh)
        };
        (&mut me.bindings, fresh)
    }

    /// Each `{{conv_thread:N}}` in `msg` filled with the thread this replay binds to conversation
    /// `cN`; while it binds none (`cN` has not started, or was released), with a fresh id of its
    /// own, the same one each time, that no client thread has: a client looking for its own
    /// thread does not find it there, as it would not have live.
    fn fill_conv_threads(&mut self, msg: &mut Value) {
        let Self {
            convs,
            unbound_threads,
            codex_version,
            next_global,
            ..
        } = self;
        threads::fill_threads(msg, &mut |number| {
            let label = format!("c{number}");
            let bound = convs.iter().find(|c| c.label == label);
            if let Some(thread) = bound.and_then(|c| c.me.thread.clone()) {
                return thread;
            }
            unbound_threads
                .entry(number)
                .or_insert_with(|| {
                    let mut fresh = Fresh {
                        label: &label,
                        codex_version,
                        threads: ThreadIds::Counted(next_global),
                    };
                    fresh_value(&conv_thread(number), &mut fresh)
                })
                .clone()
        });
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
        let names_threads =
            self.names_threads && self.source.get(text.clone()).contains(CONV_THREAD_OPEN);
        let mut msg: Value = serde_json::from_str(self.source.get(text)).map_err(|err| {
            ReplayError::Cassette(CassetteError::BadLine {
                path: self.path.clone(),
                line,
                reason: format!("the recorded message does not parse ({err})"),
            })
        })?;
        if names_threads {
            self.fill_conv_threads(&mut msg);
        }
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
            ReplayError::Cassette(CassetteError::BadLine {
                path: self.path.clone(),
                line,
                reason: format!("`msg` is not a JSON-RPC message: {err}"),
            })
        })
    }
}
