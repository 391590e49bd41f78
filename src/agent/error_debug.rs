//! [`AgentError`]'s `Debug`: the message a person reads, as its `Display` gives it, then the
//! chain of causes (the way `anyhow::Error`'s `Debug` reads).
//!
//! A test that returns `Result<(), Box<dyn Error>>` prints its error with `Debug`; a derived one
//! would bury a divergence report inside a struct dump as one escaped string.

use std::error::Error as _;
use std::fmt;

use super::AgentError;

impl fmt::Debug for AgentError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{self}")?;
        let mut causes = Vec::new();
        let mut next = self.source();
        while let Some(cause) = next {
            causes.push(cause.to_string());
            next = cause.source();
        }
        match causes.as_slice() {
            [] => Ok(()),
            [only] => write!(f, "\n\nCaused by:\n    {}", indent(only)),
            many => {
                f.write_str("\n\nCaused by:")?;
                for (n, cause) in many.iter().enumerate() {
                    write!(f, "\n    {n}: {}", indent(cause))?;
                }
                Ok(())
            }
        }
    }
}

/// `text` with its later lines indented to sit under a cause's first line.
fn indent(text: &str) -> String {
    text.replace('\n', "\n       ")
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;

    #[derive(Debug, thiserror::Error)]
    #[error("reading the cassette failed")]
    struct Outer(#[source] std::io::Error);

    #[test]
    fn debug_reads_like_display() {
        let err = AgentError::BackendUnavailable {
            message: "no Codex binary".into(),
        };
        assert_eq!(
            format!("{err:?}"),
            "the agent backend could not start: no Codex binary"
        );
    }

    #[test]
    fn a_backend_error_shows_its_message_then_its_causes() {
        let io = std::io::Error::other("disk full\nretry later");
        let err = AgentError::Backend(Arc::new(Outer(io)));
        assert_eq!(
            format!("{err:?}"),
            "reading the cassette failed\n\nCaused by:\n    disk full\n       retry later"
        );
    }
}
