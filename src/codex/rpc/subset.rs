//! The typed subset, held against a protocol schema: every method the adapter sends or reads,
//! and every params field it sends, must exist in `codex app-server generate-json-schema`'s
//! output, and every server request in it must have an answer here.

use std::path::Path;

use serde_json::Value;

use super::protocol::methods;
use super::requests::{
    THREAD_LOADED_LIST_FIELDS, THREAD_START_FIELDS, THREAD_UNSUBSCRIBE_FIELDS,
    TURN_INTERRUPT_FIELDS, TURN_START_FIELDS,
};
use super::server_requests;

/// The client requests the adapter sends.
pub(crate) const CLIENT_REQUESTS: &[&str] = &[
    methods::INITIALIZE,
    methods::THREAD_START,
    methods::TURN_START,
    methods::TURN_INTERRUPT,
    methods::THREAD_UNSUBSCRIBE,
    methods::THREAD_LOADED_LIST,
];

/// The server notifications the adapter reads.
pub(crate) const SERVER_NOTIFICATIONS: &[&str] = &[
    methods::TURN_COMPLETED,
    methods::TURN_STARTED,
    methods::ITEM_STARTED,
    methods::ITEM_COMPLETED,
    methods::ERROR,
    methods::SERVER_REQUEST_RESOLVED,
    methods::THREAD_CLOSED,
];

/// What in the schema folder `dir` the typed subset does not find, one line each (empty when the
/// subset holds).
pub(crate) fn problems(dir: &Path) -> Vec<String> {
    let mut found = Vec::new();
    let mut load = |name: &str| match std::fs::read_to_string(dir.join(name))
        .map_err(|err| err.to_string())
        .and_then(|text| serde_json::from_str::<Value>(&text).map_err(|err| err.to_string()))
    {
        Ok(value) => value,
        Err(err) => {
            found.push(format!("{name}: cannot be read: {err}"));
            Value::Null
        }
    };
    let requests = method_names(&load("ClientRequest.json"));
    let notifications = method_names(&load("ServerNotification.json"));
    let server_requests = method_names(&load("ServerRequest.json"));
    let definitions = load("codex_app_server_protocol.v2.schemas.json")["definitions"].clone();
    for method in CLIENT_REQUESTS {
        if !requests.iter().any(|m| m == method) {
            found.push(format!("{method} missing from ClientRequest.json"));
        }
    }
    for method in SERVER_NOTIFICATIONS {
        if !notifications.iter().any(|m| m == method) {
            found.push(format!("{method} missing from ServerNotification.json"));
        }
    }
    for (params, fields) in [
        ("ThreadStartParams", THREAD_START_FIELDS),
        ("TurnStartParams", TURN_START_FIELDS),
        ("TurnInterruptParams", TURN_INTERRUPT_FIELDS),
        ("ThreadUnsubscribeParams", THREAD_UNSUBSCRIBE_FIELDS),
        ("ThreadLoadedListParams", THREAD_LOADED_LIST_FIELDS),
    ] {
        let known = definitions[params]["properties"].as_object();
        for field in fields {
            if !known.is_some_and(|props| props.contains_key(*field)) {
                found.push(format!("{params} lacks {field}"));
            }
        }
    }
    for method in server_requests {
        if let Err(error) = server_requests::fail_closed(&method, &Value::Null) {
            if !error.message.contains("cannot answer") {
                found.push(format!("{method} is not handled: {}", error.message));
            }
        }
    }
    found
}

/// The method names of a `oneOf` schema of messages.
fn method_names(schema: &Value) -> Vec<String> {
    schema["oneOf"]
        .as_array()
        .map(|variants| {
            variants
                .iter()
                .filter_map(|variant| {
                    variant
                        .pointer("/properties/method/enum/0")
                        .and_then(Value::as_str)
                        .map(str::to_owned)
                })
                .collect()
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn write(dir: &Path, name: &str, value: Value) {
        std::fs::write(dir.join(name), value.to_string()).unwrap();
    }

    fn one_of(methods: &[&str]) -> Value {
        json!({"oneOf": methods.iter().map(|m| json!({"properties": {"method": {"enum": [m]}}})).collect::<Vec<_>>()})
    }

    #[test]
    fn a_missing_method_or_field_is_named() {
        let dir = tempfile::tempdir().unwrap();
        write(
            dir.path(),
            "ClientRequest.json",
            one_of(&[
                "initialize",
                "thread/start",
                "turn/start",
                "thread/unsubscribe",
                "thread/loaded/list",
            ]),
        );
        write(
            dir.path(),
            "ServerNotification.json",
            one_of(SERVER_NOTIFICATIONS),
        );
        write(dir.path(), "ServerRequest.json", one_of(&[]));
        let props = |fields: &[&str]| json!({"properties": fields.iter().map(|f| ((*f).to_owned(), json!({}))).collect::<serde_json::Map<_, _>>()});
        write(
            dir.path(),
            "codex_app_server_protocol.v2.schemas.json",
            json!({"definitions": {
                "ThreadStartParams": props(&THREAD_START_FIELDS[1..]),
                "TurnStartParams": props(TURN_START_FIELDS),
                "TurnInterruptParams": props(TURN_INTERRUPT_FIELDS),
                "ThreadUnsubscribeParams": props(THREAD_UNSUBSCRIBE_FIELDS),
                "ThreadLoadedListParams": props(THREAD_LOADED_LIST_FIELDS),
            }}),
        );
        assert_eq!(
            problems(dir.path()),
            [
                "turn/interrupt missing from ClientRequest.json",
                "ThreadStartParams lacks cwd"
            ]
        );
    }
}
