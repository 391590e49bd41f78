//! The typed subset of the app-server protocol the adapter reads and writes.
//!
//! Unknown fields are ignored on the way in and nothing is sent that the pinned schema does not
//! list (checked by the conformance test `schema_subset`).

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Method names.
pub mod methods {
    /// Handshake request.
    pub const INITIALIZE: &str = "initialize";
    /// Handshake completion notification.
    pub const INITIALIZED: &str = "initialized";
    /// Start a conversation.
    pub const THREAD_START: &str = "thread/start";
    /// Start a turn on a conversation.
    pub const TURN_START: &str = "turn/start";
    /// Interrupt a running turn.
    pub const TURN_INTERRUPT: &str = "turn/interrupt";
    /// A turn began (its id, before any item).
    pub const TURN_STARTED: &str = "turn/started";
    /// A turn ended (last message of a turn).
    pub const TURN_COMPLETED: &str = "turn/completed";
    /// An item began.
    pub const ITEM_STARTED: &str = "item/started";
    /// An item finished.
    pub const ITEM_COMPLETED: &str = "item/completed";
    /// An error during a turn.
    pub const ERROR: &str = "error";
    /// A server request was resolved.
    pub const SERVER_REQUEST_RESOLVED: &str = "serverRequest/resolved";
}

/// `initialize` params.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct InitializeParams {
    /// Who we are.
    pub client_info: ClientInfo,
}

/// The client's name and version.
#[derive(Debug, Clone, Serialize)]
pub struct ClientInfo {
    /// Client name.
    pub name: String,
    /// Client version.
    pub version: String,
}

/// `initialize` result (the fields we use).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InitializeResult {
    /// e.g. `prompt-diary/0.163.0 (Debian 12.0.0; x86_64) ...`
    #[serde(default)]
    pub user_agent: String,
    /// The server's Codex home.
    #[serde(default)]
    pub codex_home: Option<String>,
}

impl InitializeResult {
    /// The Codex version in the user agent (`NAME/VERSION ...`).
    pub fn codex_version(&self) -> Option<&str> {
        let first = self.user_agent.split_whitespace().next()?;
        let (_, version) = first.split_once('/')?;
        (!version.is_empty()).then_some(version)
    }
}

/// `thread/start` params.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ThreadStartParams {
    /// The conversation's working directory.
    pub cwd: String,
    /// Model name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    /// Model provider id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub model_provider: Option<String>,
    /// `untrusted` | `on-request` | `never`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub approval_policy: Option<String>,
    /// `read-only` | `workspace-write` | `danger-full-access`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sandbox: Option<String>,
    /// Replaces the base instructions.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub base_instructions: Option<String>,
    /// Developer instructions.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub developer_instructions: Option<String>,
    /// `none` | `friendly` | `pragmatic`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub personality: Option<String>,
    /// Config overrides for this thread (e.g. `model_reasoning_effort`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub config: Option<Value>,
}

/// The thread id in a `thread/start` result (`result.thread.id`).
pub fn started_thread_id(result: &Value) -> Option<String> {
    result
        .pointer("/thread/id")
        .and_then(Value::as_str)
        .map(str::to_owned)
}

/// One input of a turn.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "type", rename_all = "camelCase")]
pub enum UserInput {
    /// Plain text.
    Text {
        /// The text.
        text: String,
    },
}

/// `turn/start` params.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TurnStartParams {
    /// The conversation.
    pub thread_id: String,
    /// The prompt.
    pub input: Vec<UserInput>,
    /// JSON Schema for the final message.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub output_schema: Option<Value>,
}

/// `turn/interrupt` params.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TurnInterruptParams {
    /// The conversation.
    pub thread_id: String,
    /// The turn to stop.
    pub turn_id: String,
}

/// The turn id in a `turn/start` result (`result.turn.id`).
pub fn started_turn_id(result: &Value) -> Option<String> {
    result
        .pointer("/turn/id")
        .and_then(Value::as_str)
        .map(str::to_owned)
}

/// How a turn ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum TurnStatus {
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
pub struct TurnError {
    /// Codex's message.
    #[serde(default)]
    pub message: String,
    /// Error category, e.g. `internalServerError` (a string or an object).
    #[serde(default)]
    pub codex_error_info: Option<Value>,
    /// More detail, when Codex has it.
    #[serde(default)]
    pub additional_details: Option<Value>,
}

