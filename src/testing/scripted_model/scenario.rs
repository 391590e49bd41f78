//! Scenario files: what the scripted model answers, per conversation.

use std::path::Path;

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// A scenario: the model's side of a test, one script per conversation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Scenario {
    /// The scenario's name.
    pub name: String,
    /// One script per conversation the scenario expects.
    pub conversations: Vec<ConversationScript>,
}

/// The replies of one conversation, served in order, one per model request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConversationScript {
    /// A text that must occur in the conversation's first request (in a user message) for this
    /// script to be chosen; absent matches any conversation.
    #[serde(default, rename = "match")]
    pub r#match: Option<String>,
    /// The replies, in order.
    pub replies: Vec<Reply>,
}

/// One scripted answer to one model request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Reply {
    /// An assistant message.
    Message(String),
    /// A call of Codex's shell tool (`exec_command`) with this command line.
    Shell(String),
    /// An assistant message whose text is this JSON, serialised compactly.
    Json(Value),
    /// A failed request with this HTTP status and body.
    HttpError {
        /// The HTTP status.
        status: u16,
        /// The response body.
        #[serde(default)]
        body: String,
    },
    /// Start the stream, then send nothing more until released (see
    /// [`ScriptedModel::release_stalls`](super::ScriptedModel::release_stalls)).
    Stall(bool),
    /// A call of a tool of an MCP server, as Codex exposes it to the model.
    McpTool {
        /// The MCP server's name in the Codex config.
        server: String,
        /// The tool's name.
        tool: String,
        /// The tool's arguments.
        #[serde(default)]
        arguments: Value,
    },
}

impl Reply {
    /// A one-line description, for reports.
    pub fn describe(&self) -> String {
        match self {
            Self::Message(text) => format!("message {text:?}"),
            Self::Shell(cmd) => format!("shell {cmd:?}"),
            Self::Json(value) => format!("json {value}"),
            Self::HttpError { status, .. } => format!("http error {status}"),
            Self::Stall(_) => "stall".to_owned(),
            Self::McpTool { server, tool, .. } => format!("mcp tool {server}/{tool}"),
        }
    }
}

/// A scenario file could not be read.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ScenarioError {
    /// The file could not be read.
    #[error("could not read the scenario {path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// The JSON is not a scenario.
    #[error(
        "invalid scenario {origin}: {source}. A scenario is {{\"name\": ..., \"conversations\": [{{\"match\": ..., \"replies\": [{{\"message\": \"...\"}}, {{\"shell\": \"...\"}}, ...]}}]}}"
    )]
    Invalid {
        /// Where it came from.
        origin: String,
        /// The parse error.
        #[source]
        source: serde_json::Error,
    },
}

impl Scenario {
    /// Reads a scenario file (extra top-level sections, such as `client`, are ignored).
    pub fn from_file(path: &Path) -> Result<Self, ScenarioError> {
        let text = std::fs::read_to_string(path).map_err(|source| ScenarioError::Io {
            path: path.display().to_string(),
            source,
        })?;
        Self::parse(&text, &path.display().to_string())
    }

    /// Parses scenario JSON.
    pub fn from_json(text: &str) -> Result<Self, ScenarioError> {
        Self::parse(text, "(inline JSON)")
    }

    fn parse(text: &str, origin: &str) -> Result<Self, ScenarioError> {
        serde_json::from_str(text).map_err(|source| ScenarioError::Invalid {
            origin: origin.to_owned(),
            source,
        })
    }
}
