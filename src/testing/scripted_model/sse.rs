//! The Responses API streaming events for one scripted reply.

use serde_json::{Value, json};

use super::scenario::Reply;

/// The function name Codex 0.163.0 gives its shell tool.
pub const SHELL_TOOL: &str = "exec_command";

/// The tool namespace under which Codex 0.163.0 offers the tools of MCP server `server`.
pub fn mcp_namespace(server: &str) -> String {
    format!("mcp__{server}")
}

/// One `event: <type>` / `data: <json>` pair.
fn event(kind: &str, mut data: Value) -> String {
    if let Some(map) = data.as_object_mut() {
        map.insert("type".into(), Value::from(kind));
    }
    format!("event: {kind}\ndata: {data}\n\n")
}

/// The output item for a reply (`None` for replies that are not streams).
fn output_item(reply: &Reply, conversation: usize, n: usize) -> Option<Value> {
    let message = |text: String| {
        json!({
            "type": "message", "role": "assistant", "id": format!("msg_{conversation}_{n}"),
            "content": [{"type": "output_text", "text": text, "annotations": []}]
        })
    };
    let call = |name: String, arguments: Value| {
        json!({
            "type": "function_call", "id": format!("fc_{conversation}_{n}"), "call_id": format!("call_{conversation}_{n}"),
            "name": name, "arguments": arguments.to_string()
        })
    };
    Some(match reply {
        Reply::Message(text) => message(text.clone()),
        Reply::Json(value) => message(value.to_string()),
        // `login: false`: no profile scripts, so output does not depend on the machine.
        Reply::Shell(cmd) => call(SHELL_TOOL.to_owned(), json!({ "cmd": cmd, "login": false })),
        Reply::McpTool {
            server,
            tool,
            arguments,
        } => {
            // Codex offers MCP tools as a `namespace` tool (`mcp__<server>`) holding the server's
            // tools; a call names both.
            let mut item = call(tool.clone(), arguments.clone());
            item["namespace"] = Value::from(mcp_namespace(server));
            item
        }
        Reply::HttpError { .. } | Reply::Stall(_) => return None,
    })
}

/// The start of every stream.
pub fn created(conversation: usize, n: usize) -> String {
    event(
        "response.created",
        json!({ "response": { "id": format!("resp_{conversation}_{n}") } }),
    )
}

/// The rest of the stream for `reply`: the item, then completion.
pub fn body(reply: &Reply, conversation: usize, n: usize) -> String {
    let mut out = String::new();
    if let Some(item) = output_item(reply, conversation, n) {
        out.push_str(&event(
            "response.output_item.added",
            json!({ "output_index": 0, "item": item }),
        ));
        out.push_str(&event(
            "response.output_item.done",
            json!({ "output_index": 0, "item": item }),
        ));
    }
    out.push_str(&event(
        "response.completed",
        json!({ "response": { "id": format!("resp_{conversation}_{n}"),
            "usage": { "input_tokens": 10, "output_tokens": 5, "total_tokens": 15,
                       "input_tokens_details": { "cached_tokens": 0 }, "output_tokens_details": { "reasoning_tokens": 0 } } } }),
    ));
    out
}
