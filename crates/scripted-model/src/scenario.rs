//! Scenario files: what the scripted model answers, per conversation.
//!
//! ```json
//! {
//!   "name": "shell_tool",
//!   "conversations": [
//!     { "match": "artifact", "replies": [
//!         { "shell": "printf 'x\\n' > a.md" },
//!         { "message": "Wrote a.md." }
//!     ] }
//!   ]
//! }
//! ```
//!
//! A reply is one of `{"message": "text"}`, `{"shell": "command line"}`, `{"login_shell":
//! "command line"}` (the shell call without `login`, as real models make it), `{"json": <any JSON>}`,
//! `{"http_error": {"status": 500, "body": "boom"}}`, `{"stall": true}` and
//! `{"mcp_tool": {"server": "s", "tool": "t", "arguments": {}}}`.

use std::collections::HashMap;
use std::path::Path;

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// A scenario: the model's side of a test, one script per conversation.
///
/// Extra top-level sections (such as the `client` section of committed fixtures) are ignored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Scenario {
    /// The scenario's name (for reports).
    pub name: String,
    /// One script per conversation (Codex thread) the scenario expects.
    pub conversations: Vec<ConversationScript>,
    /// How responses stream, as a real model's do (deltas, token usage); plain when left out.
    #[serde(default, skip_serializing_if = "Streaming::is_plain")]
    pub stream: Streaming,
}

/// How the scripted model streams its responses. Left out, every response is its output items
/// whole and reports 10 input and 5 output tokens.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Streaming {
    /// Stream message text and reasoning summaries in deltas of this many characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delta_chars: Option<usize>,
    /// The input and output tokens every response reports.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub usage: Option<(u64, u64)>,
}

impl Streaming {
    /// Whether this is the default, plain stream.
    pub fn is_plain(&self) -> bool {
        *self == Self::default()
    }
}

/// The replies of one conversation, served in order, one per model request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConversationScript {
    /// A text that must occur in a user message of the conversation's first request for this
    /// script to be chosen; `None` (the key left out) matches any conversation.
    #[serde(default, rename = "match", skip_serializing_if = "Option::is_none")]
    pub r#match: Option<String>,
    /// The replies, in order.
    pub replies: Vec<Reply>,
}

/// One scripted answer to one model request.
///
/// In JSON each reply is a one-key object: `{"message": "text"}`, `{"shell": "command line"}`,
/// `{"login_shell": "command line"}`,
/// `{"json": <any JSON>}`, `{"http_error": {"status": 500, "body": "boom"}}`, `{"stall": true}`
/// or `{"mcp_tool": {"server": "s", "tool": "t", "arguments": {}}}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "WireReply", into = "WireReply")]
pub enum Reply {
    /// An assistant message with this text. JSON: `{"message": "text"}`.
    Message {
        /// The message text.
        text: String,
    },
    /// A call of Codex's shell tool (`exec_command`) running this command line
    /// in the thread's working directory. JSON: `{"shell": "printf x > a.md"}`.
    Shell {
        /// The command line (run by Codex as `bash -c <cmd>`).
        cmd: String,
    },
    /// A call of Codex's shell tool (`exec_command`) that leaves out `login`, as real models
    /// do (the tool's schema says "Omit to inherit"): Codex then runs a login shell
    /// (`bash -lc <cmd>`). JSON: `{"login_shell": "printf x > a.md"}`.
    LoginShell {
        /// The command line.
        cmd: String,
    },
    /// An assistant message whose text is `value` serialised compactly, object keys sorted
    /// (structured output).
    /// JSON: `{"json": {...}}`.
    Json {
        /// The JSON the message carries.
        value: Value,
    },
    /// A failed request: this HTTP status and body, no stream.
    /// JSON: `{"http_error": {"status": 500, "body": "boom"}}`.
    HttpError {
        /// The HTTP status (400–599).
        status: u16,
        /// The response body (sent as JSON when it parses as JSON, as text otherwise).
        body: String,
    },
    /// Start the stream (headers and `response.created`), then send nothing more until
    /// [`ScriptedModel::release_stalls`](crate::ScriptedModel::release_stalls), shutdown, or the
    /// client hanging up; the connection then closes. JSON: `{"stall": true}`.
    Stall,
    /// A call of a tool of an MCP server, under the name Codex offers it to the model (see
    /// `mcp__<server>`).
    /// JSON: `{"mcp_tool": {"server": "s", "tool": "t", "arguments": {}}}`.
    McpTool {
        /// The MCP server's name in the Codex config (`mcp_servers.<server>`).
        server: String,
        /// The tool's name as the MCP server lists it.
        tool: String,
        /// The tool's arguments (an object; `{}` when left out).
        arguments: Value,
    },
    /// A reasoning item with this summary (before the message or call it leads to, in one
    /// `response`). JSON: `{"reasoning": "summary"}`.
    Reasoning {
        /// The reasoning summary.
        summary: String,
    },
    /// A web search the model ran (the Responses API's server-side `web_search_call`), which
    /// Codex reports as a `webSearch` item; usually followed by a message in one `response`.
    /// JSON: `{"web_search": "query"}`.
    WebSearch {
        /// What was searched for.
        query: String,
    },
    /// Several output items in one response, in order (for example reasoning, then a message).
    /// JSON: `{"response": [{"reasoning": "..."}, {"message": "..."}]}`.
    Response {
        /// The items: messages, JSON, shell or MCP calls, reasoning.
        items: Vec<Reply>,
    },
}

