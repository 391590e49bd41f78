//! # prompt-diary
//!
//! Run an AI coding agent (OpenAI Codex, through `codex app-server`) behind one neutral
//! interface, and make every test of the code that uses it deterministic and offline.
//!
//! ## The five-minute tour
//!
//! Generation code depends only on the neutral port, [`agent`]: it asks an
//! [`AgentSessionFactory`](agent::AgentSessionFactory) for one [`AgentRunner`](agent::AgentRunner)
//! per conversation, runs turns, and checks its own artifacts on disk. The Codex adapter,
//! [`integrations::codex_runner`], implements the port on a real `codex app-server` process:
//!
//! ```no_run
//! use std::time::Duration;
//! use prompt_diary::agent::{AgentConfig, AgentSessionFactory, TurnOptions};
//! use prompt_diary::integrations::codex_runner::{CodexAgentSessionFactory, CodexBackendConfig};
//!
//! # async fn demo(workspace_dir: std::path::PathBuf) -> Result<(), prompt_diary::agent::AgentError> {
//! let factory = CodexAgentSessionFactory::start(CodexBackendConfig::default()).await?;
//! let mut runner = factory.runner(AgentConfig::new(workspace_dir.clone())).await?;
//! let result = runner.turn("Write notes.md", TurnOptions::default()).await?;
//! if !workspace_dir.join("notes.md").exists() {
//!     // Same conversation: the agent sees what it did in the first turn.
//!     let options = TurnOptions { timeout: Duration::from_secs(30), ..Default::default() };
//!     runner.turn("notes.md is missing; write it", options).await?;
//! }
//! println!("{}", result.assistant_text);
//! factory.shutdown().await?; // dropping the factory also stops the process
//! # Ok(()) }
//! ```
//!
//! Layers, top to bottom (each knows nothing of the ones below the next):
//! - [`cmds::generate`]: the composition root wiring one session factory into the phases.
//! - [`generate`]: generation phases and the artifact-aware repair loop, on the port only.
//! - [`agent`]: the port (config, turn options, results and events, runner and factory traits).
//! - [`integrations::codex_runner`]: the Codex adapter (threads, turns, approvals, timeouts).
//! - [`integrations::codex`]: the JSON-RPC session (ids, routing by thread, server requests).
//! - [`transport`]: how messages move ([`transport::ProcessTransport`] for a live process).
//! - `testing` (feature `test-util`): the scripted local model and conformance helpers.
//!
//! The Codex binary is found in this order: `CodexBackendConfig::codex_bin`, the
//! `PROMPT_DIARY_CODEX_BIN` environment variable, the project-local install made by
//! `prompt-diary install-codex`, then `codex` on `PATH`.

#![warn(missing_docs)]

pub mod agent;
pub mod cassette;
#[cfg(feature = "cli")]
pub mod cli;
pub mod cmds;
pub mod codex_bin;
pub mod connect;
pub mod generate;
pub mod integrations;
pub mod shim;
#[cfg(feature = "test-util")]
pub mod testing;
pub mod transport;

/// The README's Rust examples, compiled by `cargo test` so they stay true.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
