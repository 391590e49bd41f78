//! [`RerecordError`]: why a cassette could not be re-recorded, the constructors the re-recording
//! paths use, and the one summary line per cassette (`RerecordSummary`).

use std::fmt;
use std::path::{Path, PathBuf};

use prompt_diary_scripted_model::ScenarioMismatch;

use super::scenario::Underivable;
use crate::agent::AgentError;
use crate::cassette::{CassetteError, WriteOutcome};
use crate::replay::CassetteReplayError;

/// Why a cassette could not be re-recorded.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RerecordError {
    /// The cassette could not be read.
    #[error(transparent)]
    Cassette(#[from] CassetteError),
    /// The model's side cannot be derived.
    #[error(transparent)]
    Underivable(#[from] Underivable),
    /// The client's side cannot be read back (not adapter traffic).
    #[error(transparent)]
    Client(#[from] CassetteReplayError),
    /// The recording called MCP tools, but its header names no MCP server overrides (an older
    /// cassette).
    #[error(
        "{0} calls MCP tools but its header keeps no MCP server overrides (recorded before they were kept); re-record it once with its fixture (`cargo run -- record-fixtures`)"
    )]
    NeedsBackendConfig(PathBuf),
    /// The client side of a cassette another client recorded could not be sent again: the new
    /// Codex did not answer as the recording shows.
    #[error("re-recording {}:{line}: {reason}", path.display())]
    ClientSide {
        /// The cassette.
        path: PathBuf,
        /// The line of the client message that could not be sent.
        line: usize,
        /// Why.
        reason: String,
    },
    /// The new Codex did not do what the recording shows: it exited during a turn, or made
    /// fewer or other model calls than the recording. Nothing is left for review.
    #[error(
        "re-recording {}: {what}. Nothing was left for review. Run it again to see whether it \
         repeats; if it does, this Codex cannot re-record the cassette offline: record it again \
         with the client that made it (`cargo run -- record-fixtures` for this project's \
         fixtures)",
        path.display()
    )]
    Diverged {
        /// The cassette.
        path: PathBuf,
        /// What the new Codex did otherwise.
        what: String,
    },
    /// The re-recording ran but could not be finished: the recording not closed or not
    /// written, or a failed one's `.new` not put back.
    #[error("re-recording {}: {reason}", path.display())]
    Unfinished {
        /// The cassette.
        path: PathBuf,
        /// What could not be done, and what to do.
        reason: String,
    },
    /// Recording failed, or the new Codex did not follow the derived scenario.
    #[error("re-recording {path}: {source}")]
    Record {
        /// The cassette.
        path: PathBuf,
        /// What failed.
        #[source]
        source: AgentError,
    },
    /// The cassette starts an MCP server (a process Codex runs outside its sandbox) that the
    /// user did not name: a cassette may come from anyone, so re-recording starts only the
    /// servers the user allows.
    #[error(
        "{}:{line}: the cassette starts the MCP server `{server}` (`{setting}`), a process that \
         runs outside the sandbox; nothing was run. Read what it starts (`prompt-diary inspect \
         {}`), then allow it with `--allow-mcp-server {server}`",
        path.display(),
        path.display()
    )]
    McpServerNotAllowed {
        /// The cassette.
        path: PathBuf,
        /// The line that names the server (1: the header's overrides).
        line: usize,
        /// The server's name.
        server: String,
        /// The setting that starts it, as the cassette has it.
        setting: String,
    },
    /// The cassette asks for something that would run or write outside the sandboxed scratch
    /// workspace and that the sandbox cannot contain (another working directory, a setting that starts a process, an
    /// approval granted, a request other than the session's own); nothing was run.
    #[error(
        "{}:{line}: re-recording refuses {what}; nothing was run. A cassette may come from \
         anyone: its commands are re-run only inside a sandboxed scratch workspace. Remove it from \
         the cassette, or record the session again yourself (`prompt-diary record`)",
        path.display()
    )]
    Unsafe {
        /// The cassette.
        path: PathBuf,
        /// The line that asks for it.
        line: usize,
        /// What it asks for.
        what: String,
    },
}

impl RerecordError {
    /// The error for `refusal` in the cassette at `path`.
    pub(super) fn refused(path: &Path, refusal: super::untrusted::Refusal) -> Self {
        use super::untrusted::Refusal;
        let path = path.to_owned();
        match refusal {
            Refusal::McpServer {
                line,
                server,
                setting,
            } => Self::McpServerNotAllowed {
                path,
                line,
                server,
                setting,
            },
            Refusal::Unsafe { line, what } => Self::Unsafe { path, line, what },
        }
    }
}

/// Re-recording `path` failed with `source`.
pub(super) fn failed(path: &Path, source: AgentError) -> RerecordError {
    RerecordError::Record {
        path: path.to_owned(),
        source,
    }
}

/// The new Codex did `what` instead of what the recording of `path` shows.
pub(super) fn diverged(path: &Path, what: impl Into<String>) -> RerecordError {
    RerecordError::Diverged {
        path: path.to_owned(),
        what: what.into(),
    }
}

/// Re-recording `path` could not be finished, for `reason`.
pub(super) fn unfinished(path: &Path, reason: impl Into<String>) -> RerecordError {
    RerecordError::Unfinished {
        path: path.to_owned(),
        reason: reason.into(),
    }
}

/// Re-recording `path` could not set up: the model, the Codex home, the workspaces, the
/// Codex process.
pub(super) fn unavailable(path: &Path, reason: impl fmt::Display) -> RerecordError {
    failed(
        path,
        AgentError::BackendUnavailable {
            message: reason.to_string(),
        },
    )
}

/// What a scenario mismatch says about the new Codex's model calls (without the test kit's
/// advice on opting out).
pub(super) fn calls_text(mismatch: &ScenarioMismatch) -> String {
    let first = |lines: &[String]| lines.first().cloned().unwrap_or_default();
    let mut parts = Vec::new();
    if !mismatch.unused_replies.is_empty() {
        parts.push(format!(
            "it made fewer model calls than the recording: {} scripted repl{} never served \
             (first: {})",
            mismatch.unused_replies.len(),
            if mismatch.unused_replies.len() == 1 {
                "y was"
            } else {
                "ies were"
            },
            first(&mismatch.unused_replies)
        ));
    }
    if !mismatch.errors.is_empty() {
        parts.push(format!(
            "it made more or other model calls than the recording: {} request(s) could not be \
             answered (first: {})",
            mismatch.errors.len(),
            first(&mismatch.errors)
        ));
    }
    parts.join("; ")
}

impl fmt::Display for RerecordSummary<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Ok(WriteOutcome::Unchanged(path)) => write!(f, "unchanged {}", path.display()),
            Ok(WriteOutcome::Written(path)) => write!(f, "wrote {}", path.display()),
            Ok(WriteOutcome::Pending { existing, pending }) => {
                write!(
                    f,
                    "CHANGED: review {} (prompt-diary review)",
                    pending.display()
                )?;
                match super::policy::note_for(existing, pending) {
                    Some(note) => write!(f, "; {note}"),
                    None => Ok(()),
                }
            }
            Err(err) => write!(f, "FAILED: {err}"),
        }
    }
}

/// One summary line for a [`rerecord_cassette`] outcome.
pub(crate) struct RerecordSummary<'a>(pub(crate) &'a Result<WriteOutcome, RerecordError>);
