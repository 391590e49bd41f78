//! The generation composition root: [`build_generation_workflow`].
//!
//! The only module that imports both [`crate::generate`] and [`crate::codex`]. It builds
//! one [`CodexAgentSessionFactory`] from a [`CodexBackendConfig`], hands it to the three agent
//! phases and sets it as the workflow's agent factory; the rendering phase takes none.
//!
//! ```no_run
//! use prompt_diary::cassette::RecordMode;
//! use prompt_diary::compose::build_generation_workflow;
//! use prompt_diary::generate::{EntryRequest, PhaseSettings};
//! use prompt_diary::codex::CodexBackendConfig;
//!
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! // Offline, from the committed cassette (the live default is `CodexBackendConfig::default()`).
//! let backend = CodexBackendConfig::default()
//!     .with_cassette("cassettes/diary_workflow.jsonl", RecordMode::None);
//! let workflow = build_generation_workflow(backend, PhaseSettings::default()).await?;
//! let entry = EntryRequest::new("morning-walk", "a walk by the river", "2026-11-24", "ws/morning-walk");
//! let report = workflow.run_entry(&entry).await?;
//! println!("{}", report.rendered.html);
//! workflow.shutdown().await?;
//! # Ok(()) }
//! ```

use std::sync::Arc;

use crate::agent::{AgentError, AgentSessionFactory};
use crate::codex::{CodexAgentSessionFactory, CodexBackendConfig};
use crate::generate::{
    AgentPhase, DraftSpec, GenerationWorkflow, OutlineSpec, PhaseSettings, RenderPhase, ReviewSpec,
};

/// Starts one Codex session factory for `backend` (live, recording or replaying a cassette, as
/// its cassette settings say) and wires it into the generation workflow.
///
/// # Errors
/// When the backend cannot start (binary missing, cassette missing, handshake failed).
pub async fn build_generation_workflow(
    backend: CodexBackendConfig,
    settings: PhaseSettings,
) -> Result<GenerationWorkflow, AgentError> {
    let factory = CodexAgentSessionFactory::start(backend).await?;
    Ok(wire_generation_workflow(Arc::new(factory), settings))
}

/// Wires one session factory into the workflow: the three agent phases get it, and it is the
/// workflow's agent factory; the rendering phase gets none.
pub fn wire_generation_workflow(
    factory: Arc<dyn AgentSessionFactory>,
    settings: PhaseSettings,
) -> GenerationWorkflow {
    GenerationWorkflow::new(
        Arc::clone(&factory),
        AgentPhase::new(OutlineSpec, Arc::clone(&factory), settings.clone()),
        AgentPhase::new(DraftSpec, Arc::clone(&factory), settings.clone()),
        AgentPhase::new(ReviewSpec, Arc::clone(&factory), settings),
        RenderPhase,
    )
}
