//! Backends behind the agent port. Only the composition root imports this module.

pub mod codex;
pub mod codex_runner;
