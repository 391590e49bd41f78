//! The requests the client sends, typed: each is a [`ClientRequest`] naming its method, its
//! params and its result, in the manner of rust-analyzer's `lsp-server`. The session
//! ([`RpcSession::call`](super::RpcSession::call)) encodes the params and decodes the result, so a
//! malformed answer is a typed error naming the method, never a silent default.

use serde::de::{DeserializeOwned, IgnoredAny};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::protocol::methods;

/// A request the client sends: its method name, and the types of its params and result.
pub trait ClientRequest {
    /// The JSON-RPC method.
    const METHOD: &'static str;
    /// What is sent.
    type Params: Serialize;
    /// What the answer's `result` is read as (unknown fields ignored).
    type Result: DeserializeOwned;
}

/// `initialize`: the handshake.
pub(crate) enum Initialize {}

impl ClientRequest for Initialize {
    const METHOD: &'static str = methods::INITIALIZE;
    type Params = InitializeParams;
    type Result = InitializeResult;
}

/// `thread/start`: a new conversation.
pub(crate) enum ThreadStart {}

impl ClientRequest for ThreadStart {
    const METHOD: &'static str = methods::THREAD_START;
    type Params = ThreadStartParams;
    type Result = ThreadStartResult;
}

/// `turn/start`: a turn on a conversation.
pub(crate) enum TurnStart {}

impl ClientRequest for TurnStart {
    const METHOD: &'static str = methods::TURN_START;
    type Params = TurnStartParams;
    type Result = TurnStartResult;
}

/// `turn/interrupt`: stop a running turn (its answer carries nothing the adapter reads).
pub(crate) enum TurnInterrupt {}

impl ClientRequest for TurnInterrupt {
    const METHOD: &'static str = methods::TURN_INTERRUPT;
    type Params = TurnInterruptParams;
    type Result = IgnoredAny;
}

/// `thread/unsubscribe`: release a conversation.
pub(crate) enum ThreadUnsubscribe {}

impl ClientRequest for ThreadUnsubscribe {
    const METHOD: &'static str = methods::THREAD_UNSUBSCRIBE;
    type Params = ThreadRefParams;
    type Result = ThreadUnsubscribeResult;
}

/// `thread/loaded/list`: the threads loaded in memory, a page at a time.
pub(crate) enum ThreadLoadedList {}

impl ClientRequest for ThreadLoadedList {
    const METHOD: &'static str = methods::THREAD_LOADED_LIST;
    type Params = ThreadLoadedListParams;
    type Result = ThreadLoadedListResult;
}

/// The `thread/unsubscribe` fields the adapter sends, as named on the wire.
#[cfg(any(feature = "rerecord", test))]
pub(crate) const THREAD_UNSUBSCRIBE_FIELDS: &[&str] = &["threadId"];

/// The `thread/loaded/list` fields the adapter sends, as named on the wire.
#[cfg(any(feature = "rerecord", test))]
pub(crate) const THREAD_LOADED_LIST_FIELDS: &[&str] = &["cursor"];

/// Params naming one thread (`thread/unsubscribe`).
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ThreadRefParams {
    /// The conversation.
    pub thread_id: String,
}

/// `thread/unsubscribe` result: `unsubscribed`, `notSubscribed` or `notLoaded`.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct ThreadUnsubscribeResult {
    /// What the server did.
    pub status: String,
}

/// `thread/loaded/list` params.
#[derive(Debug, Clone, Default, Serialize)]
pub(crate) struct ThreadLoadedListParams {
    /// The cursor of the next page, after the first.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cursor: Option<String>,
}

/// `thread/loaded/list` result.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ThreadLoadedListResult {
    /// Thread ids loaded in memory.
    pub data: Vec<String>,
    /// More pages when set.
    #[serde(default)]
    pub next_cursor: Option<String>,
}

/// The `thread/start` fields the adapter may send, as named on the wire: the one table the
/// adapter's params, the cassette reader (`rerecord`) and the schema test share.
/// A unit test checks it against [`ThreadStartParams`] itself.
#[cfg(any(feature = "rerecord", test))]
pub(crate) const THREAD_START_FIELDS: &[&str] = &[
    "cwd",
    "model",
    "modelProvider",
    "approvalPolicy",
    "sandbox",
    "baseInstructions",
    "developerInstructions",
    "personality",
    "config",
];

/// The `turn/start` fields the adapter sends, as named on the wire.
#[cfg(any(feature = "rerecord", test))]
pub(crate) const TURN_START_FIELDS: &[&str] = &["threadId", "input", "outputSchema"];

