//! The client's side of any cassette, sent again as it was recorded: for cassettes recorded
//! through the stand-in by another client (the Python SDK, say), whose traffic the adapter would
//! not reproduce. Each recorded client message goes to a live Codex once what preceded it in the
//! recording has happened live (the answers to earlier requests, the server requests it answers,
//! turns started and completed); placeholders are filled with the live values the server's
//! answers bound, request ids are fresh.

use std::collections::{HashMap, VecDeque};
use std::path::Path;
use std::time::Duration;

use serde_json::Value;

use crate::cassette::{Bindings, Cassette, Entry, WORKSPACE};
use crate::transport::{ErrorObject, Message, RequestId, Transport};

/// The server notifications whose count orders the client's messages: a client sends its next
/// prompt after a turn completed, not after some number of deltas (which a new Codex may change).
const MILESTONES: &[&str] = &["thread/started", "turn/started", "turn/completed"];

/// How long one step may wait for the live server.
const STEP_LIMIT: Duration = Duration::from_secs(60);

/// The live server did not do what the recording says it did before the client's next message.
#[derive(Debug)]
pub(crate) struct RawClientError {
    /// The cassette line of the client message that could not be sent.
    pub(crate) line: usize,
    /// What went wrong.
    pub(crate) reason: String,
}

/// Sends the client side of `cassette` through `transport` (a recording around a live Codex),
/// with `workspace` standing for the recorded `{{workspace}}`, and returns once the server has
/// done everything the recording shows after the client's last message.
pub(crate) async fn send_client_side(
    cassette: &Cassette,
    transport: &mut dyn Transport,
    workspace: &Path,
) -> Result<(), RawClientError> {
    let mut client = RawClient::new(cassette);
    client
        .bindings
        .bind(WORKSPACE, &workspace.display().to_string());
    // The header's volatile placeholders, sent as values made to match their rules.
    super::volatile::bind_recorded(
        &cassette.header.volatile,
        super::volatile::client_texts(cassette)
            .iter()
            .map(String::as_str),
        &mut client.bindings,
    )
    .map_err(|reason| RawClientError { line: 1, reason })?;
    for (index, (line, entry)) in cassette.entries.iter().enumerate() {
        client.line = *line;
        match entry {
            Entry::S2c { conv, msg, .. } => client.expect(conv, msg),
            Entry::C2s { conv, msg, .. } => {
                client.catch_up(transport).await?;
                client.send(transport, conv, msg, index).await?;
            }
            Entry::Effects { .. } | Entry::Exit { .. } => {}
        }
    }
    client.catch_up(transport).await
}

struct RawClient<'a> {
    cassette: &'a Cassette,
    line: usize,
    bindings: Bindings,
    /// (conversation, recorded request id) -> the live id it was sent with.
    live_ids: HashMap<(String, String), i64>,
    next_id: i64,
    /// Live answers by live id, kept until bound.
    answered: HashMap<i64, Value>,
    /// Requests whose recorded answer came before the current point: their live answer must too.
    awaited: Vec<i64>,
    /// Milestone notifications recorded so far, and seen live.
    recorded: HashMap<&'static str, usize>,
    live: HashMap<&'static str, usize>,
    /// Server requests received live and not answered yet.
    server_requests: VecDeque<(RequestId, String, Value)>,
}

impl<'a> RawClient<'a> {
    fn new(cassette: &'a Cassette) -> Self {
        Self {
            cassette,
            line: 0,
            bindings: Bindings::default(),
            live_ids: HashMap::new(),
            next_id: 1,
            answered: HashMap::new(),
            awaited: Vec::new(),
            recorded: HashMap::new(),
            live: HashMap::new(),
            server_requests: VecDeque::new(),
        }
    }

    fn fail(&self, reason: String) -> RawClientError {
        RawClientError {
            line: self.line,
            reason,
        }
    }

    /// Notes what the recording shows the server doing at this point.
    fn expect(&mut self, conv: &str, msg: &Value) {
        match (msg.get("method").and_then(Value::as_str), msg.get("id")) {
            (Some(method), None) => {
                if let Some(milestone) = MILESTONES.iter().find(|m| **m == method) {
                    *self.recorded.entry(milestone).or_default() += 1;
                }
            }
            (None, Some(id)) => {
                if let Some(live) = self.live_ids.get(&(conv.to_owned(), id.to_string())) {
                    self.awaited.push(*live);
                }
            }
            _ => {}
        }
    }

    /// Reads the live server until it has done what the recording shows so far.
    async fn catch_up(&mut self, transport: &mut dyn Transport) -> Result<(), RawClientError> {
        loop {
            let missing = self.missing();
            let Some(waiting_for) = missing else {
                return Ok(());
            };
            self.receive(transport, &waiting_for).await?;
        }
    }

