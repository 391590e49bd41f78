//! Composition roots: where concrete adapters are wired into the code that uses the port.
//!
//! The split in one sentence: [`crate::cli`] parses arguments and prints; `compose` wires a Codex
//! session factory into the generation workflow (and runs the demo on it); the test kit's
//! fixtures record and replay that workflow through [`build_generation_workflow`].
//!
//! - [`build_generation_workflow`] (`workflow.rs`): the generation workflow on one Codex session
//!   factory. It is the only module that names both [`crate::generate`] and [`crate::codex`].
//! - `demo_run` (crate-private, feature `test-util`): the workflow recorded live against the
//!   scripted model, then replayed, for `prompt-diary demo`.

#[cfg(feature = "test-util")]
pub(crate) mod demo_run;
mod workflow;

pub use workflow::{build_generation_workflow, wire_generation_workflow};