/// The `turn/interrupt` fields the adapter sends, as named on the wire.
#[cfg(any(feature = "rerecord", test))]
pub(crate) const TURN_INTERRUPT_FIELDS: &[&str] = &["threadId", "turnId"];

/// `initialize` params.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct InitializeParams {
    /// Who we are.
    pub client_info: ClientInfo,
}

/// The client's name and version.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct ClientInfo {
    /// Client name.
    pub name: String,
    /// Client version.
    pub version: String,
}

/// `initialize` result (the fields we use).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct InitializeResult {
    /// e.g. `prompt-diary/0.171.0 (Debian 12.0.0; x86_64) ...`
    #[serde(default)]
    pub user_agent: String,
}

impl InitializeResult {
    /// The Codex version in the user agent (`NAME/VERSION ...`).
    pub(crate) fn codex_version(&self) -> Option<&str> {
        let first = self.user_agent.split_whitespace().next()?;
        let (_, version) = first.split_once('/')?;
        (!version.is_empty()).then_some(version)
    }
}

/// `thread/start` params: the conversation's settings. Read back from cassettes too, where a
/// field the adapter never sends is refused (`deny_unknown_fields`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct ThreadStartParams {
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
pub(crate) fn started_thread_id(result: &Value) -> Option<String> {
    result
        .pointer("/thread/id")
        .and_then(Value::as_str)
        .map(str::to_owned)
}

/// One input of a turn.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "camelCase")]
pub(crate) enum UserInput {
    /// Plain text.
    Text {
        /// The text.
        text: String,
    },
}

/// `turn/start` params.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct TurnStartParams {
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
pub(crate) struct TurnInterruptParams {
    /// The conversation.
    pub thread_id: String,
    /// The turn to stop.
    pub turn_id: String,
}

/// A thread or turn, by id.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub(crate) struct Ref {
    /// Its id.
    pub id: String,
}

/// `thread/start` result (the fields the adapter reads).
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct ThreadStartResult {
    /// The new thread.
    pub thread: Ref,
}

/// `turn/start` result (the fields the adapter reads).
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct TurnStartResult {
    /// The new turn.
    pub turn: Ref,
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
    fn the_field_tables_are_the_params_types_fields() {
        let keys = |value: Value| {
            let mut keys: Vec<String> = value.as_object().unwrap().keys().cloned().collect();
            keys.sort();
            keys
        };
        let sorted = |fields: &[&str]| {
            let mut fields: Vec<String> = fields.iter().map(|f| (*f).to_owned()).collect();
            fields.sort();
            fields
        };
        let full = ThreadStartParams {
            cwd: "/w".into(),
            model: Some("m".into()),
            model_provider: Some("p".into()),
            approval_policy: Some("never".into()),
            sandbox: Some("read-only".into()),
            base_instructions: Some("b".into()),
            developer_instructions: Some("d".into()),
            personality: Some("none".into()),
            config: Some(json!({})),
        };
        assert_eq!(
            keys(serde_json::to_value(&full).unwrap()),
            sorted(THREAD_START_FIELDS)
        );
        let turn = TurnStartParams {
            thread_id: "t".into(),
            input: vec![UserInput::Text { text: "hi".into() }],
            output_schema: Some(json!({})),
        };
        assert_eq!(
            keys(serde_json::to_value(&turn).unwrap()),
            sorted(TURN_START_FIELDS)
        );
        let interrupt = TurnInterruptParams {
            thread_id: "t".into(),
            turn_id: "u".into(),
        };
        assert_eq!(
            keys(serde_json::to_value(&interrupt).unwrap()),
            sorted(TURN_INTERRUPT_FIELDS)
        );
    }

    #[test]
    fn a_thread_start_field_the_adapter_never_sends_is_refused_by_name() {
        let err =
            serde_json::from_value::<ThreadStartParams>(json!({"cwd": "/w", "ephemeral": true}))
                .unwrap_err()
                .to_string();
        assert!(err.contains("unknown field `ephemeral`"), "{err}");
    }

    #[test]
    fn results_are_read_with_unknown_fields_ignored() {
        let started: TurnStartResult =
            serde_json::from_value(json!({"turn": {"id": "u", "items": [], "new": 1}})).unwrap();
        assert_eq!(started.turn.id, "u");
        assert!(serde_json::from_value::<ThreadStartResult>(json!({"thread": {}})).is_err());
    }
}
