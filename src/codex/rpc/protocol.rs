//! The typed subset of what the app-server sends that the adapter reads: method names, turn and
//! item notifications. The requests the client sends are in [`super::requests`].
//!
//! Unknown fields are ignored on the way in (checked against the pinned schema by the
//! conformance test `schema_subset`).

use serde::Deserialize;
use serde_json::Value;

/// Method names.
pub(crate) mod methods {
    /// Handshake request.
    pub(crate) const INITIALIZE: &str = "initialize";
    /// Handshake completion notification.
    pub(crate) const INITIALIZED: &str = "initialized";
    /// Start a conversation.
    pub(crate) const THREAD_START: &str = "thread/start";
    /// Start a turn on a conversation.
    pub(crate) const TURN_START: &str = "turn/start";
    /// Interrupt a running turn.
    pub(crate) const TURN_INTERRUPT: &str = "turn/interrupt";
    /// Release a conversation (the server unloads it once no client is subscribed).
    pub(crate) const THREAD_UNSUBSCRIBE: &str = "thread/unsubscribe";
    /// The threads loaded in the server's memory.
    pub(crate) const THREAD_LOADED_LIST: &str = "thread/loaded/list";
    /// A thread was unloaded (sent after `thread/unsubscribe` once the unload delay passed).
    pub(crate) const THREAD_CLOSED: &str = "thread/closed";
    /// A turn began (its id, before any item).
    pub(crate) const TURN_STARTED: &str = "turn/started";
    /// A turn ended (last message of a turn).
    pub(crate) const TURN_COMPLETED: &str = "turn/completed";
    /// An item began.
    pub(crate) const ITEM_STARTED: &str = "item/started";
    /// An item finished.
    pub(crate) const ITEM_COMPLETED: &str = "item/completed";
    /// An error during a turn.
    pub(crate) const ERROR: &str = "error";
    /// A server request was resolved.
    #[cfg(any(feature = "rerecord", test))]
    pub(crate) const SERVER_REQUEST_RESOLVED: &str = "serverRequest/resolved";
}

/// How a turn ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) enum TurnStatus {
    /// Finished normally.
    Completed,
    /// Failed (model error, ...).
    Failed,
    /// Stopped by `turn/interrupt`.
    Interrupted,
    /// Still running.
    InProgress,
    /// A status this adapter does not know.
    #[serde(other)]
    Unknown,
}

/// A turn's error.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct TurnError {
    /// Codex's message.
    #[serde(default)]
    pub message: String,
    /// Error category, e.g. `internalServerError` (a string or an object).
    #[serde(default)]
    pub codex_error_info: Option<Value>,
}

impl TurnError {
    /// The category as text.
    pub(crate) fn category(&self) -> Option<String> {
        match self.codex_error_info.as_ref()? {
            Value::String(s) => Some(s.clone()),
            Value::Null => None,
            Value::Object(map) => map.keys().next().cloned(),
            other => Some(other.to_string()),
        }
    }
}

/// The turn in `turn/completed`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct CompletedTurn {
    /// How it ended.
    pub status: TurnStatus,
    /// Why it failed, when it did.
    #[serde(default)]
    pub error: Option<TurnError>,
}

/// `turn/completed` params.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct TurnCompletedParams {
    /// The turn.
    pub turn: CompletedTurn,
}

/// `item/started` and `item/completed` params: the item (the thread and turn it names are
/// checked to be there, and routed by before).
#[derive(Debug, Clone)]
pub(crate) struct ItemParams {
    /// The item, kept as JSON (see [`crate::codex`]'s event folding).
    pub item: Value,
}

impl ItemParams {
    /// Takes an item notification's params apart, moving the item out (deserialising would
    /// rebuild its whole tree, and items are the bulk of a turn).
    pub(crate) fn from_params(params: Value) -> Result<Self, String> {
        let Value::Object(mut map) = params else {
            return Err(format!("the params are not an object: {params}"));
        };
        let mut text = |key: &str| match map.remove(key) {
            Some(Value::String(text)) => Ok(text),
            Some(other) => Err(format!("`{key}` is not a string: {other}")),
            None => Err(format!("missing field `{key}`")),
        };
        text("threadId")?;
        text("turnId")?;
        let item = map
            .remove("item")
            .ok_or_else(|| "missing field `item`".to_owned())?;
        Ok(Self { item })
    }
}

/// `error` notification params.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ErrorParams {
    /// The error.
    pub error: TurnError,
    /// Whether Codex will retry by itself.
    #[serde(default)]
    pub will_retry: bool,
}

/// The `turnId` of a notification's or request's params, if any.
pub(crate) fn turn_id_of(params: &Value) -> Option<&str> {
    params
        .get("turnId")
        .and_then(Value::as_str)
        .or_else(|| params.get("turn")?.get("id")?.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn tolerates_unknown_statuses_and_fields() {
        let done: TurnCompletedParams = serde_json::from_value(json!({
            "threadId": "t", "turn": {"id": "u", "status": "paused", "items": [], "newField": true}
        }))
        .unwrap();
        assert_eq!(done.turn.status, TurnStatus::Unknown);
    }

    #[test]
    fn item_params_are_taken_apart_or_refused_with_the_missing_field() {
        let params =
            json!({"threadId": "t", "turnId": "u", "item": {"type": "agentMessage", "text": "hi"}});
        let item = ItemParams::from_params(params).unwrap();
        assert_eq!(item.item["text"], json!("hi"));
        let err = ItemParams::from_params(json!({"threadId": "t", "item": {}})).unwrap_err();
        assert_eq!(err, "missing field `turnId`");
        let err =
            ItemParams::from_params(json!({"threadId": 1, "turnId": "u", "item": {}})).unwrap_err();
        assert_eq!(err, "`threadId` is not a string: 1");
        assert!(ItemParams::from_params(json!([1])).is_err());
    }
}
