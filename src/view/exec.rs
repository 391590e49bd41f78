//! An exec cassette as the page draws it: the `codex exec` runs of one thread as the turns of
//! one lane. A run's prompt is what the caller wrote on stdin, its events the items and errors
//! its JSONL output reported, its files the effects recorded in its working directory, and its
//! status how the turn (or the process) ended.

use serde::Serialize;
use serde_json::Value;

use super::PendingNote;
use crate::cassette::{ExecCassette, StdoutLine, unescape_json, unescape_literals};

/// The index of an exec cassette, in the shape the page's script reads (`exec` set).
#[derive(Serialize)]
pub(super) struct ExecModel<'a> {
    file: String,
    exec: bool,
    lanes: Vec<Lane>,
    kinds: Vec<String>,
    diffs: Vec<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pending: Option<&'a PendingNote>,
}

#[derive(Serialize)]
struct Lane {
    label: String,
    line: usize,
    turns: Vec<Run>,
}

#[derive(Serialize)]
struct Run {
    i: usize,
    line: usize,
    end: usize,
    status: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
    /// Events as `[line, kind, summary]`.
    ev: Vec<(usize, String, String)>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    files: Vec<usize>,
}

/// The index and the cassette's lines (line N is `lines[N - 1]`), as the exec cassette writes
/// them; `pending` marks the page of a pending re-recording.
pub(super) fn model_and_lines<'a>(
    cassette: &ExecCassette,
    pending: Option<&'a PendingNote>,
) -> (ExecModel<'a>, Vec<String>) {
    let mut copy = cassette.clone();
    let text = copy.render();
    let lines: Vec<String> = text.lines().map(str::to_owned).collect();
    let mut kinds: Vec<String> = Vec::new();
    let turns = copy
        .invocations
        .iter()
        .enumerate()
        .map(|(i, run)| {
            let mut line = run.line;
            let mut ev = Vec::new();
            let mut status = None;
            let mut error = None;
            for out in &run.stdout {
                line += 1;
                let StdoutLine::Json(event) = out else {
                    continue;
                };
                // Shown as written (`{{lbrace}}name}}` reads `{{name}}`).
                let event = unescape_json(event);
                match event.get("type").and_then(Value::as_str) {
                    Some("item.completed") => {
                        if let Some((kind, summary)) = item_event(&event["item"]) {
                            ev.push((line, kind.to_owned(), summary));
                        }
                    }
                    Some("turn.completed") => status = Some("completed".to_owned()),
                    Some("turn.failed") => {
                        status = Some("failed".to_owned());
                        let message = text_at(&event, "/error/message");
                        ev.push((
                            line,
                            "error".to_owned(),
                            format!("the turn failed: {message}"),
                        ));
                        error = Some(message);
                    }
                    Some("error") => {
                        let message = text_at(&event, "/message");
                        ev.push((line, "error".to_owned(), message));
                    }
                    _ => {}
                }
            }
            let mut files = Vec::new();
            if !run.effects.is_empty() {
                line += 1;
                files.push(line);
            }
            if run.last_message.is_some() {
                line += 1;
            }
            let end = line + 1; // the exit line
            for (_, kind, _) in &ev {
                if !kinds.contains(kind) {
                    kinds.push(kind.clone());
                }
            }
            let exited = match run.exit.code {
                Some(0) => None,
                Some(code) => Some(format!("exit code {code}")),
                None => Some(format!("killed ({})", run.exit.status)),
            };
            if let Some(exited) = &exited {
                let tail = unescape_literals(&run.exit.stderr_tail.join("\n")).into_owned();
                error.get_or_insert_with(|| format!("{exited}\n{tail}"));
            }
            Run {
                i,
                line: run.line,
                end,
                status: status.or(exited).unwrap_or_else(|| "exited".to_owned()),
                error,
                ev,
                files,
            }
        })
        .collect();
    kinds.sort();
    let model = ExecModel {
        file: cassette.path.display().to_string(),
        exec: true,
        lanes: vec![Lane {
            label: "exec".to_owned(),
            line: 1,
            turns,
        }],
        kinds,
        diffs: Vec::new(),
        pending,
    };
    (model, lines)
}

/// The page's kind and a one-line summary of a completed item of `codex exec --json`.
fn item_event(item: &Value) -> Option<(&'static str, String)> {
    let text = |key: &str| item.get(key).and_then(Value::as_str).unwrap_or("");
    let first_line = |s: &str| s.lines().next().unwrap_or("").chars().take(160).collect();
    let event = match item.get("type").and_then(Value::as_str)? {
        "agent_message" => ("message", first_line(text("text"))),
        "reasoning" => ("reasoning", first_line(text("text"))),
        "command_execution" => {
            let code = item
                .get("exit_code")
                .map_or("?".to_owned(), Value::to_string);
            (
                "command",
                format!("{} → exit {code}", first_line(text("command"))),
            )
        }
        "file_change" => {
            let paths: Vec<&str> = item["changes"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|c| c.get("path").and_then(Value::as_str))
                .collect();
            ("file_change", paths.join(", "))
        }
        "mcp_tool_call" => (
            "mcp_tool_call",
            format!("{}/{}", text("server"), text("tool")),
        ),
        "web_search" => ("web_search", first_line(text("query"))),
        "todo_list" => ("plan", "a to-do list".to_owned()),
        "error" => ("error", first_line(text("message"))),
        _ => ("other", text("type").to_owned()),
    };
    Some(event)
}

fn text_at(value: &Value, pointer: &str) -> String {
    value
        .pointer(pointer)
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_owned()
}
