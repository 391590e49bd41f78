//! Composition roots: where concrete adapters are wired into the code that uses the port.
//!
//! The split in one sentence: [`crate::cli`] parses arguments and prints; `compose` wires a Codex
//! session factory into the generation workflow; this repository's fixtures (the command line's
//! `fixtures`) record and replay that workflow, and the demo runs it, through
//! [`build_generation_workflow`].
//!
//! [`build_generation_workflow`] (`workflow.rs`): the generation workflow on one Codex session
//! factory. It is the only module that names both [`crate::generate`] and [`crate::codex`].

mod workflow;

pub use workflow::{build_generation_workflow, wire_generation_workflow};