impl TurnError {
    /// The category as text.
    pub fn category(&self) -> Option<String> {
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
pub struct CompletedTurn {
    /// Turn id.
    pub id: String,
    /// How it ended.
    pub status: TurnStatus,
    /// Why it failed, when it did.
    #[serde(default)]
    pub error: Option<TurnError>,
}

/// `turn/completed` params.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TurnCompletedParams {
    /// The conversation.
    pub thread_id: String,
    /// The turn.
    pub turn: CompletedTurn,
}

/// `item/started` and `item/completed` params.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ItemParams {
    /// The item, kept as JSON (see [`crate::integrations::codex_runner`]'s event folding).
    pub item: Value,
    /// The conversation.
    pub thread_id: String,
    /// The turn.
    pub turn_id: String,
}

impl ItemParams {
    /// Takes an item notification's params apart, moving the item out (deserialising would
    /// rebuild its whole tree, and items are the bulk of a turn).
    pub fn from_params(params: Value) -> Result<Self, String> {
        let Value::Object(mut map) = params else {
            return Err(format!("the params are not an object: {params}"));
        };
        let mut text = |key: &str| match map.remove(key) {
            Some(Value::String(text)) => Ok(text),
            Some(other) => Err(format!("`{key}` is not a string: {other}")),
            None => Err(format!("missing field `{key}`")),
        };
        let thread_id = text("threadId")?;
        let turn_id = text("turnId")?;
        let item = map
            .remove("item")
            .ok_or_else(|| "missing field `item`".to_owned())?;
        Ok(Self {
            item,
            thread_id,
            turn_id,
        })
    }
}

/// `error` notification params.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ErrorParams {
    /// The error.
    pub error: TurnError,
    /// Whether Codex will retry by itself.
    #[serde(default)]
    pub will_retry: bool,
    /// The conversation.
    pub thread_id: String,
    /// The turn.
    #[serde(default)]
    pub turn_id: String,
}

/// The `turnId` of a notification's or request's params, if any.
pub fn turn_id_of(params: &Value) -> Option<&str> {
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
    fn reads_the_codex_version_from_the_user_agent() {
        let result: InitializeResult = serde_json::from_value(json!({
            "userAgent": "prompt-diary/0.163.0 (Debian 12.0.0; x86_64) xterm",
            "codexHome": "/h", "platformOs": "linux", "somethingNew": 1
        }))
        .unwrap();
        assert_eq!(result.codex_version(), Some("0.163.0"));
    }

    #[test]
    fn tolerates_unknown_statuses_and_fields() {
        let done: TurnCompletedParams = serde_json::from_value(json!({
            "threadId": "t", "turn": {"id": "u", "status": "paused", "items": [], "newField": true}
        }))
        .unwrap();
        assert_eq!(done.turn.status, TurnStatus::Unknown);
    }

    #[test]
    fn thread_start_omits_unset_fields() {
        let params = ThreadStartParams {
            cwd: "/w".into(),
            sandbox: Some("read-only".into()),
            ..Default::default()
        };
        assert_eq!(
            serde_json::to_value(params).unwrap(),
            json!({"cwd": "/w", "sandbox": "read-only"})
        );
    }

    #[test]
    fn item_params_are_taken_apart_or_refused_with_the_missing_field() {
        let params =
            json!({"threadId": "t", "turnId": "u", "item": {"type": "agentMessage", "text": "hi"}});
        let item = ItemParams::from_params(params).unwrap();
        assert_eq!(
            (
                item.thread_id.as_str(),
                item.turn_id.as_str(),
                &item.item["text"]
            ),
            ("t", "u", &json!("hi"))
        );
        let err = ItemParams::from_params(json!({"threadId": "t", "item": {}})).unwrap_err();
        assert_eq!(err, "missing field `turnId`");
        let err =
            ItemParams::from_params(json!({"threadId": 1, "turnId": "u", "item": {}})).unwrap_err();
        assert_eq!(err, "`threadId` is not a string: 1");
        assert!(ItemParams::from_params(json!([1])).is_err());
    }
}
