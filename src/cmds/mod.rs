//! Composition roots: where concrete adapters are wired into the code that uses the port.
//!
//! The split in one sentence: [`crate::cli`] parses arguments and prints; `cmds` wires a Codex
//! session factory into the generation workflow (and runs the demo on it); the test kit's
//! fixtures record and replay that workflow through [`generate::build_generation_workflow`].
//!
//! - [`generate`]: builds the generation workflow on one Codex session factory. It is the only
//!   module that names both [`crate::generate`] and [`crate::integrations`].
//! - `demo` (crate-private, feature `test-util`): the workflow recorded live against the
//!   scripted model, then replayed, for `prompt-diary demo`.

#[cfg(feature = "test-util")]
pub(crate) mod demo;
pub mod generate;