impl Reply {
    /// A one-line description, for reports such as
    /// [`ScriptedModel::unused_replies`](crate::ScriptedModel::unused_replies).
    pub fn describe(&self) -> String {
        match self {
            Self::Message { text } => format!("message {text:?}"),
            Self::Shell { cmd } => format!("shell {cmd:?}"),
            Self::LoginShell { cmd } => format!("login_shell {cmd:?}"),
            Self::Json { value } => format!("json {value}"),
            Self::HttpError { status, body } => format!("http_error {status} {body:?}"),
            Self::Stall => "stall".to_owned(),
            Self::McpTool {
                server,
                tool,
                arguments,
            } => format!("mcp_tool {server}/{tool} {arguments}"),
            Self::Reasoning { summary } => format!("reasoning {summary:?}"),
            Self::WebSearch { query } => format!("web_search {query:?}"),
            Self::Response { items } => format!(
                "response [{}]",
                items
                    .iter()
                    .map(Self::describe)
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        }
    }
}

/// The JSON form of a [`Reply`].
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
enum WireReply {
    Message(String),
    Shell(String),
    LoginShell(String),
    Json(Value),
    HttpError {
        status: u16,
        #[serde(default)]
        body: String,
    },
    Stall(bool),
    McpTool {
        server: String,
        tool: String,
        #[serde(default = "empty_object")]
        arguments: Value,
    },
    Reasoning(String),
    WebSearch(String),
    Response(Vec<Reply>),
}

fn empty_object() -> Value {
    Value::Object(serde_json::Map::new())
}

impl TryFrom<WireReply> for Reply {
    type Error = String;

