//! Generation phases: the library's real users, built on the neutral port ([`crate::agent`])
//! and nothing else.
//!
//! - [`agent_retry`]: `run_agent_turn_with_resume`, the artifact-aware repair loop on one
//!   runner.
//! - [`ArtifactVerdict`] / [`ResumeContext`]: what a check says and what a resume prompt is
//!   built from.
//! - [`PhaseSpec`] / [`AgentPhase`]: an agent phase declares its artifact, prompt, check and
//!   resume prompt; `AgentPhase` runs it on a runner from its session factory.
//! - An example diary workflow: [`OutlineSpec`] (`outline.md`), [`DraftSpec`] (`draft.md` with
//!   front matter), [`ReviewSpec`] (`review.md` with a verdict) and the deterministic
//!   [`RenderPhase`] (`entry.html`), run by [`GenerationWorkflow`], entries concurrently.
//!
//! This module depends on [`crate::agent`] only, never on a concrete backend (a test scans its
//! files); the composition root (`compose`) wires a concrete session factory in.

pub mod agent_retry;
mod draft;
mod entry;
mod error;
mod outline;
mod phase;
mod render;
mod review;
mod verdict;
mod workflow;

pub use draft::{Draft, DraftSpec};
pub use entry::EntryRequest;
pub use error::GenerateError;
pub use outline::OutlineSpec;
pub use phase::{AgentPhase, PhaseReport, PhaseSettings, PhaseSpec, resume_prompt};
pub use render::RenderPhase;
pub use review::{Review, ReviewSpec};
pub use verdict::{ArtifactVerdict, ResumeContext};
pub use workflow::{EntryReport, GenerationWorkflow};
