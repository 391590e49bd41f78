//! [`Timeline`]: a cassette read as a story, for people (`prompt-diary inspect`) and machines
//! (`--json`).
//!
//! Per conversation it lists the settings the client started it with, then per turn the prompt,
//! what happened (commands with exit codes, file changes, MCP tool calls, approvals and the
//! decision sent, errors), the files the turn wrote, its final status and, when the cassette
//! kept it, its duration. Every event names the cassette line it comes from. Texts read as they
//! were written (`{{lbrace}}name}}` in the cassette is `{{name}}` here); the placeholders of
//! volatile values stay placeholders.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde::Serialize;
use serde_json::{Map, Value};

use crate::cassette::CassetteError;
use crate::cassette::app_server::format::{BACKEND, Cassette, Entry, Header};
use crate::cassette::effects::Effect;
use crate::cassette::normalize::placeholder::{unescape_json, unescape_literals};

/// The longest text shown on one line of the readable timeline.
const LINE_MAX: usize = 120;

/// A cassette as a timeline.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Timeline {
    /// The cassette file.
    pub file: PathBuf,
    /// Its header (Codex version, scenario, format, ...).
    pub header: Header,
    /// The conversations, in file order.
    pub conversations: Vec<ConversationView>,
    /// How the recorded server ended, if the cassette says.
    pub exit: Option<ExitView>,
}

/// One conversation (one app-server thread).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ConversationView {
    /// Its label in the cassette (`c1`, `c2`, ...).
    pub label: String,
    /// The line of its `thread/start`.
    pub line: usize,
    /// What the client started it with (`thread/start` params other than `cwd`).
    pub settings: Map<String, Value>,
    /// Its turns, in order.
    pub turns: Vec<TurnView>,
}

/// One turn of a conversation.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TurnView {
    /// The turn index inside the conversation.
    pub index: u32,
    /// The line of its `turn/start`.
    pub line: usize,
    /// The prompt text.
    pub prompt: String,
    /// The output schema the turn asked for, if any.
    pub output_schema: Option<Value>,
    /// `completed`, `failed`, `interrupted`, or `None` if the turn never completed.
    pub status: Option<String>,
    /// The turn's error message, if it failed.
    pub error: Option<String>,
    /// The turn's duration, when the cassette kept a number (normalised cassettes do not).
    pub duration_ms: Option<u64>,
    /// What happened, in order.
    pub events: Vec<TimelineEvent>,
    /// The files the turn created, changed or deleted in its working directory.
    pub files: Vec<Effect>,
}

/// One thing that happened in a turn.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TimelineEvent {
    /// The cassette line.
    pub line: usize,
    /// `message`, `command`, `file_change`, `mcp_tool_call`, `approval`, `error`, `retry`,
    /// `interrupt`, `reasoning`, `web_search`, `plan` or `other`.
    pub kind: String,
    /// One readable line.
    pub summary: String,
}

/// How the recorded server ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ExitView {
    /// The exit status.
    pub status: String,
    /// The last stderr lines.
    pub stderr_tail: Vec<String>,
}

impl Timeline {
    /// Reads the timeline out of a parsed cassette.
    pub fn of(cassette: &Cassette) -> Self {
        let mut builder = Builder::default();
        for (line, entry) in &cassette.entries {
            builder.entry(*line, entry);
        }
        Self {
            file: cassette.path.clone(),
            header: cassette.header.clone(),
            conversations: builder.conversations,
            exit: builder.exit,
        }
    }

    /// Reads the timeline out of cassette `text` (read from `path`) line by line: each message
    /// is parsed, read and dropped in turn, so it costs the timeline, not the cassette's trees.
    /// The same timeline, and the same errors, as [`Cassette::parse`] then [`Timeline::of`].
    pub(crate) fn read(path: &Path, text: &str) -> Result<Self, CassetteError> {
        let mut builder = Builder::default();
        let header = Cassette::read_each(path, text, |line, entry| builder.entry(line, &entry))?;
        Ok(Self {
            file: path.to_owned(),
            header,
            conversations: builder.conversations,
            exit: builder.exit,
        })
    }

    /// Every turn of every conversation.
    pub fn turns(&self) -> impl Iterator<Item = &TurnView> {
        self.conversations.iter().flat_map(|c| c.turns.iter())
    }
}

#[derive(Default)]
struct Builder {
    conversations: Vec<ConversationView>,
    index: HashMap<String, usize>,
    /// Server requests waiting for the client's answer: (conv, id placeholder) → method.
    asked: HashMap<(String, String), String>,
    exit: Option<ExitView>,
}

