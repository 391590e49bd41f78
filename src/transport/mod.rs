//! How JSON-RPC messages move between the adapter and a server.
//!
//! [`Transport`] is the seam below the session layer: the live process transport talks to a
//! child process; the cassette layer's recording and replay transports implement the same trait,
//! so nothing above this module knows which one it holds. A transport that plays a recorded
//! server (replay, `new_episodes`) also offers [`Playback`], the session's hints about it. This module knows nothing of cassettes
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

/// A bidirectional stream of JSON-RPC messages with a server: send, receive, close.
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

    /// The server's process id, where there is a process.
    fn pid(&self) -> Option<u32> {
        None
    }

    /// What a played-back server offers beyond its messages ([`Playback`]); `None` (the
    /// default) for a live server, which can offer none of it.
    fn playback(&mut self) -> Option<&mut dyn Playback> {
        None
    }
}

/// What a transport playing a recorded server (a replay, `new_episodes`) can tell the session
/// that a live server cannot: it holds the server's side, so it knows what is buffered, what the
/// client will drop, and when nothing more will come. The session reaches it through
/// [`Transport::playback`].
pub trait Playback {
    /// The next message if one is already waiting, without awaiting; `None` when nothing is
    /// ready. Lets the session drain a burst of buffered messages in one go;
    /// [`recv`](Transport::recv) still delivers everything.
    fn ready(&mut self) -> Option<Message>;

    /// A hint: the client drops this thread's notifications of other methods than `methods`
    /// (server requests and responses it always takes), so the playback may skip producing them.
    fn deliver_only(&mut self, thread_id: &str, methods: &'static [&'static str]);

    /// Whether the server will send nothing until the client sends again: true for a replay
    /// whose recorded server messages are all out. Lets the session see a stalled replay at
    /// once, so a recorded timeout replays without waiting wall-clock time.
    fn awaiting_client(&self) -> bool;
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

    fn pid(&self) -> Option<u32> {
        (**self).pid()
    }

    fn playback(&mut self) -> Option<&mut dyn Playback> {
        (**self).playback()
    }
}
