//! Routing a model request to its conversation and picking the reply.

use std::sync::atomic::Ordering;

use serde_json::Value;

use crate::http;
use crate::scenario::Reply;
use crate::state::Shared;

/// The request headers that identify a conversation, in order of preference (Codex 0.163.0
/// through 0.171.0 sends `thread-id` and `session-id`, both the thread id).
const CONVERSATION_HEADERS: [&str; 4] =
    ["thread-id", "session-id", "session_id", "conversation_id"];

/// One model request the scripted model routed to a conversation.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordedRequest {
    /// The index (in [`Scenario::conversations`](super::Scenario::conversations)) of the
    /// conversation script that served it.
    pub conversation: usize,
    /// The request body (`null` while
    /// [`ScriptedModel::keep_request_bodies`](crate::ScriptedModel::keep_request_bodies) is off).
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

/// The key that identifies the request's conversation: a conversation header, else the body's
/// `prompt_cache_key`, else the empty key (all such requests share one conversation).
pub(super) fn conversation_key(request: &http::Request, body: &Value) -> String {
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
pub(super) fn route(
    shared: &Shared,
    key: &str,
    body: Value,
) -> Result<(usize, usize, Reply), String> {
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
