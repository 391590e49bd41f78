//! The four shapes a [`Message`](super::Message) can have, each the JSON object it was, with
//! typed accessors for the fields JSON-RPC defines.

use serde::Deserialize;
use serde_json::{Map, Value};

use super::{ErrorObject, RequestId};

/// A request: an id, a method and its params.
#[derive(Debug, Clone, PartialEq)]
pub struct Request {
    pub(super) body: Map<String, Value>,
}

/// A notification: a method and its params.
#[derive(Debug, Clone, PartialEq)]
pub struct Notification {
    pub(super) body: Map<String, Value>,
}

/// A successful response: the id it answers and its result.
#[derive(Debug, Clone, PartialEq)]
pub struct Response {
    pub(super) body: Map<String, Value>,
}

/// An error response: the id it answers and its error object.
#[derive(Debug, Clone, PartialEq)]
pub struct ErrorResponse {
    pub(super) body: Map<String, Value>,
}

/// The id in a body that [`Message::classify`] accepted as having one.
fn id_of(body: &Map<String, Value>) -> Option<RequestId> {
    match body.get("id")? {
        Value::Number(n) => n.as_i64().map(RequestId::Int),
        Value::String(s) => Some(RequestId::Str(s.clone())),
        _ => None,
    }
}

fn method_of(body: &Map<String, Value>) -> &str {
    body.get("method")
        .and_then(Value::as_str)
        .unwrap_or_default()
}

/// Takes `method` and `params` out of a body without copying them.
fn take_call(mut body: Map<String, Value>) -> (String, Value) {
    let method = match body.remove("method") {
        Some(Value::String(method)) => method,
        _ => String::new(),
    };
    (method, body.remove("params").unwrap_or(Value::Null))
}

impl Request {
    /// Its id.
    pub fn id(&self) -> RequestId {
        id_of(&self.body).unwrap_or(RequestId::Int(0))
    }

    /// Its method.
    pub fn method(&self) -> &str {
        method_of(&self.body)
    }

    /// Its params (`Null` when absent).
    pub fn params(&self) -> &Value {
        self.body.get("params").unwrap_or(&Value::Null)
    }

    /// Id, method and params, moved out.
    pub fn into_parts(self) -> (RequestId, String, Value) {
        let id = self.id();
        let (method, params) = take_call(self.body);
        (id, method, params)
    }
}

impl Notification {
    /// Its method.
    pub fn method(&self) -> &str {
        method_of(&self.body)
    }

    /// Its params (`Null` when absent).
    pub fn params(&self) -> &Value {
        self.body.get("params").unwrap_or(&Value::Null)
    }

    /// Method and params, moved out.
    pub fn into_parts(self) -> (String, Value) {
        take_call(self.body)
    }
}

impl Response {
    /// The id of the request it answers.
    pub fn id(&self) -> RequestId {
        id_of(&self.body).unwrap_or(RequestId::Int(0))
    }

    /// Its result.
    pub fn result(&self) -> &Value {
        self.body.get("result").unwrap_or(&Value::Null)
    }

    /// The result, moved out.
    pub fn into_result(mut self) -> Value {
        self.body.remove("result").unwrap_or(Value::Null)
    }
}

impl ErrorResponse {
    /// The id of the request it answers.
    pub fn id(&self) -> RequestId {
        id_of(&self.body).unwrap_or(RequestId::Int(0))
    }

    /// Its error object; one that is not `{code, message, data?}` is read as code 0 with the
    /// whole value as its message.
    pub fn error(&self) -> ErrorObject {
        let raw = self.body.get("error").unwrap_or(&Value::Null);
        ErrorObject::deserialize(raw).unwrap_or_else(|_| ErrorObject {
            code: 0,
            message: raw.to_string(),
            data: None,
        })
    }
}
