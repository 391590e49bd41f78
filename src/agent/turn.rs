//! Turn-level inputs and outputs: [`TurnOptions`], [`AgentTurnEvent`], [`AgentTurnResult`].

use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// The default budget of one turn: ten minutes.
pub const DEFAULT_TURN_TIMEOUT: Duration = Duration::from_secs(600);

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

/// Well-known values of [`AgentTurnEvent::kind`].
pub mod kinds {
    /// A message from the agent.
    pub const AGENT_MESSAGE: &str = "agent_message";
    /// A shell command the agent ran (or tried to run).
    pub const COMMAND: &str = "command";
    /// Files the agent created, changed or deleted through its patch tool.
    pub const FILE_CHANGE: &str = "file_change";
    /// A call to a tool of an MCP server.
    pub const MCP_TOOL_CALL: &str = "mcp_tool_call";
    /// A web search.
    pub const WEB_SEARCH: &str = "web_search";
    /// A reasoning summary.
    pub const REASONING: &str = "reasoning";
    /// A plan the agent laid out.
    pub const PLAN: &str = "plan";
    /// The backend asked for an approval and the runner answered.
    pub const APPROVAL: &str = "approval";
    /// An error reported during the turn.
    pub const ERROR: &str = "error";
    /// The backend is retrying after an error.
    pub const RETRY: &str = "retry";
    /// Any other completed item, named in the metadata's `type`.
    pub const OTHER: &str = "other";
}

/// One thing that happened during a turn: a completed item, an approval, an error.
///
/// `summary` is one readable line; `metadata` carries the structured fields (for a command:
/// `command`, `exit_code`, `duration_ms`, `status`; for a file change: `paths`; and so on).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgentTurnEvent {
    /// What kind of event this is; see [`kinds`].
    pub kind: String,
    /// One readable line.
    pub summary: String,
    /// Structured fields, in a stable (sorted) order.
    pub metadata: Map<String, Value>,
}

impl AgentTurnEvent {
    /// An event with no metadata.
    pub fn new(kind: impl Into<String>, summary: impl Into<String>) -> Self {
        Self {
            kind: kind.into(),
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
    pub fn events_of<'a>(&'a self, kind: &'a str) -> impl Iterator<Item = &'a AgentTurnEvent> + 'a {
        self.events.iter().filter(move |event| event.kind == kind)
    }
}
