//! Request ids as recorded: numbered per conversation, so a cassette does not depend on how many
//! requests other conversations sent first.

use std::collections::HashMap;

use serde_json::Value;

/// Request ids numbered per conversation: `{{req:n}}` for the client's, `{{sreq:n}}` for the
/// server's.
#[derive(Default)]
pub(super) struct RequestIds {
    client: HashMap<Value, String>,
    server: HashMap<Value, String>,
}

impl RequestIds {
    /// Replaces the id of `msg` (sent by the client when `c2s`) with its placeholder, and the
    /// server request a `serverRequest/resolved` names.
    pub(super) fn rewrite(&mut self, c2s: bool, msg: &mut Value) {
        let Some(map) = msg.as_object_mut() else {
            return;
        };
        let Some(id) = map.get("id").cloned() else {
            // `serverRequest/resolved` names a server request id.
            if let Some(request) = map.get_mut("params").and_then(|p| p.get_mut("requestId")) {
                if let Some(placeholder) = self.server.get(request) {
                    *request = Value::from(placeholder.clone());
                }
            }
            return;
        };
        let is_request = map.contains_key("method");
        // Requests from the client and their responses share the client's id space.
        let client_space = is_request == c2s;
        let table = if client_space {
            &mut self.client
        } else {
            &mut self.server
        };
        let kind = if client_space { "req" } else { "sreq" };
        let next = table.len() + 1;
        let placeholder = table
            .entry(id)
            .or_insert_with(|| format!("{{{{{kind}:{next}}}}}"))
            .clone();
        map.insert("id".into(), Value::from(placeholder));
    }
}
