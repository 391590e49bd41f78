//! [`TransportError`]: failures of moving bytes, not of what they mean.

/// A failure of the transport itself.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TransportError {
    /// The server process could not be started.
    #[error(
        "could not start `{program}`: {source}. Check that the path is an executable Codex CLI"
    )]
    Spawn {
        /// The program that failed to start.
        program: String,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },

    /// Writing to the server failed: it has most likely exited.
    #[error("could not write to the server (it has probably exited; {status}): {source}")]
    Write {
        /// The exit status, if known.
        status: String,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },

    /// Reading from the server failed.
    #[error("could not read from the server: {source}")]
    Read {
        /// The OS error.
        #[source]
        source: std::io::Error,
    },

    /// The server wrote a line that is not a JSON-RPC message.
    #[error("the server wrote a line that is not a JSON-RPC message ({reason}): {excerpt}")]
    MalformedLine {
        /// Why it was rejected.
        reason: String,
        /// The start of the line.
        excerpt: String,
    },

    /// The server wrote a line longer than the cap.
    #[error(
        "the server wrote a line longer than {limit} bytes (the cap); the stream cannot be trusted after it"
    )]
    LineTooLong {
        /// The cap, in bytes.
        limit: usize,
    },

    /// The transport has been closed.
    #[error("the transport is closed")]
    Closed,

    /// Any other transport's failure (recording, replay), with its full report.
    #[error(transparent)]
    Other(Box<dyn std::error::Error + Send + Sync + 'static>),
}
