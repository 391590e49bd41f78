//! [`Message`]: one JSON-RPC message as it crosses the wire, kept as JSON.
//!
//! The app-server speaks JSON-RPC 2.0 in shape without the `"jsonrpc"` field, one object per line.
//! This layer only classifies messages (request, response, notification); typed params live in
//! the session layer above, so fields a newer Codex adds pass through untouched.

use std::fmt;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// A JSON-RPC request id: the app-server uses integers, other peers may use strings.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(untagged)]
pub enum RequestId {
    /// An integer id.
    Int(i64),
    /// A string id.
    Str(String),
}

impl fmt::Display for RequestId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Int(n) => write!(f, "{n}"),
            Self::Str(s) => write!(f, "{s:?}"),
        }
    }
}

impl From<RequestId> for Value {
    fn from(id: RequestId) -> Value {
        match id {
            RequestId::Int(n) => Value::from(n),
            RequestId::Str(s) => Value::from(s),
        }
    }
}

/// Which of the three JSON-RPC shapes a [`Message`] has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MessageKind {
    /// `{id, method, params?}`: expects a response.
    Request,
    /// `{id, result}` or `{id, error}`.
    Response,
    /// `{method, params?}`: no response.
    Notification,
}

/// The error object of an error response.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ErrorObject {
    /// The JSON-RPC error code (the app-server uses `-32600` for invalid requests).
    pub code: i64,
    /// A readable message.
    pub message: String,
    /// Extra data, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data: Option<Value>,
}

/// Why a line is not a JSON-RPC message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct InvalidMessage(String);

/// One JSON-RPC message, classified, with every field it carried (e.g. `emittedAtMs`) kept.
#[derive(Debug, Clone, PartialEq)]
pub struct Message {
    kind: MessageKind,
    body: Map<String, Value>,
}

impl Message {
    /// A request from this side.
    pub fn request(id: RequestId, method: &str, params: Option<Value>) -> Self {
        let mut body = Map::new();
        body.insert("id".into(), id.into());
        body.insert("method".into(), method.into());
        if let Some(params) = params {
            body.insert("params".into(), params);
        }
        Self {
            kind: MessageKind::Request,
            body,
        }
    }

    /// A notification from this side.
    pub fn notification(method: &str, params: Option<Value>) -> Self {
        let mut body = Map::new();
        body.insert("method".into(), method.into());
        if let Some(params) = params {
            body.insert("params".into(), params);
        }
        Self {
            kind: MessageKind::Notification,
            body,
        }
    }

    /// A successful response.
    pub fn response(id: RequestId, result: Value) -> Self {
        let mut body = Map::new();
        body.insert("id".into(), id.into());
        body.insert("result".into(), result);
        Self {
            kind: MessageKind::Response,
            body,
        }
    }

    /// An error response.
    pub fn error_response(id: RequestId, error: ErrorObject) -> Self {
        let mut body = Map::new();
        body.insert("id".into(), id.into());
        body.insert(
            "error".into(),
            serde_json::to_value(error).unwrap_or(Value::Null),
        );
        Self {
            kind: MessageKind::Response,
            body,
        }
    }

    /// Classifies a JSON value as a message.
    pub fn from_value(value: Value) -> Result<Self, InvalidMessage> {
        let kind = Self::classify(&value)?;
        match value {
            Value::Object(body) => Ok(Self { kind, body }),
            other => Err(InvalidMessage(format!(
                "expected a JSON object, got {}",
                type_name(&other)
            ))),
        }
    }

    /// Which kind of message `value` is, or why it is none, without taking it.
    pub fn classify(value: &Value) -> Result<MessageKind, InvalidMessage> {
        let Value::Object(body) = value else {
            return Err(InvalidMessage(format!(
                "expected a JSON object, got {}",
                type_name(value)
            )));
        };
        let id = body.get("id");
        let method = body.get("method");
        let kind = match (id.is_some(), method) {
            (true, Some(Value::String(_))) => MessageKind::Request,
            (false, Some(Value::String(_))) => MessageKind::Notification,
            (_, Some(other)) => {
                return Err(InvalidMessage(format!(
                    "`method` must be a string, got {}",
                    type_name(other)
                )));
            }
            (true, None) if body.contains_key("result") || body.contains_key("error") => {
                MessageKind::Response
            }
            (true, None) => {
                return Err(InvalidMessage(
                    "a response needs `result` or `error`".into(),
                ));
            }
            (false, None) => {
                return Err(InvalidMessage(
                    "neither `method` nor `id`: not a JSON-RPC message".into(),
                ));
            }
        };
        match id {
            None | Some(Value::String(_)) => {}
            Some(Value::Number(n)) if n.is_i64() => {}
            Some(other) => {
                return Err(InvalidMessage(format!(
                    "`id` must be an integer or a string, got {other}"
                )));
            }
        }
        Ok(kind)
    }

