//! The JSON-RPC session with `codex app-server`: request ids, routing by thread, answers to
//! server requests, and the typed subset of the protocol the adapter needs.
//!
//! Nothing here knows how bytes move; that is [`crate::transport`]'s job.

mod error;
pub mod protocol;
pub mod server_requests;
mod session;

pub use error::SessionError;
pub use server_requests::ApprovalDecision;
pub use session::{RouteFn, RpcSession, STDERR_TAIL_LINES, ThreadEvent, ThreadInbox};
