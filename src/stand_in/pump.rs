//! Moving messages between the client's stdio and a transport.

use tokio::io::{AsyncRead, AsyncWrite};

use crate::transport::framing::{self, DEFAULT_MAX_LINE};
use crate::transport::{ErrorObject, Message, MessageKind, Transport};

/// The JSON-RPC error code the stand-in answers a diverging request with.
pub(super) const DIVERGED: i64 = -32099;

/// How a stand-in session ended.
#[derive(Debug)]
pub(super) enum StandInOutcome {
    /// The client closed stdin and everything was in order.
    Clean,
    /// The server (real Codex) went away first.
    ServerExited(String),
    /// A failure: a divergence, unused interactions, a recording that could not be written, a
    /// line from the client that is not JSON-RPC. The report was printed to stderr when it
    /// happened.
    Failed,
}

impl StandInOutcome {
    /// The process exit code for this outcome.
    pub(super) fn exit_code(&self) -> i32 {
        match self {
            Self::Clean => 0,
            Self::ServerExited(_) | Self::Failed => 1,
        }
    }
}

/// Passes client messages from `input` to `transport` and server messages back to `output` until
/// the client closes its input (or `stop` resolves, e.g. on SIGTERM), then closes the transport
/// (which writes a recording, or checks a replay was used up).
pub(super) async fn pump<T, R, W, S>(
    mut transport: T,
    input: R,
    mut output: W,
    stop: S,
) -> StandInOutcome
where
    T: Transport,
    R: AsyncRead + Unpin + Send + 'static,
    W: AsyncWrite + Unpin,
    S: std::future::Future<Output = ()>,
{
    tokio::pin!(stop);
    let (mut from_client, reader) = framing::spawn_reader(input, DEFAULT_MAX_LINE, 256);
    let outcome = loop {
        tokio::select! {
            () = &mut stop => break StandInOutcome::Clean,
            from = from_client.recv() => match from {
                None => break StandInOutcome::Clean,
                Some(Err(err)) => {
                    super::report::failure(&format!("the client sent a line that is not a JSON-RPC message: {err}"));
                    break StandInOutcome::Failed;
                }
                Some(Ok(message)) => {
                    let id = (message.kind() == MessageKind::Request).then(|| message.id()).flatten();
                    if let Err(err) = transport.send(message).await {
                        let report = err.to_string();
                        super::report::transport_failure(&err);
                        if let Some(id) = id {
                            let error = ErrorObject { code: DIVERGED, message: report, data: None };
                            let _ = framing::write_message(&mut output, &Message::error_response(id, error)).await;
                        }
                        break StandInOutcome::Failed;
                    }
                }
            },
            incoming = transport.recv() => match incoming {
                Ok(Some(message)) => {
                    if framing::write_message(&mut output, &message).await.is_err() {
                        break StandInOutcome::Clean; // the client is gone
                    }
                }
                Ok(None) => {
                    let status = transport.diagnostics().exit_status().unwrap_or_else(|| "unknown".to_owned());
                    break StandInOutcome::ServerExited(status);
                }
                Err(err) => {
                    super::report::transport_failure(&err);
                    break StandInOutcome::Failed;
                }
            },
        }
    };
    reader.abort();
    match transport.close().await {
        Err(err) if matches!(outcome, StandInOutcome::Clean) => {
            super::report::transport_failure(&err);
            StandInOutcome::Failed
        }
        Err(err) => {
            super::report::transport_failure(&err);
            outcome
        }
        Ok(()) => outcome,
    }
}
