//! [`Message`]: one JSON-RPC message as it crosses the wire: an enum of the four shapes, each
//! kept as the JSON it was.
//!
//! The app-server speaks JSON-RPC 2.0 in shape without the `"jsonrpc"` field, one object per line.
//! This layer only classifies messages (request, notification, response, error response); typed
//! params and results live in the session layer above, so fields a newer Codex adds pass through
//! untouched.

use std::fmt;

use serde::{Deserialize, Serialize};

pub use super::shapes::{ErrorResponse, Notification, Request, Response};
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
pub(crate) enum MessageKind {
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

/// One JSON-RPC message, by shape. Each variant keeps every field the message carried (e.g.
/// `emittedAtMs`), so what a newer Codex adds passes through and is recorded untouched; typed
/// params and results live in the session layer above.
#[derive(Debug, Clone, PartialEq)]
pub enum Message {
    /// `{id, method, params?}`: expects a response.
    Request(Request),
    /// `{method, params?}`: no response.
    Notification(Notification),
    /// `{id, result}`.
    Response(Response),
    /// `{id, error}`.
    ErrorResponse(ErrorResponse),
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
        Self::Request(Request { body })
    }

    /// A notification from this side.
    pub fn notification(method: &str, params: Option<Value>) -> Self {
        let mut body = Map::new();
        body.insert("method".into(), method.into());
        if let Some(params) = params {
            body.insert("params".into(), params);
        }
        Self::Notification(Notification { body })
    }

    /// A successful response.
    pub fn response(id: RequestId, result: Value) -> Self {
        let mut body = Map::new();
        body.insert("id".into(), id.into());
        body.insert("result".into(), result);
        Self::Response(Response { body })
    }

    /// An error response.
    pub fn error_response(id: RequestId, error: ErrorObject) -> Self {
        let mut object = Map::new();
        object.insert("code".into(), error.code.into());
        object.insert("message".into(), error.message.into());
        if let Some(data) = error.data {
            object.insert("data".into(), data);
        }
        let mut body = Map::new();
        body.insert("id".into(), id.into());
        body.insert("error".into(), Value::Object(object));
        Self::ErrorResponse(ErrorResponse { body })
    }

    /// Classifies a JSON value as a message.
    pub fn from_value(value: Value) -> Result<Self, InvalidMessage> {
        let kind = Self::classify(&value)?;
        let Value::Object(body) = value else {
            return Err(InvalidMessage(format!(
                "expected a JSON object, got {}",
                type_name(&value)
            )));
        };
        Ok(match kind {
            MessageKind::Request => Self::Request(Request { body }),
            MessageKind::Notification => Self::Notification(Notification { body }),
            MessageKind::Response if body.contains_key("error") => {
                Self::ErrorResponse(ErrorResponse { body })
            }
            MessageKind::Response => Self::Response(Response { body }),
        })
    }

    /// Which kind of message `value` is, or why it is none, without taking it.
    pub(crate) fn classify(value: &Value) -> Result<MessageKind, InvalidMessage> {
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
        // A map of JSON values always serialises.
        serde_json::to_string(self.body()).unwrap_or_default()
    }

    /// Request, response (either kind) or notification.
    pub(crate) fn kind(&self) -> MessageKind {
        match self {
            Self::Request(_) => MessageKind::Request,
            Self::Notification(_) => MessageKind::Notification,
            Self::Response(_) | Self::ErrorResponse(_) => MessageKind::Response,
        }
    }

    /// The id of a request or response.
    pub fn id(&self) -> Option<RequestId> {
        match self {
            Self::Request(r) => Some(r.id()),
            Self::Response(r) => Some(r.id()),
            Self::ErrorResponse(r) => Some(r.id()),
            Self::Notification(_) => None,
        }
    }

    /// The method of a request or notification.
    pub fn method(&self) -> Option<&str> {
        match self {
            Self::Request(r) => Some(r.method()),
            Self::Notification(n) => Some(n.method()),
            Self::Response(_) | Self::ErrorResponse(_) => None,
        }
    }

    /// The params of a request or notification (`Null` when absent or for a response).
    pub fn params(&self) -> &Value {
        match self {
            Self::Request(r) => r.params(),
            Self::Notification(n) => n.params(),
            Self::Response(_) | Self::ErrorResponse(_) => &Value::Null,
        }
    }

    /// The outcome of a response: its `result`, or its `error` object.
    pub fn outcome(&self) -> Option<Result<&Value, ErrorObject>> {
        match self {
            Self::Response(r) => Some(Ok(r.result())),
            Self::ErrorResponse(e) => Some(Err(e.error())),
            Self::Request(_) | Self::Notification(_) => None,
        }
    }

    /// The whole message as the JSON object that crossed the wire.
    pub fn body(&self) -> &Map<String, Value> {
        match self {
            Self::Request(Request { body })
            | Self::Notification(Notification { body })
            | Self::Response(Response { body })
            | Self::ErrorResponse(ErrorResponse { body }) => body,
        }
    }

    /// Consumes the message into its JSON object.
    pub fn into_body(self) -> Map<String, Value> {
        match self {
            Self::Request(Request { body })
            | Self::Notification(Notification { body })
            | Self::Response(Response { body })
            | Self::ErrorResponse(ErrorResponse { body }) => body,
        }
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
        let Message::ErrorResponse(error) = &resp else {
            panic!("not an error response: {resp:?}");
        };
        assert_eq!(error.error().code, -32600);
        assert_eq!(resp.outcome().unwrap().unwrap_err().message, "bad");
        let ok = Message::parse_line(r#"{"id":1,"result":{"x":1}}"#).unwrap();
        assert!(matches!(&ok, Message::Response(r) if r.result()["x"] == json!(1)));
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
        let error = Message::error_response(
            RequestId::Int(3),
            ErrorObject {
                code: -32601,
                message: "no".into(),
                data: None,
            },
        );
        assert_eq!(
            error.to_line(),
            r#"{"error":{"code":-32601,"message":"no"},"id":3}"#
        );
    }

    #[test]
    fn parts_move_out_of_requests_and_notifications() {
        let Message::Request(request) = Message::request(
            RequestId::Str("r".into()),
            "item/tool/call",
            Some(json!({"threadId": "t"})),
        ) else {
            panic!("not a request");
        };
        assert_eq!(request.method(), "item/tool/call");
        let (id, method, params) = request.into_parts();
        assert_eq!(
            (id, method.as_str(), params),
            (
                RequestId::Str("r".into()),
                "item/tool/call",
                json!({"threadId": "t"})
            )
        );
        let Message::Notification(note) = Message::notification("initialized", None) else {
            panic!("not a notification");
        };
        assert_eq!(note.into_parts(), ("initialized".to_owned(), Value::Null));
    }
}
