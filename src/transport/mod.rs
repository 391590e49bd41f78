//! How JSON-RPC messages move between the adapter and a server.
//!
//! [`Transport`] is the seam below the session layer: the live process transport talks to a
//! child process; the cassette layer's recording and replay transports implement the same trait,
//! so nothing above this module knows which one it holds. This module knows nothing of cassettes
//! or of Codex beyond line-delimited JSON-RPC framing.

mod diagnostics;
mod error;
pub(crate) mod framing;
mod message;
mod process;
mod shapes;

use async_trait::async_trait;

pub use diagnostics::Diagnostics;
pub use error::TransportError;
pub(crate) use message::MessageKind;
pub use message::{
    ErrorObject, ErrorResponse, InvalidMessage, Message, Notification, Request, RequestId, Response,
};
pub(crate) use process::{ProcessCommand, ProcessTransport};

/// A bidirectional stream of JSON-RPC messages with a server.
///
/// Implementations must make [`recv`](Transport::recv) cancel-safe: the session layer polls it in
/// `tokio::select!` beside its outgoing queue, and a cancelled `recv` must lose no message.
#[async_trait]
pub trait Transport: Send + 'static {
    /// Sends one message to the server.
    async fn send(&mut self, message: Message) -> Result<(), TransportError>;

    /// The next message from the server; `Ok(None)` once the server has closed its output.
    async fn recv(&mut self) -> Result<Option<Message>, TransportError>;

    /// Stops the server: closes its input, waits a bounded time, then kills it. Idempotent.
    async fn close(&mut self) -> Result<(), TransportError>;

    /// A live view of the server's diagnostics (stderr tail, exit status).
    fn diagnostics(&self) -> Diagnostics;

    /// The next message if one is already waiting, without awaiting; `None` when nothing is
    /// ready (or the transport cannot tell). Lets the session drain a burst of buffered messages
    /// in one go; [`recv`](Transport::recv) still delivers everything.
    fn ready(&mut self) -> Option<Message> {
        None
    }

    /// A hint: the client drops this thread's notifications of other methods than `methods`
    /// (server requests and responses it always takes), so a transport may skip producing them.
    /// A live process cannot, and ignores it (the default).
    fn deliver_only(&mut self, thread_id: &str, methods: &'static [&'static str]) {
        let _ = (thread_id, methods);
    }

    /// Whether the server will send nothing until the client sends again: true for a replay
    /// whose recorded server messages are all out. A live server never promises that (the
    /// default, `false`). Lets the session see a stalled replay at once, so a recorded timeout
    /// replays without waiting wall-clock time.
    fn awaiting_client(&self) -> bool {
        false
    }

    /// The server's process id, where there is a process.
    fn pid(&self) -> Option<u32> {
        None
    }
}

#[async_trait]
impl Transport for Box<dyn Transport> {
    async fn send(&mut self, message: Message) -> Result<(), TransportError> {
        (**self).send(message).await
    }

    async fn recv(&mut self) -> Result<Option<Message>, TransportError> {
        (**self).recv().await
    }

    async fn close(&mut self) -> Result<(), TransportError> {
        (**self).close().await
    }

    fn diagnostics(&self) -> Diagnostics {
        (**self).diagnostics()
    }

    fn ready(&mut self) -> Option<Message> {
        (**self).ready()
    }

    fn deliver_only(&mut self, thread_id: &str, methods: &'static [&'static str]) {
        (**self).deliver_only(thread_id, methods);
    }

    fn awaiting_client(&self) -> bool {
        (**self).awaiting_client()
    }

    fn pid(&self) -> Option<u32> {
        (**self).pid()
    }
}
