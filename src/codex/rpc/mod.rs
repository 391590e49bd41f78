//! The JSON-RPC session with `codex app-server`: request ids, routing by thread, answers to
//! server requests, and the typed subset of the protocol the adapter needs.
//!
//! Nothing here knows how bytes move; that is [`crate::transport`]'s job.

mod actor;
mod error;
#[cfg(test)]
mod flood_tests;
mod inbox;
pub(crate) mod protocol;
pub(crate) mod requests;
mod schema_diff;
pub(crate) mod server_requests;
mod session;
mod subset;

pub use error::SessionError;
pub use inbox::ThreadEvent;
pub(crate) use inbox::ThreadInbox;
pub(crate) use schema_diff::SchemaDiff;
pub(crate) use schema_diff::compare as compare_schemas;
pub use server_requests::ApprovalDecision;
pub use session::RpcSession;
pub(crate) use session::STDERR_TAIL_LINES;
pub(crate) use subset::problems as subset_problems;
