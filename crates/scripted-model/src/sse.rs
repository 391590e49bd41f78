//! The Responses API streaming events for one scripted reply.
//!
//! Every id is derived from the conversation index and the reply's number within it
//! (`resp_0_1`, `msg_0_1`, `fc_0_1`, `call_0_1` for conversation 0's first reply), so a stream is
//! byte-for-byte the same on every run, and ids never collide between conversations.

use serde_json::{Value, json};

use crate::scenario::{Reply, Streaming};

/// The function name Codex (0.163.0 through 0.171.0) gives its shell tool (arguments
/// `{"cmd": "...", ...}`).
pub(crate) const SHELL_TOOL: &str = "exec_command";

/// The tool namespace under which Codex (0.163.0 through 0.171.0) offers the tools of MCP server
/// `server` (`mcp__<server>`, a `{"type": "namespace"}` entry of the request's `tools`); a call
/// names the namespace and the tool separately.
pub(crate) fn mcp_namespace(server: &str) -> String {
    format!("mcp__{server}")
}

/// The token usage every completed response reports.
const USAGE: (u64, u64) = (10, 5);

/// One `event: <type>` / `data: <json>` pair; `data` gets the `type` field too.
fn event(kind: &str, mut data: Value) -> String {
    if let Some(map) = data.as_object_mut() {
        map.insert("type".into(), Value::from(kind));
    }
    format!("event: {kind}\ndata: {data}\n\n")
}

/// The output item for a reply (`None` for replies that are not one item), its id suffixed with
/// `_i` for the `i`-th item of a multi-item response after the first.
fn output_item(reply: &Reply, conversation: usize, n: usize, i: usize) -> Option<Value> {
    let suffix = if i == 0 {
        String::new()
    } else {
        format!("_{i}")
    };
    let message = |text: String| {
        json!({
            "type": "message", "role": "assistant", "id": format!("msg_{conversation}_{n}{suffix}"),
            "content": [{"type": "output_text", "text": text, "annotations": []}]
        })
    };
    let call = |name: &str, arguments: &Value| {
        json!({
            "type": "function_call", "id": format!("fc_{conversation}_{n}{suffix}"),
            "call_id": format!("call_{conversation}_{n}{suffix}"),
            "name": name, "arguments": arguments.to_string()
        })
    };
    Some(match reply {
        Reply::Message { text } => message(text.clone()),
        Reply::Json { value } => message(value.to_string()),
        // `login: false`: no profile scripts, so a command's output does not depend on the machine.
        Reply::Shell { cmd } => call(SHELL_TOOL, &json!({ "cmd": cmd, "login": false })),
        // What real models send: no `login`, so Codex decides (a login shell, `bash -lc`).
        Reply::LoginShell { cmd } => call(SHELL_TOOL, &json!({ "cmd": cmd })),
        Reply::McpTool {
            server,
            tool,
            arguments,
        } => {
            let mut item = call(tool, arguments);
            item["namespace"] = Value::from(mcp_namespace(server));
            item
        }
        Reply::Reasoning { summary } => json!({
            "type": "reasoning", "id": format!("rs_{conversation}_{n}{suffix}"),
            "summary": [{"type": "summary_text", "text": summary}]
        }),
        Reply::WebSearch { query } => json!({
            "type": "web_search_call", "id": format!("ws_{conversation}_{n}{suffix}"),
            "status": "completed", "action": {"type": "search", "query": query}
        }),
        Reply::HttpError { .. } | Reply::Stall | Reply::Response { .. } => return None,
    })
}

/// `response.created`: the start of every stream.
pub(crate) fn created(conversation: usize, n: usize) -> String {
    event(
        "response.created",
        json!({ "response": { "id": format!("resp_{conversation}_{n}") } }),
    )
}

/// `text` in pieces of at most `size` characters.
fn pieces(text: &str, size: usize) -> Vec<String> {
    let chars: Vec<char> = text.chars().collect();
    chars
        .chunks(size.max(1))
        .map(|c| c.iter().collect())
        .collect()
}

/// The deltas of one item while it streams: message text, or a reasoning summary.
fn deltas(item: &Value, output_index: usize, size: usize) -> String {
    let id = item["id"].clone();
    let mut out = String::new();
    match item["type"].as_str() {
        Some("message") => {
            let text = item
                .pointer("/content/0/text")
                .and_then(Value::as_str)
                .unwrap_or("");
            for delta in pieces(text, size) {
                out.push_str(&event(
                    "response.output_text.delta",
                    json!({"item_id": id, "output_index": output_index, "content_index": 0, "delta": delta}),
                ));
            }
        }
        Some("reasoning") => {
            let text = item
                .pointer("/summary/0/text")
                .and_then(Value::as_str)
                .unwrap_or("");
            out.push_str(&event(
                "response.reasoning_summary_part.added",
                json!({"item_id": id, "output_index": output_index, "summary_index": 0,
                       "part": {"type": "summary_text", "text": ""}}),
            ));
            for delta in pieces(text, size) {
                out.push_str(&event(
                    "response.reasoning_summary_text.delta",
                    json!({"item_id": id, "output_index": output_index, "summary_index": 0, "delta": delta}),
                ));
            }
        }
        _ => {}
    }
    out
}

/// The rest of the stream for `reply`: each output item (added, deltas when `stream` asks for
/// them, done), then `response.completed` with the token usage.
pub(crate) fn body(reply: &Reply, conversation: usize, n: usize, stream: &Streaming) -> String {
    let items: Vec<&Reply> = match reply {
        Reply::Response { items } => items.iter().collect(),
        other => vec![other],
    };
    let mut out = String::new();
    for (index, item) in items.into_iter().enumerate() {
        let Some(item) = output_item(item, conversation, n, index) else {
            continue;
        };
        out.push_str(&event(
            "response.output_item.added",
            json!({ "output_index": index, "item": item }),
        ));
        if let Some(size) = stream.delta_chars {
            out.push_str(&deltas(&item, index, size));
        }
        out.push_str(&event(
            "response.output_item.done",
            json!({ "output_index": index, "item": item }),
        ));
    }
    let (input, output) = stream.usage.unwrap_or(USAGE);
    out.push_str(&event(
        "response.completed",
        json!({ "response": { "id": format!("resp_{conversation}_{n}"),
            "usage": { "input_tokens": input, "output_tokens": output, "total_tokens": input + output,
                       "input_tokens_details": { "cached_tokens": 0 },
                       "output_tokens_details": { "reasoning_tokens": 0 } } } }),
    ));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The arguments of the shell call a reply makes.
    fn arguments(reply: &str) -> Value {
        let reply: Reply = serde_json::from_str(reply).unwrap();
        let item = output_item(&reply, 0, 1, 0).unwrap();
        serde_json::from_str(item["arguments"].as_str().unwrap()).unwrap()
    }

    #[test]
    fn a_login_shell_call_leaves_login_out_as_real_models_do() {
        assert_eq!(
            arguments(r#"{"shell": "printf 42"}"#),
            json!({"cmd": "printf 42", "login": false})
        );
        assert_eq!(
            arguments(r#"{"login_shell": "printf 42"}"#),
            json!({"cmd": "printf 42"})
        );
    }
}