    fn try_from(wire: WireReply) -> Result<Self, String> {
        Ok(match wire {
            WireReply::Message(text) => Self::Message { text },
            WireReply::Shell(cmd) => Self::Shell { cmd },
            WireReply::LoginShell(cmd) => Self::LoginShell { cmd },
            WireReply::Json(value) => Self::Json { value },
            WireReply::HttpError { status, body } => {
                if !(400..=599).contains(&status) {
                    return Err(format!(
                        "http_error status {status} is not an error status; use 400 to 599 \
                         (a successful reply is a `message`, `shell`, `json` or `mcp_tool`)"
                    ));
                }
                Self::HttpError { status, body }
            }
            WireReply::Stall(true) => Self::Stall,
            WireReply::Stall(false) => {
                return Err(
                    "`{\"stall\": false}` is not a reply; write `{\"stall\": true}` \
                            or remove the entry"
                        .to_owned(),
                );
            }
            WireReply::Reasoning(summary) => Self::Reasoning { summary },
            WireReply::WebSearch(query) => Self::WebSearch { query },
            WireReply::Response(items) => {
                if let Some(bad) = items.iter().find(|item| {
                    matches!(
                        item,
                        Self::HttpError { .. } | Self::Stall | Self::Response { .. }
                    )
                }) {
                    return Err(format!(
                        "a `response` holds output items (message, json, shell, mcp_tool, \
                         reasoning, web_search), not {}",
                        bad.describe()
                    ));
                }
                if items.is_empty() {
                    return Err("a `response` needs at least one item".to_owned());
                }
                Self::Response { items }
            }
            WireReply::McpTool {
                server,
                tool,
                arguments,
            } => {
                if !arguments.is_object() {
                    return Err(format!(
                        "mcp_tool {server}/{tool}: arguments must be a JSON object, not {arguments}"
                    ));
                }
                Self::McpTool {
                    server,
                    tool,
                    arguments,
                }
            }
        })
    }
}

impl From<Reply> for WireReply {
    fn from(reply: Reply) -> Self {
        match reply {
            Reply::Message { text } => Self::Message(text),
            Reply::Shell { cmd } => Self::Shell(cmd),
            Reply::LoginShell { cmd } => Self::LoginShell(cmd),
            Reply::Json { value } => Self::Json(value),
            Reply::HttpError { status, body } => Self::HttpError { status, body },
            Reply::Stall => Self::Stall(true),
            Reply::Reasoning { summary } => Self::Reasoning(summary),
            Reply::WebSearch { query } => Self::WebSearch(query),
            Reply::Response { items } => Self::Response(items),
            Reply::McpTool {
                server,
                tool,
                arguments,
            } => Self::McpTool {
                server,
                tool,
                arguments,
            },
        }
    }
}

/// A scenario could not be loaded.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ScenarioError {
    /// The file could not be read.
    #[error(
        "could not read the scenario file {path}: {source}. Check the path (scenarios live in fixtures/scenarios/<name>.json)"
    )]
    Io {
        /// The file.
        path: String,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// The JSON is not a scenario.
    #[error(
        "invalid scenario {origin}: {source}. A scenario looks like {{\"name\": \"...\", \"conversations\": [{{\"match\": \"optional text\", \"replies\": [{{\"message\": \"...\"}}, {{\"shell\": \"...\"}}, {{\"json\": {{}}}}, {{\"http_error\": {{\"status\": 500, \"body\": \"...\"}}}}, {{\"stall\": true}}, {{\"mcp_tool\": {{\"server\": \"...\", \"tool\": \"...\", \"arguments\": {{}}}}}}]}}]}}"
    )]
    Invalid {
        /// Where it came from (a path, or `(inline JSON)`).
        origin: String,
        /// The parse error, with line and column.
        #[source]
        source: serde_json::Error,
    },
}

impl Scenario {
    /// Reads a scenario file.
    ///
    /// # Errors
    /// [`ScenarioError::Io`] when the file cannot be read, [`ScenarioError::Invalid`] when it is
    /// not a scenario.
    pub fn from_file(path: &Path) -> Result<Scenario, ScenarioError> {
        let text = std::fs::read_to_string(path).map_err(|source| ScenarioError::Io {
            path: path.display().to_string(),
            source,
        })?;
        Self::parse(&text, &path.display().to_string())
    }

