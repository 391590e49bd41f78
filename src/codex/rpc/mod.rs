//! The JSON-RPC session with `codex app-server`: request ids, routing by thread, answers to
//! server requests, and the typed subset of the protocol the adapter needs.
//!
//! Nothing here knows how bytes move; that is [`crate::transport`]'s job.
//!
//! The session's `pub` items are public through the test kit only (`testing::session`, feature
//! `test-util`); the lean library keeps them crate-internal.
#![cfg_attr(
    not(feature = "test-util"),
    allow(
        unreachable_pub,
        reason = "pub for the test kit's `testing::session` re-export (feature `test-util`)"
    )
)]

mod actor;
mod error;
#[cfg(test)]
mod flood_tests;
mod inbox;
pub(crate) mod protocol;
pub(crate) mod requests;
#[cfg(feature = "rerecord")]
mod schema_diff;
pub(crate) mod server_requests;
mod session;
#[cfg(any(feature = "rerecord", test))]
mod subset;

pub use error::SessionError;
pub use inbox::ThreadEvent;
pub(crate) use inbox::ThreadInbox;
#[cfg(feature = "rerecord")]
pub(crate) use schema_diff::{SchemaDiff, compare as compare_schemas};
pub use server_requests::ApprovalDecision;
pub use session::RpcSession;
pub(crate) use session::STDERR_TAIL_LINES;
#[cfg(feature = "test-util")]
pub(crate) use subset::problems as subset_problems;
