//! Folding a turn's notifications into neutral [`AgentTurnEvent`]s and its [`AgentTurnResult`]:
//! items become events, `turn/completed` ends the turn, and what was running is kept for timeout
//! messages.

use std::collections::VecDeque;

use serde_json::{Value, json};

use crate::agent::{AgentError, AgentTurnEvent, AgentTurnResult, EventKind};
use crate::codex::rpc::ApprovalDecision;
use crate::codex::rpc::protocol::{
    self, CompletedTurn, ErrorParams, ItemParams, TurnCompletedParams, TurnStatus, methods,
};

/// How many recent event summaries a timeout error shows.
const LAST_EVENTS: usize = 5;

/// The longest summary line.
const SUMMARY_MAX: usize = 160;

fn one_line(text: &str) -> String {
    let line = text
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or("");
    let more = text.trim().lines().count() > 1;
    match line.char_indices().nth(SUMMARY_MAX) {
        Some((cut, _)) => format!("{}…", &line[..cut]),
        None if more => format!("{line} …"),
        None => line.to_owned(),
    }
}

fn str_field<'a>(item: &'a Value, key: &str) -> &'a str {
    item.get(key).and_then(Value::as_str).unwrap_or("")
}

/// The event for a completed item; `None` for items that are not events (the user's own message).
pub(super) fn item_event(item: &Value) -> Option<AgentTurnEvent> {
    let kind = str_field(item, "type");
    let event = match kind {
        "userMessage" | "hookPrompt" => return None,
        "agentMessage" => {
            let text = str_field(item, "text");
            AgentTurnEvent::new(EventKind::AgentMessage, one_line(text))
                .with("text", text)
                .with("phase", item.get("phase").cloned().unwrap_or(Value::Null))
        }
        "commandExecution" => command_event(item),
        "fileChange" => {
            let changes = item
                .get("changes")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            let paths: Vec<&str> = changes.iter().map(|c| str_field(c, "path")).collect();
            let kinds_: Vec<Value> = changes.iter().map(|c| change_kind(c.get("kind"))).collect();
            let status = str_field(item, "status");
            AgentTurnEvent::new(
                EventKind::FileChange,
                format!("{status} change to {}", paths.join(", ")),
            )
            .with("paths", json!(paths))
            .with("kinds", Value::Array(kinds_))
            .with("status", status)
        }
        "mcpToolCall" => mcp_event(item),
        "webSearch" => {
            let query = str_field(item, "query");
            AgentTurnEvent::new(
                EventKind::WebSearch,
                format!("searched the web for {query:?}"),
            )
            .with("query", query)
        }
        "reasoning" => {
            let summary: Vec<&str> = item
                .get("summary")
                .and_then(Value::as_array)
                .map(|parts| parts.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            let text = summary.join("\n");
            AgentTurnEvent::new(EventKind::Reasoning, one_line(&text)).with("summary", text)
        }
        "plan" => {
            let text = str_field(item, "text");
            AgentTurnEvent::new(EventKind::Plan, one_line(text)).with("text", text)
        }
        other => AgentTurnEvent::new(EventKind::Other, format!("{other} item"))
            .with("type", other)
            .with("item", item.clone()),
    };
    Some(event)
}

/// The event for a completed `commandExecution` item.
fn command_event(item: &Value) -> AgentTurnEvent {
    let command = str_field(item, "command");
    let status = str_field(item, "status");
    let exit_code = item.get("exitCode").cloned().unwrap_or(Value::Null);
    let duration = item.get("durationMs").cloned().unwrap_or(Value::Null);
    let outcome = match exit_code.as_i64() {
        Some(code) => format!("exited {code}"),
        None => status.to_owned(),
    };
    AgentTurnEvent::new(
        EventKind::Command,
        format!("ran `{}`: {outcome}", one_line(command)),
    )
    .with("command", command)
    .with("status", status)
    .with("exit_code", exit_code)
    .with("duration_ms", duration)
    .with("cwd", item.get("cwd").cloned().unwrap_or(Value::Null))
    .with(
        "output",
        item.get("aggregatedOutput").cloned().unwrap_or(Value::Null),
    )
}

/// The event for a completed `mcpToolCall` item.
fn mcp_event(item: &Value) -> AgentTurnEvent {
    let server = str_field(item, "server");
    let tool = str_field(item, "tool");
    let status = str_field(item, "status");
    let error = item
        .pointer("/error/message")
        .cloned()
        .unwrap_or(Value::Null);
    let mut summary = format!("called {server}/{tool}: {status}");
    if let Some(message) = error.as_str() {
        summary.push_str(&format!(" ({})", one_line(message)));
    }
    AgentTurnEvent::new(EventKind::McpToolCall, summary)
        .with("server", server)
        .with("tool", tool)
        .with("status", status)
        .with(
            "arguments",
            item.get("arguments").cloned().unwrap_or(Value::Null),
        )
        .with("result", item.get("result").cloned().unwrap_or(Value::Null))
        .with("error", error)
        .with(
            "duration_ms",
            item.get("durationMs").cloned().unwrap_or(Value::Null),
        )
}

fn change_kind(kind: Option<&Value>) -> Value {
    match kind {
        Some(Value::Object(map)) => map.get("type").cloned().unwrap_or(Value::Null),
        Some(other) => other.clone(),
        None => Value::Null,
    }
}

/// The event for an `error` notification: an error, or a retry announcement.
pub(super) fn error_event(params: &ErrorParams) -> AgentTurnEvent {
    let kind = if params.will_retry {
        EventKind::Retry
    } else {
        EventKind::Error
    };
    let prefix = if params.will_retry {
        "retrying after: "
    } else {
        ""
    };
    AgentTurnEvent::new(kind, format!("{prefix}{}", one_line(&params.error.message)))
        .with("message", params.error.message.as_str())
        .with("category", params.error.category())
        .with("will_retry", params.will_retry)
}

/// The event for a server→client request the runner answered.
pub(super) fn server_request_event(
    method: &str,
    params: &Value,
    decision: ApprovalDecision,
    approval: bool,
) -> AgentTurnEvent {
    let subject = params
        .get("command")
        .and_then(|c| {
            c.as_str().map(str::to_owned).or_else(|| {
                c.as_array().map(|parts| {
                    parts
                        .iter()
                        .filter_map(Value::as_str)
                        .collect::<Vec<_>>()
                        .join(" ")
                })
            })
        })
        .or_else(|| {
            params
                .get("reason")
                .and_then(Value::as_str)
                .map(str::to_owned)
        })
        .or_else(|| {
            params
                .get("message")
                .and_then(Value::as_str)
                .map(str::to_owned)
        })
        .unwrap_or_default();
    let (kind, summary) = if approval {
        let verb = if decision == ApprovalDecision::Accept {
            "accepted"
        } else {
            "declined"
        };
        (
            EventKind::Approval,
            format!("{verb} {method}: {}", one_line(&subject)),
        )
    } else {
        (
            EventKind::Other,
            format!("answered {method} with a refusal"),
        )
    };
    AgentTurnEvent::new(kind, summary.trim_end_matches(": ").to_owned())
        .with("method", method)
        .with(
            "decision",
            if approval {
                Value::from(decision.as_str())
            } else {
                Value::Null
            },
        )
        .with(
            "subject",
            if subject.is_empty() {
                Value::Null
            } else {
                Value::from(subject)
            },
        )
}

/// What one turn has seen so far.
pub(super) struct TurnState {
    pub(super) turn_id: String,
    pub(super) events: Vec<AgentTurnEvent>,
    pub(super) assistant_text: String,
    pub(super) running: Option<String>,
    pub(super) recent: VecDeque<String>,
}

impl TurnState {
    pub(super) fn new(turn_id: String) -> Self {
        Self {
            turn_id,
            events: Vec::new(),
            assistant_text: String::new(),
            running: None,
            recent: VecDeque::new(),
        }
    }

    pub(super) fn push(&mut self, event: AgentTurnEvent) {
        if self.recent.len() == LAST_EVENTS {
            self.recent.pop_front();
        }
        self.recent.push_back(event.summary.clone());
        self.events.push(event);
    }
}

/// Folds one notification into the turn; returns the completed turn when it is the last one.
pub(super) fn fold_notification(
    state: &mut TurnState,
    method: &str,
    params: Value,
) -> Result<Option<CompletedTurn>, AgentError> {
    if protocol::turn_id_of(&params).is_some_and(|id| id != state.turn_id) {
        return Ok(None); // another turn's leftovers
    }
    match method {
        methods::ITEM_STARTED => {
            if let Ok(item) = ItemParams::from_params(params) {
                state.running = describe_running(&item.item);
            }
        }
        methods::ITEM_COMPLETED => {
            let item = ItemParams::from_params(params).map_err(|err| AgentError::Protocol {
                message: format!("malformed item/completed: {err}"),
            })?;
            state.running = None;
            if let Some(event) = item_event(&item.item) {
                if event.kind == EventKind::AgentMessage {
                    state.assistant_text = item
                        .item
                        .get("text")
                        .and_then(Value::as_str)
                        .unwrap_or_default()
                        .to_owned();
                }
                state.push(event);
            }
        }
        methods::ERROR => {
            if let Ok(error) = serde_json::from_value::<ErrorParams>(params) {
                state.push(error_event(&error));
            }
        }
        methods::TURN_COMPLETED => {
            let done = serde_json::from_value::<TurnCompletedParams>(params).map_err(|err| {
                AgentError::Protocol {
                    message: format!("malformed turn/completed: {err}"),
                }
            })?;
            return Ok(Some(done.turn));
        }
        _ => {}
    }
    Ok(None)
}

/// What an in-progress item is doing, for timeout messages.
fn describe_running(item: &Value) -> Option<String> {
    let kind = item.get("type").and_then(Value::as_str)?;
    Some(match kind {
        "commandExecution" => {
            format!(
                "running the command `{}`",
                item.get("command").and_then(Value::as_str).unwrap_or("?")
            )
        }
        "mcpToolCall" => format!(
            "calling the MCP tool {}/{}",
            item.get("server").and_then(Value::as_str).unwrap_or("?"),
            item.get("tool").and_then(Value::as_str).unwrap_or("?")
        ),
        "agentMessage" => "writing a message".to_owned(),
        "reasoning" => "reasoning".to_owned(),
        "userMessage" => return None,
        other => format!("working on a {other} item"),
    })
}

/// The turn's outcome from its `turn/completed`.
pub(super) fn finish(state: TurnState, turn: CompletedTurn) -> Result<AgentTurnResult, AgentError> {
    match turn.status {
        TurnStatus::Completed => Ok(AgentTurnResult {
            assistant_text: state.assistant_text,
            events: state.events,
        }),
        status => {
            let last_error = state
                .events
                .iter()
                .rev()
                .find(|e| e.kind == EventKind::Error);
            let (message, details) = match (turn.error, last_error) {
                (Some(error), _) => (error.message.clone(), error.category()),
                (None, Some(event)) => (event.summary.clone(), None),
                (None, None) => (
                    format!("the turn ended with status {status:?} and no error message"),
                    None,
                ),
            };
            let details = match status {
                TurnStatus::Interrupted => {
                    Some(details.map_or("interrupted".to_owned(), |d| format!("interrupted; {d}")))
                }
                _ => details,
            };
            Err(AgentError::TurnFailed { message, details })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_command_event_carries_command_exit_code_and_duration() {
        let event = item_event(&json!({
            "type": "commandExecution", "id": "call_1", "command": "/bin/bash -lc 'printf x > a.md'",
            "status": "completed", "exitCode": 0, "durationMs": 12, "cwd": "/w", "aggregatedOutput": ""
        }))
        .unwrap();
        assert_eq!(event.kind, EventKind::Command);
        assert_eq!(
            event.summary,
            "ran `/bin/bash -lc 'printf x > a.md'`: exited 0"
        );
        assert_eq!(event.metadata["exit_code"], 0);
        assert_eq!(event.metadata["duration_ms"], 12);
    }

    #[test]
    fn a_file_change_lists_paths_and_kinds() {
        let event = item_event(&json!({
            "type": "fileChange", "id": "x", "status": "completed",
            "changes": [{"path": "a.md", "kind": {"type": "add"}, "diff": ""}, {"path": "b.md", "kind": {"type": "update"}, "diff": ""}]
        }))
        .unwrap();
        assert_eq!(event.summary, "completed change to a.md, b.md");
        assert_eq!(event.metadata["kinds"], json!(["add", "update"]));
    }

    #[test]
    fn user_messages_are_not_events_and_unknown_items_are_kept() {
        assert!(item_event(&json!({"type": "userMessage", "id": "u", "content": []})).is_none());
        let other = item_event(&json!({"type": "imageView", "id": "i", "path": "p.png"})).unwrap();
        assert_eq!(other.kind, EventKind::Other);
        assert_eq!(other.metadata["type"], "imageView");
    }

    #[test]
    fn long_agent_messages_get_a_one_line_summary() {
        let event =
            item_event(&json!({"type": "agentMessage", "id": "m", "text": "Done.\nMore detail."}))
                .unwrap();
        assert_eq!(event.summary, "Done. …");
        assert_eq!(event.metadata["text"], "Done.\nMore detail.");
    }
}
