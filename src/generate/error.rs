//! [`GenerateError`]: how generating an entry can fail.

use std::path::PathBuf;

use super::agent_retry::ResumeError;
use crate::agent::AgentError;

/// A generation failure, naming the entry and the phase.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum GenerateError {
    /// The session factory did not give the phase a runner.
    #[error("entry `{entry}`, phase `{phase}`: no agent runner could be created: {source}")]
    Runner {
        /// The entry's slug.
        entry: String,
        /// The phase.
        phase: &'static str,
        /// The factory's error.
        #[source]
        source: Box<AgentError>,
    },
    /// An agent phase ended without a complete artifact.
    #[error("entry `{entry}`, {source}")]
    Phase {
        /// The entry's slug.
        entry: String,
        /// What the repair loop reported (the phase, the findings, the attempts).
        #[source]
        source: Box<ResumeError>,
    },
    /// The deterministic rendering phase could not read its inputs or write its output.
    #[error(
        "entry `{entry}`, phase `render`: {reason} ({path}). The render phase needs a valid \
         draft.md and review.md: run the agent phases first"
    )]
    Render {
        /// The entry's slug.
        entry: String,
        /// The file involved.
        path: PathBuf,
        /// What went wrong.
        reason: String,
    },
    /// The task generating an entry stopped before finishing (it panicked or was cancelled).
    #[error("entry `{entry}`: the task generating it stopped early: {message}")]
    Task {
        /// The entry's slug.
        entry: String,
        /// Why.
        message: String,
    },
    /// Stopping the agent backend failed.
    #[error("stopping the agent backend failed: {source}")]
    Shutdown {
        /// The factory's error.
        #[source]
        source: Box<AgentError>,
    },
}
