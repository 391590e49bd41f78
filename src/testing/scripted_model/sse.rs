//! The Responses API streaming events for one scripted reply.
//!
//! Every id is derived from the conversation index and the reply's number within it
//! (`resp_0_1`, `msg_0_1`, `fc_0_1`, `call_0_1` for conversation 0's first reply), so a stream is
//! byte-for-byte the same on every run, and ids never collide between conversations.

use serde_json::{Value, json};

use super::scenario::Reply;

/// The function name Codex 0.163.0 gives its shell tool (arguments `{"cmd": "...", ...}`).
pub const SHELL_TOOL: &str = "exec_command";

/// The tool namespace under which Codex 0.163.0 offers the tools of MCP server `server`
/// (`mcp__<server>`, a `{"type": "namespace"}` entry of the request's `tools`); a call names the
/// namespace and the tool separately.
pub fn mcp_namespace(server: &str) -> String {
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

/// The output item for a reply (`None` for replies that are not streams).
fn output_item(reply: &Reply, conversation: usize, n: usize) -> Option<Value> {
    let message = |text: String| {
        json!({
            "type": "message", "role": "assistant", "id": format!("msg_{conversation}_{n}"),
            "content": [{"type": "output_text", "text": text, "annotations": []}]
        })
    };
    let call = |name: &str, arguments: &Value| {
        json!({
            "type": "function_call", "id": format!("fc_{conversation}_{n}"),
            "call_id": format!("call_{conversation}_{n}"),
            "name": name, "arguments": arguments.to_string()
        })
    };
    Some(match reply {
        Reply::Message { text } => message(text.clone()),
        Reply::Json { value } => message(value.to_string()),
        // `login: false`: no profile scripts, so a command's output does not depend on the machine.
        Reply::Shell { cmd } => call(SHELL_TOOL, &json!({ "cmd": cmd, "login": false })),
        Reply::McpTool {
            server,
            tool,
            arguments,
        } => {
            let mut item = call(tool, arguments);
            item["namespace"] = Value::from(mcp_namespace(server));
            item
        }
        Reply::HttpError { .. } | Reply::Stall => return None,
    })
}

/// `response.created`: the start of every stream.
pub fn created(conversation: usize, n: usize) -> String {
    event(
        "response.created",
        json!({ "response": { "id": format!("resp_{conversation}_{n}") } }),
    )
}

/// The rest of the stream for `reply`: the output item (added, done), then `response.completed`.
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
    let (input, output) = USAGE;
    out.push_str(&event(
        "response.completed",
        json!({ "response": { "id": format!("resp_{conversation}_{n}"),
            "usage": { "input_tokens": input, "output_tokens": output, "total_tokens": input + output,
                       "input_tokens_details": { "cached_tokens": 0 },
                       "output_tokens_details": { "reasoning_tokens": 0 } } } }),
    ));
    out
}