    /// Parses one line of the wire.
    pub fn parse_line(line: &str) -> Result<Self, InvalidMessage> {
        let value: Value =
            serde_json::from_str(line).map_err(|err| InvalidMessage(format!("not JSON: {err}")))?;
        Self::from_value(value)
    }

    /// The message as one line of compact JSON, without the newline.
    pub fn to_line(&self) -> String {
        serde_json::to_string(&self.body).unwrap_or_default()
    }

    /// Request, response or notification.
    pub fn kind(&self) -> MessageKind {
        self.kind
    }

    /// The id of a request or response.
    pub fn id(&self) -> Option<RequestId> {
        match self.body.get("id")? {
            Value::Number(n) => n.as_i64().map(RequestId::Int),
            Value::String(s) => Some(RequestId::Str(s.clone())),
            _ => None,
        }
    }

    /// The method of a request or notification.
    pub fn method(&self) -> Option<&str> {
        self.body.get("method").and_then(Value::as_str)
    }

    /// The params of a request or notification (`Null` when absent).
    pub fn params(&self) -> &Value {
        self.body.get("params").unwrap_or(&Value::Null)
    }

    /// The outcome of a response: its `result`, or its `error` object.
    pub fn outcome(&self) -> Option<Result<&Value, ErrorObject>> {
        if self.kind != MessageKind::Response {
            return None;
        }
        if let Some(error) = self.body.get("error") {
            let parsed =
                serde_json::from_value::<ErrorObject>(error.clone()).unwrap_or_else(|_| {
                    ErrorObject {
                        code: 0,
                        message: error.to_string(),
                        data: None,
                    }
                });
            return Some(Err(parsed));
        }
        Some(Ok(self.body.get("result").unwrap_or(&Value::Null)))
    }

    /// The whole message as a JSON object.
    pub fn body(&self) -> &Map<String, Value> {
        &self.body
    }

    /// Consumes the message into its JSON object.
    pub fn into_body(self) -> Map<String, Value> {
        self.body
    }
}

fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn classifies_the_three_shapes_and_keeps_extra_fields() {
        let note = Message::parse_line(
            r#"{"method":"turn/started","params":{"threadId":"t"},"emittedAtMs":5}"#,
        )
        .unwrap();
        assert_eq!(note.kind(), MessageKind::Notification);
        assert_eq!(note.body()["emittedAtMs"], json!(5));
        let req = Message::parse_line(r#"{"id":0,"method":"item/tool/call","params":{}}"#).unwrap();
        assert_eq!(req.kind(), MessageKind::Request);
        assert_eq!(req.id(), Some(RequestId::Int(0)));
        let resp =
            Message::parse_line(r#"{"id":"a","error":{"code":-32600,"message":"bad"}}"#).unwrap();
        assert_eq!(resp.outcome().unwrap().unwrap_err().message, "bad");
    }

    #[test]
    fn rejects_what_is_not_a_message_with_the_reason() {
        let cases = [
            ("[1,2]", "expected a JSON object, got an array"),
            (r#"{"x":1}"#, "neither `method` nor `id`"),
            (r#"{"id":1}"#, "needs `result` or `error`"),
            (
                r#"{"id":true,"result":1}"#,
                "`id` must be an integer or a string",
            ),
            (r#"{"method":3}"#, "`method` must be a string"),
            ("{not json", "not JSON"),
        ];
        for (line, expected) in cases {
            let err = Message::parse_line(line).unwrap_err().to_string();
            assert!(err.contains(expected), "{line}: {err}");
        }
    }

    #[test]
    fn round_trips_through_a_line() {
        let msg = Message::request(
            RequestId::Int(7),
            "thread/start",
            Some(json!({"cwd": "/w"})),
        );
        assert_eq!(
            msg.to_line(),
            r#"{"id":7,"method":"thread/start","params":{"cwd":"/w"}}"#
        );
        assert_eq!(Message::parse_line(&msg.to_line()).unwrap(), msg);
    }
}
