//! The neutral agent port: what generation phases depend on, and nothing about any backend.
//!
//! - [`AgentConfig`]: per-conversation settings, parsed from loose strings into typed values.
//! - [`TurnOptions`]: per-turn timeout and output schema.
//! - [`AgentRunner`]: one conversation; [`AgentRunner::turn`] starts it, later turns continue it.
//! - [`AgentSessionFactory`]: one shared backend minting runners.
//! - [`AgentTurnResult`] / [`AgentTurnEvent`]: what a turn produced.
//! - [`AgentError`]: what can go wrong, with what to do next.
//! - [`blocking`]: the same API for synchronous callers.

pub mod blocking;
mod config;
mod error;
mod error_debug;
mod runner;
mod turn;

pub use config::{
    AgentConfig, ApprovalMode, Personality, RawAgentConfig, ReasoningEffort, SandboxMode,
};
pub use error::AgentError;
pub use runner::{AgentRunner, AgentSessionFactory};
pub use turn::{AgentTurnEvent, AgentTurnResult, EventKind, TurnOptions};