    /// What the live server has not done yet, if anything.
    fn missing(&self) -> Option<String> {
        if let Some(id) = self
            .awaited
            .iter()
            .find(|id| !self.answered.contains_key(id))
        {
            return Some(format!("the answer to request {id}"));
        }
        MILESTONES.iter().find_map(|milestone| {
            let recorded = self.recorded.get(milestone).copied().unwrap_or(0);
            let live = self.live.get(milestone).copied().unwrap_or(0);
            (live < recorded).then(|| format!("`{milestone}` number {recorded} (seen {live})"))
        })
    }

    async fn receive(
        &mut self,
        transport: &mut dyn Transport,
        waiting_for: &str,
    ) -> Result<(), RawClientError> {
        let received = tokio::time::timeout(STEP_LIMIT, transport.recv()).await;
        let message = match received {
            Err(_) => {
                return Err(self.fail(format!(
                    "waited {} s for {waiting_for} before the client's next message; the Codex \
                     being recorded does not do what the recording shows (its stderr: {})",
                    STEP_LIMIT.as_secs(),
                    transport.diagnostics().stderr_tail(5)
                )));
            }
            Ok(Err(err)) => return Err(self.fail(format!("the live server failed: {err}"))),
            Ok(Ok(None)) => {
                return Err(self.fail(format!(
                    "the live server closed its output while the client waited for {waiting_for} \
                     (its stderr: {})",
                    transport.diagnostics().stderr_tail(5)
                )));
            }
            Ok(Ok(Some(message))) => message,
        };
        match message {
            Message::Notification(notification) => {
                if let Some(milestone) = MILESTONES.iter().find(|m| **m == notification.method()) {
                    *self.live.entry(milestone).or_default() += 1;
                }
            }
            Message::Request(request) => {
                let (id, method, params) = request.into_parts();
                self.server_requests.push_back((id, method, params));
            }
            Message::Response(response) => {
                if let RequestId::Int(id) = response.id() {
                    self.answered.insert(id, response.into_result());
                }
            }
            Message::ErrorResponse(response) => {
                if let RequestId::Int(id) = response.id() {
                    let error = error_json(response.error());
                    self.answered
                        .insert(id, serde_json::json!({ "error": error }));
                }
            }
        }
        Ok(())
    }

    /// Sends the recorded client message `msg` (entry `index`) live.
    async fn send(
        &mut self,
        transport: &mut dyn Transport,
        conv: &str,
        msg: &Value,
        index: usize,
    ) -> Result<(), RawClientError> {
        self.bind_answers(conv);
        let method = msg.get("method").and_then(Value::as_str);
        let message = match (method, msg.get("id")) {
            (Some(method), Some(recorded_id)) => {
                let live = self.next_id;
                self.next_id += 1;
                self.live_ids
                    .insert((conv.to_owned(), recorded_id.to_string()), live);
                let params = self.fill(msg.get("params"))?;
                Message::request(RequestId::Int(live), method, params)
            }
            (Some(method), None) => Message::notification(method, self.fill(msg.get("params"))?),
            (None, Some(recorded_id)) => {
                self.answer(transport, conv, recorded_id, msg, index)
                    .await?
            }
            (None, None) => return Err(self.fail("a client message with no method or id".into())),
        };
        transport
            .send(message)
            .await
            .map_err(|err| self.fail(format!("could not send to the live server: {err}")))
    }

    /// The client's recorded answer to a server request, sent to the live request of the same
    /// method.
    async fn answer(
        &mut self,
        transport: &mut dyn Transport,
        conv: &str,
        recorded_id: &Value,
        msg: &Value,
        index: usize,
    ) -> Result<Message, RawClientError> {
        let asked =
            self.cassette.entries[..index]
                .iter()
                .rev()
                .find_map(|(_, entry)| match entry {
                    Entry::S2c { conv: c, msg, .. }
                        if c == conv && msg.get("id") == Some(recorded_id) =>
                    {
                        msg.get("method").and_then(Value::as_str).map(|m| (m, msg))
                    }
                    _ => None,
                });
        let Some((method, request)) = asked else {
            return Err(self.fail(format!(
                "the client answers request {recorded_id}, which the recording never shows the server asking"
            )));
        };
        let (live_id, params) = loop {
            let at = self
                .server_requests
                .iter()
                .position(|(_, m, _)| m == method);
            if let Some(at) = at {
                let (id, _, params) = self
                    .server_requests
                    .remove(at)
                    .unwrap_or_else(|| unreachable!("position found it"));
                break (id, params);
            }
            self.receive(transport, &format!("the server request `{method}`"))
                .await?;
        };
        if let Some(recorded) = request.get("params") {
            bind_ids(&mut self.bindings, recorded, &params);
        }
        if let Some(error) = msg.get("error") {
            let error: ErrorObject = serde_json::from_value(error.clone())
                .map_err(|err| self.fail(format!("a recorded error answer is malformed: {err}")))?;
            return Ok(Message::error_response(live_id, error));
        }
        let result = self.fill(msg.get("result"))?.unwrap_or(Value::Null);
        Ok(Message::response(live_id, result))
    }

