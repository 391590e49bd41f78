//! The JSON-RPC session layer below the adapter, for tests and benchmarks that drive it directly
//! (the adapter is the way to use it otherwise).

pub use crate::codex::rpc::{RpcSession, SessionError, ThreadEvent};
