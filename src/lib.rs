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
//! [`codex`], implements the port on a real `codex app-server` process:
//!
//! ```no_run
//! use std::time::Duration;
//! use prompt_diary::agent::{AgentConfig, AgentSessionFactory, TurnOptions};
//! use prompt_diary::codex::{CodexAgentSessionFactory, CodexBackendConfig};
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
//! Every public module, in one line each (top to bottom; `docs/architecture.md` has the layer
//! table that `tests/library/layering.rs` enforces):
//! - [`cli`] (feature `cli`): the `prompt-diary` command line, clap structs over library calls;
//!   public only as [`cli::main`], which both binaries call.
//! - [`compose`]: composition roots: the generation workflow wired to a Codex session factory.
//! - [`generate`]: generation phases and the artifact-aware repair loop, on the port only.
//! - [`agent`]: the neutral port: config, turn options, results and events, runner and factory
//!   traits, `AgentError`.
//! - [`codex`]: the Codex adapter behind the port (threads, turns, approvals, timeouts), over
//!   its JSON-RPC session.
//! - [`rerecord`] (feature `rerecord`): re-recording a cassette offline on any Codex (a scenario
//!   for the scripted model derived from it, its client's side rebuilt), `upgrade-codex`.
//! - [`replay`] (feature `rerecord`): client scripts played through the adapter, and replaying any
//!   cassette the adapter recorded with the client read back from it (`prompt-diary replay`).
//! - [`cassette`]: record and replay: the file, normalisation, typed divergences, the recording
//!   and replay transports, timelines, checks.
//! - [`codex_bin`]: finding, installing and fingerprinting the Codex CLI.
//! - [`per_test`]: a cassette per test, named after it, in one line:
//!   [`test_cassette!`](crate::test_cassette).
//! - [`transport`]: how messages move: the `Transport` trait (send, receive, close), the
//!   `Playback` hooks of a transport that plays a recorded server, the `Message` enum.
//! - [`stand_in`]: the drop-in `codex` stand-in behind the `prompt-diary-codex` binary.
//! - [`testing`] (feature `test-util`): test support: the scripted local model (re-exported
//!   from the `prompt-diary-scripted-model` crate), `FakeAgentSessionFactory`, conformance
//!   helpers. This repository's fixtures and their drift check are the command line's own
//!   (`src/cli/fixtures/`, not public).
//!
//! The Codex binary is found in this order: `CodexBackendConfig::codex_bin`, the
//! `PROMPT_DIARY_CODEX_BIN` environment variable, the project-local install made by
//! `prompt-diary install-codex`, then `codex` on `PATH`.

#![forbid(unsafe_code)]
// `rerecord` (or `test-util`) without `cli`: the readings only the command line shows (`review`'s
// stories, `inspect`'s line-by-line timeline, the pending list) are gated on `rerecord`, which
// `cli` implies; without `cli` they are compiled but unused. The lean build (no features) and the
// default build allow nothing.
#![cfg_attr(
    all(feature = "rerecord", not(feature = "cli")),
    allow(dead_code, unused_imports)
)]

// `prompt_diary::...` names this crate from inside it too: the command line's fixture tooling
// (`src/cli/fixtures/`) is compiled into the test tiers' crates as well, so it names the library
// by the paths those crates see.
#[cfg(feature = "cli")]
extern crate self as prompt_diary;

pub mod agent;
pub mod cassette;
#[cfg(feature = "cli")]
pub mod cli;
pub mod codex;
pub mod codex_bin;
pub mod compose;
mod connect;
pub mod generate;
pub mod per_test;
pub mod project;
#[cfg(feature = "rerecord")]
pub mod replay;
#[cfg(feature = "rerecord")]
pub mod rerecord;
pub mod stand_in;
#[cfg(feature = "test-util")]
pub mod testing;
pub mod transport;
mod view;

/// The README's Rust examples, compiled by `cargo test` so they stay true.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;

/// The Rust examples of `docs/library.md`, compiled by `cargo test` so they stay true.
#[cfg(doctest)]
#[doc = include_str!("../docs/library.md")]
pub struct LibraryGuideDoctests;