    /// Binds the placeholders in the recorded answers of `conv` to the live answers' values.
    fn bind_answers(&mut self, conv: &str) {
        let entries = &self.cassette.entries;
        for (key, live_id) in &self.live_ids {
            if key.0 != conv {
                continue;
            }
            let Some(live) = self.answered.get(live_id) else {
                continue;
            };
            let recorded = entries.iter().find_map(|(_, entry)| match entry {
                Entry::S2c { conv: c, msg, .. }
                    if c == conv
                        && msg.get("method").is_none()
                        && msg.get("id").map(Value::to_string).as_ref() == Some(&key.1) =>
                {
                    msg.get("result")
                }
                _ => None,
            });
            if let Some(recorded) = recorded {
                bind_ids(&mut self.bindings, recorded, live);
            }
        }
    }

    /// The recorded `value` with its placeholders filled; a placeholder nothing live bound is an
    /// error naming it.
    fn fill(&mut self, value: Option<&Value>) -> Result<Option<Value>, RawClientError> {
        let Some(value) = value else { return Ok(None) };
        let mut value = value.clone();
        let mut unbound = Vec::new();
        self.bindings.fill(&mut value, &mut |placeholder| {
            unbound.push(placeholder.to_owned());
            placeholder.to_owned()
        });
        if let Some(placeholder) = unbound.first() {
            return Err(self.fail(format!(
                "the client sends {placeholder}, but no live answer bound it (the server's side \
                 differs from the recording before this line)"
            )));
        }
        Ok(Some(value))
    }
}

/// An error object as its JSON (`{code, message, data?}`, as it serialises), built directly.
fn error_json(error: ErrorObject) -> Value {
    let mut object = serde_json::Map::new();
    object.insert("code".to_owned(), Value::from(error.code));
    object.insert("message".to_owned(), Value::String(error.message));
    if let Some(data) = error.data {
        object.insert("data".to_owned(), data);
    }
    Value::Object(object)
}

/// Walks a recorded value and its live counterpart together, binding each id placeholder
/// (`{{name:N}}`) that stands alone in a recorded string to the live string there.
fn bind_ids(bindings: &mut Bindings, recorded: &Value, live: &Value) {
    match (recorded, live) {
        (Value::String(placeholder), Value::String(value)) => {
            let is_id = placeholder.starts_with("{{")
                && placeholder.ends_with("}}")
                && placeholder.contains(':')
                && placeholder.matches("{{").count() == 1;
            if is_id && bindings.get(placeholder).is_none() {
                bindings.bind(placeholder, value);
            }
        }
        (Value::Object(recorded), Value::Object(live)) => {
            for (key, child) in recorded {
                if let Some(other) = live.get(key) {
                    bind_ids(bindings, child, other);
                }
            }
        }
        (Value::Array(recorded), Value::Array(live)) => {
            for (child, other) in recorded.iter().zip(live) {
                bind_ids(bindings, child, other);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_error_object_as_json_is_its_serialisation() {
        for data in [None, Some(serde_json::json!({"why": "x"}))] {
            let error = ErrorObject {
                code: -32600,
                message: "no".to_owned(),
                data,
            };
            assert_eq!(
                error_json(error.clone()),
                serde_json::to_value(&error).unwrap()
            );
        }
    }

    #[test]
    fn an_id_placeholder_binds_to_the_live_value_in_the_same_place() {
        let mut bindings = Bindings::default();
        let recorded = serde_json::json!({"thread": {"id": "{{thread:1}}", "cwd": "{{workspace}}",
            "turns": [{"id": "{{turn:1}}"}], "path": "{{thread:1}}/x"}});
        let live = serde_json::json!({"thread": {"id": "t-live", "cwd": "/w",
            "turns": [{"id": "u-live"}], "path": "t-live/x"}});
        bind_ids(&mut bindings, &recorded, &live);
        assert_eq!(bindings.get("{{thread:1}}"), Some("t-live"));
        assert_eq!(bindings.get("{{turn:1}}"), Some("u-live"));
        assert_eq!(bindings.get("{{workspace}}"), None, "only ids bind");
    }

    #[test]
    fn a_placeholder_no_live_answer_bound_is_named_with_its_line() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("cassettes/single_turn.jsonl");
        let cassette = Cassette::load(&path, "").unwrap();
        let mut client = RawClient::new(&cassette);
        client.line = 7;
        let params = serde_json::json!({"threadId": "{{thread:1}}", "text": "hi"});
        let err = client.fill(Some(&params)).unwrap_err();
        assert_eq!(err.line, 7);
        assert!(
            err.reason
                .contains("the client sends {{thread:1}}, but no live answer bound it"),
            "{}",
            err.reason
        );
        client.bindings.bind("{{thread:1}}", "t-live");
        let filled = client.fill(Some(&params)).unwrap().unwrap();
        assert_eq!(filled["threadId"], "t-live");
    }
}