impl Builder {
    fn conv(&mut self, label: &str, line: usize) -> &mut ConversationView {
        let next = self.conversations.len();
        let at = *self.index.entry(label.to_owned()).or_insert(next);
        if at == next {
            self.conversations.push(ConversationView {
                label: label.to_owned(),
                line,
                settings: Map::new(),
                turns: Vec::new(),
            });
        }
        &mut self.conversations[at]
    }

    fn turn(&mut self, label: &str, line: usize, turn: Option<u32>) -> Option<&mut TurnView> {
        let index = turn?;
        self.conv(label, line)
            .turns
            .iter_mut()
            .find(|t| t.index == index)
    }

    fn event(&mut self, label: &str, line: usize, turn: Option<u32>, kind: &str, summary: String) {
        if let Some(view) = self.turn(label, line, turn) {
            view.events.push(TimelineEvent {
                line,
                kind: kind.to_owned(),
                summary,
            });
        }
    }

    fn entry(&mut self, line: usize, entry: &Entry) {
        // Text is shown as it was written: what the cassette keeps escaped (`{{lbrace}}name}}`)
        // reads `{{name}}`; placeholders of volatile values stay placeholders.
        match entry {
            Entry::C2s { conv, .. } | Entry::S2c { conv, .. } if conv == BACKEND => {}
            Entry::C2s { conv, turn, msg } => self.client(line, conv, *turn, &unescape_json(msg)),
            Entry::S2c { conv, turn, msg } => self.server(line, conv, *turn, &unescape_json(msg)),
            Entry::Effects {
                conv,
                turn,
                effects,
            } => {
                if let Some(view) = self.turn(conv, line, Some(*turn)) {
                    view.files.extend(effects.iter().map(|effect| match effect {
                        Effect::Write { path, text } => Effect::Write {
                            path: path.clone(),
                            text: unescape_literals(text).into_owned(),
                        },
                        other => other.clone(),
                    }));
                }
            }
            Entry::Exit {
                status,
                stderr_tail,
            } => {
                self.exit = Some(ExitView {
                    status: status.clone(),
                    stderr_tail: stderr_tail.clone(),
                });
            }
        }
    }

    fn client(&mut self, line: usize, conv: &str, turn: Option<u32>, msg: &Value) {
        let params = msg.get("params").cloned().unwrap_or(Value::Null);
        match msg.get("method").and_then(Value::as_str) {
            Some("thread/start") => {
                let mut settings = params.as_object().cloned().unwrap_or_default();
                settings.remove("cwd");
                let view = self.conv(conv, line);
                view.line = line;
                view.settings = settings;
            }
            Some("turn/start") => {
                let view = self.conv(conv, line);
                view.turns.push(TurnView {
                    index: turn.unwrap_or(view.turns.len() as u32),
                    line,
                    prompt: prompt_of(&params),
                    output_schema: params.get("outputSchema").cloned(),
                    status: None,
                    error: None,
                    duration_ms: None,
                    events: Vec::new(),
                    files: Vec::new(),
                });
            }
            Some("turn/interrupt") => {
                let summary = "the client interrupted the turn (its time was up)".to_owned();
                self.event(conv, line, turn, "interrupt", summary);
            }
            Some(other) => {
                let summary = format!("the client sent `{other}`");
                self.event(conv, line, turn, "other", summary);
            }
            None => {
                let id = msg.get("id").map(id_text).unwrap_or_default();
                let method = self
                    .asked
                    .remove(&(conv.to_owned(), id))
                    .unwrap_or_else(|| "a server request".to_owned());
                let answer = answer_of(msg);
                let summary = format!("answered {method}: {answer}");
                self.event(conv, line, turn, "approval", summary);
            }
        }
    }

