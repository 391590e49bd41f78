//! The Codex adapter: the agent port implemented on `codex app-server`.
//!
//! - [`CodexBackendConfig`]: what an app-server process is started with (MCP overrides, binary).
//! - [`CodexBackend`]: one started app-server, shared by runners.
//! - [`CodexAgentRunner`]: one conversation (an app-server thread); turns, approvals, timeouts,
//!   event folding.
//! - [`CodexAgentSessionFactory`]: the [`AgentSessionFactory`](crate::agent::AgentSessionFactory)
//!   phases hold; one process per distinct backend config.
//!
//! The adapter speaks through a [`Transport`](crate::transport::Transport) and never asks which
//! one it holds.

mod backend;
mod binary;
mod config;
mod events;
mod factory;
mod install;
mod runner;
mod schema;

pub use crate::integrations::codex::ApprovalDecision;
pub use backend::{BackendReport, CLIENT_NAME, CodexBackend};
pub use binary::{
    BinaryNotFound, BinarySource, CODEX_BIN_ENV, LOCAL_INSTALL_DIR, PINNED_CODEX_VERSION,
    binary_in_install, find_local_install, install_dir, resolve_codex_bin,
};
pub use config::{CodexBackendConfig, DEFAULT_REQUEST_TIMEOUT};
pub use factory::CodexAgentSessionFactory;
pub use install::{InstallError, install_codex, project_root};
pub use runner::{CodexAgentRunner, SETTLE_GRACE};
pub use schema::schema_fingerprint;