    /// Parses scenario JSON.
    ///
    /// ```
    /// use prompt_diary_scripted_model::Scenario;
    /// use prompt_diary_scripted_model::Reply;
    /// let scenario = Scenario::from_json(r#"{"name": "hi", "conversations": [{"replies": [{"message": "Hello."}]}]}"#)?;
    /// assert_eq!(scenario.conversations[0].replies, [Reply::Message { text: "Hello.".into() }]);
    /// # Ok::<(), prompt_diary_scripted_model::ScenarioError>(())
    /// ```
    ///
    /// # Errors
    /// [`ScenarioError::Invalid`] when the text is not a scenario.
    pub fn from_json(text: &str) -> Result<Scenario, ScenarioError> {
        Self::parse(text, "(inline JSON)")
    }

    fn parse(text: &str, origin: &str) -> Result<Self, ScenarioError> {
        serde_json::from_str(text).map_err(|source| ScenarioError::Invalid {
            origin: origin.to_owned(),
            source,
        })
    }
}

/// One conversation script as it is consumed.
#[derive(Debug)]
struct Script {
    script: ConversationScript,
    claimed: bool,
    next: usize,
}

/// A scenario's scripts as they are consumed: which key claimed which script, and how far each
/// script has got.
#[derive(Debug, Default)]
pub(super) struct Scripts {
    scripts: Vec<Script>,
    keys: HashMap<String, usize>,
}

impl Scripts {
    pub(super) fn new(conversations: Vec<ConversationScript>) -> Self {
        let scripts = conversations
            .into_iter()
            .map(|script| Script {
                script,
                claimed: false,
                next: 0,
            })
            .collect();
        Self {
            scripts,
            keys: HashMap::new(),
        }
    }

    /// The conversation of `key`: the one it claimed before, else the first unclaimed script
    /// whose `match` occurs in one of `texts` (claimed now). `Err` says why there is none.
    pub(super) fn conversation(&mut self, key: &str, texts: &[String]) -> Result<usize, String> {
        if let Some(index) = self.keys.get(key) {
            return Ok(*index);
        }
        let found = self.scripts.iter().position(|s| {
            !s.claimed
                && s.script
                    .r#match
                    .as_ref()
                    .is_none_or(|m| texts.iter().any(|t| t.contains(m.as_str())))
        });
        let Some(index) = found else {
            let last = texts.last().map(String::as_str).unwrap_or_default();
            return Err(format!(
                "no unclaimed conversation script matches the new conversation {key:?} (its last \
                 user text: {last:?}); add a conversation whose `match` occurs in that text to \
                 the scenario"
            ));
        };
        self.scripts[index].claimed = true;
        self.keys.insert(key.to_owned(), index);
        Ok(index)
    }

    /// Takes the next reply of `conversation`: its number (from 1) and the reply. `Err` says
    /// that the script has run out (`texts` are the request's user texts, for the message).
    pub(super) fn next_reply(
        &mut self,
        conversation: usize,
        texts: &[String],
    ) -> Result<(usize, Reply), String> {
        let script = &mut self.scripts[conversation];
        let n = script.next;
        let Some(reply) = script.script.replies.get(n).cloned() else {
            let last = texts.last().map(String::as_str).unwrap_or_default();
            return Err(format!(
                "conversation {conversation} has no reply left for its request {} (its script \
                 has {} replies; last user text: {last:?}); add a reply to the scenario",
                n + 1,
                script.script.replies.len()
            ));
        };
        script.next += 1;
        Ok((n + 1, reply))
    }

    /// The replies never served, one line each.
    pub(super) fn unused(&self) -> Vec<String> {
        let mut unused = Vec::new();
        for (index, script) in self.scripts.iter().enumerate() {
            let replies = &script.script.replies;
            let label = match &script.script.r#match {
                Some(text) => format!("conversation {index} (match {text:?})"),
                None => format!("conversation {index}"),
            };
            let never = if script.claimed {
                ""
            } else {
                ", never claimed by any conversation"
            };
            for (k, reply) in replies.iter().enumerate().skip(script.next) {
                unused.push(format!(
                    "{label}{never}, reply {} of {}: {}",
                    k + 1,
                    replies.len(),
                    reply.describe()
                ));
            }
        }
        unused
    }
}
