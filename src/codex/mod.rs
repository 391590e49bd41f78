//! The Codex adapter: the agent port implemented on `codex app-server`.
//!
//! - [`CodexBackendConfig`]: what an app-server process is started with (MCP overrides, binary).
//! - [`CodexBackend`]: one started app-server, shared by runners.
//! - [`CodexAgentRunner`]: one conversation (an app-server thread); turns, approvals, timeouts,
//!   event folding.
//! - [`CodexAgentSessionFactory`]: the [`AgentSessionFactory`](crate::agent::AgentSessionFactory)
//!   phases hold; one process per distinct backend config.
//!
//! The adapter asks the crate's transport opener (`connect`) for a transport (live, recording or replay, as the config's
//! cassette settings say) and never asks which one it holds. Finding and installing the Codex
//! binary is [`crate::codex_bin`]'s job.

mod backend;
mod config;
mod events;
mod factory;
pub(crate) mod rpc;
mod runner;

pub use backend::CodexBackend;
pub use config::CodexBackendConfig;
pub use factory::CodexAgentSessionFactory;
pub use rpc::ApprovalDecision;
pub use runner::CodexAgentRunner;
