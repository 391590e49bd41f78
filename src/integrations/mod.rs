//! Backends behind the agent port. Only the composition root imports this module.
//!
//! [`codex_runner`] is the Codex adapter. The JSON-RPC session it talks through
//! (`integrations::codex`) is crate-private; tests reach it through `testing::session`.

pub(crate) mod codex;
pub mod codex_runner;