    fn server(&mut self, line: usize, conv: &str, turn: Option<u32>, msg: &Value) {
        let params = msg.get("params").cloned().unwrap_or(Value::Null);
        let Some(method) = msg.get("method").and_then(Value::as_str) else {
            return;
        };
        if let Some(id) = msg.get("id") {
            self.asked
                .insert((conv.to_owned(), id_text(id)), method.to_owned());
            let what = params
                .get("command")
                .and_then(Value::as_str)
                .map(|c| format!(" for `{}`", clip(c)))
                .unwrap_or_default();
            let summary = format!("the server asked {method}{what}");
            self.event(conv, line, turn, "approval", summary);
            return;
        }
        match method {
            "item/completed" => {
                if let Some((kind, summary)) = params.get("item").and_then(item_summary) {
                    self.event(conv, line, turn, kind, summary);
                }
            }
            "error" => {
                let message = params
                    .pointer("/error/message")
                    .and_then(Value::as_str)
                    .unwrap_or("an error");
                let retry = params.get("willRetry").and_then(Value::as_bool) == Some(true);
                let kind = if retry { "retry" } else { "error" };
                let suffix = if retry { " (Codex retries)" } else { "" };
                self.event(conv, line, turn, kind, format!("{}{suffix}", clip(message)));
            }
            "turn/completed" => {
                if let Some(view) = self.turn(conv, line, turn) {
                    let done = params.get("turn").cloned().unwrap_or(Value::Null);
                    view.status = done.get("status").and_then(Value::as_str).map(Into::into);
                    view.error = done
                        .pointer("/error/message")
                        .and_then(Value::as_str)
                        .map(Into::into);
                    view.duration_ms = done.get("durationMs").and_then(Value::as_u64);
                }
            }
            _ => {}
        }
    }
}

/// The text of a `turn/start`'s input items.
pub(crate) fn prompt_of(params: &Value) -> String {
    params
        .get("input")
        .and_then(Value::as_array)
        .map(|items| {
            items
                .iter()
                .filter_map(|i| i.get("text").and_then(Value::as_str))
                .collect::<Vec<_>>()
                .join("\n")
        })
        .unwrap_or_default()
}

fn id_text(id: &Value) -> String {
    id.as_str().map_or_else(|| id.to_string(), str::to_owned)
}

fn answer_of(msg: &Value) -> String {
    if let Some(error) = msg.pointer("/error/message").and_then(Value::as_str) {
        return format!("refused ({})", clip(error));
    }
    let result = msg.get("result").cloned().unwrap_or(Value::Null);
    for key in ["decision", "action"] {
        if let Some(word) = result.get(key).and_then(Value::as_str) {
            return word.to_owned();
        }
    }
    clip(&result.to_string())
}

/// The kind and one-line summary of a completed item; `None` for the user's own message.
fn item_summary(item: &Value) -> Option<(&'static str, String)> {
    let text = |key: &str| item.get(key).and_then(Value::as_str).unwrap_or("");
    let status = text("status");
    Some(match text("type") {
        "userMessage" | "hookPrompt" => return None,
        "agentMessage" => ("message", clip(text("text"))),
        "commandExecution" => {
            let outcome = match item.get("exitCode").and_then(Value::as_i64) {
                Some(code) => format!("exit code {code}"),
                None => status.to_owned(),
            };
            // The output counts: `review` shows a command whose output changed.
            let output = match text("aggregatedOutput") {
                "" => String::new(),
                out => format!(
                    ", output {:?} ({} bytes, sha256 {})",
                    clip(out),
                    out.len(),
                    &crate::cassette::effects::sha256_hex(out.as_bytes())[..12]
                ),
            };
            (
                "command",
                format!("`{}`: {outcome}{output}", clip(text("command"))),
            )
        }
        "fileChange" => {
            let paths: Vec<&str> = item
                .get("changes")
                .and_then(Value::as_array)
                .map(|c| {
                    c.iter()
                        .filter_map(|c| c.get("path").and_then(Value::as_str))
                        .collect()
                })
                .unwrap_or_default();
            ("file_change", format!("{status}: {}", paths.join(", ")))
        }
        "mcpToolCall" => {
            let mut summary = format!("{}/{}: {status}", text("server"), text("tool"));
            if let Some(error) = item.pointer("/error/message").and_then(Value::as_str) {
                summary.push_str(&format!(" ({})", clip(error)));
            }
            ("mcp_tool_call", summary)
        }
        "webSearch" => ("web_search", format!("searched for {:?}", text("query"))),
        "reasoning" => {
            let summary: Vec<&str> = item
                .get("summary")
                .and_then(Value::as_array)
                .map(|parts| parts.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            match summary.is_empty() {
                true => ("reasoning", "reasoned".to_owned()),
                false => ("reasoning", clip(&summary.join(" "))),
            }
        }
        "plan" => ("plan", clip(text("text"))),
        other => ("other", format!("{other} item")),
    })
}

/// The first line of `text`, cut to [`LINE_MAX`] characters.
pub(super) fn clip(text: &str) -> String {
    let first = text.lines().next().unwrap_or("");
    let more = text.trim_end().lines().nth(1).is_some();
    match first.char_indices().nth(LINE_MAX) {
        Some((cut, _)) => format!("{}…", &first[..cut]),
        None if more => format!("{first} …"),
        None => first.to_owned(),
    }
}
