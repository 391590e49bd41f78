//! Turn-level inputs and outputs: [`TurnOptions`], [`AgentTurnEvent`], [`AgentTurnResult`].

use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// The default budget of one turn: ten minutes.
pub(crate) const DEFAULT_TURN_TIMEOUT: Duration = Duration::from_secs(600);

/// Options for one turn. Turn-level because repair turns may need other limits or schemas.
///
/// Build it with struct update syntax, as the port's users do:
/// `TurnOptions { timeout: Duration::from_secs(30), ..Default::default() }`.
#[derive(Debug, Clone, PartialEq)]
pub struct TurnOptions {
    /// How long the turn may run before it is interrupted and reported as a timeout.
    pub timeout: Duration,
    /// A JSON Schema the model's final message must follow. The runner passes it on; checking
    /// the reply against it stays the caller's job.
    pub output_schema: Option<Value>,
}

impl Default for TurnOptions {
    fn default() -> Self {
        Self {
            timeout: DEFAULT_TURN_TIMEOUT,
            output_schema: None,
        }
    }
}

impl TurnOptions {
    /// Options with the given timeout and no output schema.
    pub fn with_timeout(timeout: Duration) -> Self {
        Self {
            timeout,
            ..Self::default()
        }
    }

    /// Sets the output schema.
    pub fn output_schema(mut self, schema: Value) -> Self {
        self.output_schema = Some(schema);
        self
    }
}

/// What kind of thing an [`AgentTurnEvent`] is. Serialised as snake case (`agent_message`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum EventKind {
    /// A message from the agent.
    AgentMessage,
    /// A shell command the agent ran (or tried to run).
    Command,
    /// Files the agent created, changed or deleted through its patch tool.
    FileChange,
    /// A call to a tool of an MCP server.
    McpToolCall,
    /// A web search.
    WebSearch,
    /// A reasoning summary.
    Reasoning,
    /// A plan the agent laid out.
    Plan,
    /// The backend asked for an approval and the runner answered.
    Approval,
    /// An error reported during the turn.
    Error,
    /// The backend is retrying after an error.
    Retry,
    /// Any other completed item, named in the metadata's `type`.
    Other,
}

impl EventKind {
    /// The snake-case name (`agent_message`, `command`, ...), as serialised.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::AgentMessage => "agent_message",
            Self::Command => "command",
            Self::FileChange => "file_change",
            Self::McpToolCall => "mcp_tool_call",
            Self::WebSearch => "web_search",
            Self::Reasoning => "reasoning",
            Self::Plan => "plan",
            Self::Approval => "approval",
            Self::Error => "error",
            Self::Retry => "retry",
            Self::Other => "other",
        }
    }
}

impl std::fmt::Display for EventKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.pad(self.as_str())
    }
}

/// One thing that happened during a turn: a completed item, an approval, an error.
///
/// `summary` is one readable line; `metadata` carries the structured fields (for a command:
/// `command`, `exit_code`, `duration_ms`, `status`; for a file change: `paths`; and so on).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgentTurnEvent {
    /// What kind of event this is.
    pub kind: EventKind,
    /// One readable line.
    pub summary: String,
    /// Structured fields, in a stable (sorted) order.
    pub metadata: Map<String, Value>,
}

impl AgentTurnEvent {
    /// An event with no metadata.
    pub fn new(kind: EventKind, summary: impl Into<String>) -> Self {
        Self {
            kind,
            summary: summary.into(),
            metadata: Map::new(),
        }
    }

    /// Adds one metadata field; `null` values are skipped.
    pub fn with(mut self, key: &str, value: impl Into<Value>) -> Self {
        let value = value.into();
        if !value.is_null() {
            self.metadata.insert(key.to_owned(), value);
        }
        self
    }
}

/// What a turn produced: the agent's final text and everything that happened on the way.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgentTurnResult {
    /// The agent's final message of the turn (empty if it sent none).
    pub assistant_text: String,
    /// Every completed item, approval and error, in the order they happened.
    pub events: Vec<AgentTurnEvent>,
}

impl AgentTurnResult {
    /// The events of one kind, in order.
    pub fn events_of(&self, kind: EventKind) -> impl Iterator<Item = &AgentTurnEvent> + '_ {
        self.events.iter().filter(move |event| event.kind == kind)
    }
}
