//! [`AgentError`]: everything a turn or a backend can fail with, as seen through the port.

use std::sync::Arc;
use std::time::Duration;

/// An error from the agent port.
///
/// Each variant says what happened, with the values involved, and what to try next. The
/// backend's diagnostic output (for Codex, the tail of the app-server's stderr) is carried where
/// it helps.
#[derive(thiserror::Error)]
#[non_exhaustive]
pub enum AgentError {
    /// A configuration value is not one the backend accepts.
    #[error("invalid value {value:?} for `{field}`: accepted values are {accepted}")]
    InvalidConfig {
        /// The field, as named in [`AgentConfig`](super::AgentConfig).
        field: &'static str,
        /// The value given.
        value: String,
        /// What would have been accepted.
        accepted: String,
    },

    /// The backend could not be started (binary missing, spawn failed, handshake failed).
    #[error("the agent backend could not start: {message}")]
    BackendUnavailable {
        /// What went wrong and what to do about it.
        message: String,
    },

    /// The backend process went away while it was needed.
    #[error(
        "the agent backend exited unexpectedly ({status}) {context}; stderr tail:\n{stderr_tail}"
    )]
    BackendExited {
        /// The exit status, as text (e.g. `exit status: 1`, `signal: 9 (SIGKILL)`).
        status: String,
        /// What was going on when it went away.
        context: String,
        /// The last lines the backend wrote to stderr.
        stderr_tail: String,
    },

    /// The turn ran but failed, for example because the model call failed. The runner stays
    /// usable: another turn may be sent on the same conversation.
    #[error("the turn failed: {message}{}", details.as_deref().map(|d| format!(" ({d})")).unwrap_or_default())]
    TurnFailed {
        /// The backend's error message.
        message: String,
        /// Extra detail such as an error category (`internalServerError`).
        details: Option<String>,
    },

    /// The turn did not finish within its budget. It was interrupted; the runner stays usable.
    #[error(
        "the turn timed out after {timeout:?} while {running}; last events: [{}]. \
         Raise `TurnOptions::timeout`, check that the model provider answers, and read the backend's stderr tail:\n{stderr_tail}",
        last_events.join("; ")
    )]
    Timeout {
        /// The budget that ran out.
        timeout: Duration,
        /// What the turn was doing (the item in progress, or "waiting for the model").
        running: String,
        /// Summaries of the last events seen, oldest first.
        last_events: Vec<String>,
        /// The last lines the backend wrote to stderr.
        stderr_tail: String,
    },

    /// The backend sent something the adapter cannot make sense of.
    #[error("protocol error: {message}")]
    Protocol {
        /// What was wrong, with the offending value.
        message: String,
    },

    /// A turn was asked of a runner whose conversation was released with
    /// [`AgentRunner::close`](super::AgentRunner::close). The factory and its other runners go
    /// on; this runner takes no more turns.
    #[error(
        "this runner's conversation was released with `close()` and takes no more turns; ask the \
         session factory for a new runner to start another conversation"
    )]
    RunnerClosed,

    /// The backend was stopped because a cleanup could not be confirmed within its bound (an
    /// interrupted turn that never settled, a released conversation the backend never confirmed
    /// unloaded). It is never reused in an unknown state: every runner and the factory itself
    /// fail with this error from then on.
    #[error(
        "the agent backend was stopped and will not be reused: {reason}. Start a new session \
         factory to run more turns"
    )]
    BackendInvalid {
        /// What could not be confirmed, with the bound that passed.
        reason: String,
    },

    /// The runner or factory was used after the backend was shut down.
    #[error("the agent backend has been shut down; create a new session factory to run more turns")]
    ShutDown,

    /// A backend failure with a typed error of its own, for example a replay that diverged from
    /// its cassette (`prompt_diary::cassette::Divergence`), recorded interactions the code under
    /// test never asked for (`cassette::UnusedInteractions`), or a cassette that could not be
    /// loaded (`cassette::CassetteError`). Match it with `downcast_ref` on the error inside, or
    /// with [`AgentError::backend_error`]. The message is the backend's full report.
    #[error(transparent)]
    Backend(Arc<dyn std::error::Error + Send + Sync + 'static>),
}

impl AgentError {
    /// The backend's typed error of type `E`, if this is a [`Backend`](Self::Backend) failure
    /// that holds one (itself or anywhere in its `source()` chain).
    ///
    /// ```
    /// # use prompt_diary::agent::AgentError;
    /// # fn check(err: &AgentError) {
    /// if let Some(divergence) = err.backend_error::<prompt_diary::cassette::Divergence>() {
    ///     eprintln!("diverged at line {} of {}", divergence.line, divergence.cassette.display());
    /// }
    /// # }
    /// ```
    pub fn backend_error<E: std::error::Error + 'static>(&self) -> Option<&E> {
        let Self::Backend(inner) = self else {
            return None;
        };
        let mut current: Option<&(dyn std::error::Error + 'static)> = Some(&**inner);
        while let Some(err) = current {
            if let Some(found) = err.downcast_ref::<E>() {
                return Some(found);
            }
            current = err.source();
        }
        None
    }

    /// Whether the same runner may be used for another turn after this error.
    ///
    /// - [`TurnFailed`](Self::TurnFailed) and [`Timeout`](Self::Timeout) (an interrupted turn
    ///   that settled): the runner, and the factory, stay usable.
    /// - [`RunnerClosed`](Self::RunnerClosed): this runner is done; the factory stays usable.
    /// - [`InvalidConfig`](Self::InvalidConfig) from `runner()` or a first turn: nothing was
    ///   started; fix the value and ask for a runner again.
    /// - [`BackendInvalid`](Self::BackendInvalid), [`ShutDown`](Self::ShutDown),
    ///   [`BackendExited`](Self::BackendExited): neither this runner nor the factory is usable;
    ///   start a new factory.
    /// - [`Protocol`](Self::Protocol) and [`Backend`](Self::Backend) (a replay divergence, ...):
    ///   the session is in an unknown state; do not reuse the runner.
    pub fn runner_still_usable(&self) -> bool {
        matches!(self, Self::TurnFailed { .. } | Self::Timeout { .. })
    }
}
