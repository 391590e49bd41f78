//! [`SessionError`]: failures of the JSON-RPC session with the app-server.

use std::sync::Arc;
use std::time::Duration;

use crate::transport::TransportError;

/// A failure of the JSON-RPC session.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum SessionError {
    /// The server is gone (exited, closed its output, or the transport failed). Every pending
    /// request and every conversation on it fails with this.
    #[error("the app-server is gone ({status}): {reason}")]
    Closed {
        /// Why the session ended.
        reason: String,
        /// The process exit status, or why it is unknown.
        status: String,
        /// The last lines of the server's stderr.
        stderr_tail: String,
    },

    /// The server answered a request with an error.
    #[error("`{method}` was refused by the app-server (code {code}): {message}")]
    Rejected {
        /// The request's method.
        method: String,
        /// The JSON-RPC error code.
        code: i64,
        /// The server's message.
        message: String,
    },

    /// The server did not answer a request in time.
    #[error("the app-server did not answer `{method}` within {after:?}")]
    NoAnswer {
        /// The request's method.
        method: String,
        /// How long was waited.
        after: Duration,
    },

    /// The server answered with something the adapter does not understand.
    #[error("unexpected answer to `{method}`: {message}")]
    BadAnswer {
        /// The request's method.
        method: String,
        /// What was wrong.
        message: String,
    },

    /// A request's params could not be encoded as JSON (a bug: please report it).
    #[error(
        "could not encode the params of `{method}`: {message}; this is a bug in prompt-diary, please report it"
    )]
    Encode {
        /// The request's method.
        method: String,
        /// What serde said.
        message: String,
    },

    /// The transport failed with a typed error of its own (for example a replay that diverged
    /// from its cassette, `prompt_diary::cassette::Divergence`, or a recording that could not be
    /// written). Shared, because every waiter on the session fails with it; downcast it to read
    /// its fields. Its message says what happened and what to do.
    #[error(transparent)]
    Failed(Arc<dyn std::error::Error + Send + Sync + 'static>),

    /// The session was shut down on purpose.
    #[error("the session has been shut down")]
    ShutDown,
}

impl SessionError {
    pub(crate) fn closed_by(err: TransportError, status: String, stderr_tail: String) -> Self {
        match err {
            TransportError::Other(inner) => Self::Failed(Arc::from(inner)),
            err => Self::Closed {
                reason: err.to_string(),
                status,
                stderr_tail,
            },
        }
    }
}
