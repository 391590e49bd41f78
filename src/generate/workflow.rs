//! [`GenerationWorkflow`]: outline → draft → review → render for each entry, entries at once.

use std::collections::HashMap;
use std::sync::Arc;

use tokio::task::JoinSet;

use super::draft::DraftSpec;
use super::outline::OutlineSpec;
use super::phase::{AgentPhase, PhaseReport};
use super::render::{RenderPhase, Rendered};
use super::review::ReviewSpec;
use super::{EntryRequest, GenerateError};
use crate::agent::AgentSessionFactory;

/// What the workflow did for one entry.
#[derive(Debug)]
pub struct EntryReport {
    /// The entry's slug.
    pub slug: String,
    /// The agent phases, in the order they ran.
    pub phases: Vec<PhaseReport>,
    /// The rendered output.
    pub rendered: Rendered,
}

/// The example workflow: three agent phases and one deterministic rendering phase.
///
/// Each entry's phases run in order, each on a runner of its own; different entries run
/// concurrently (one task per entry), so their conversations overlap on the shared backend.
/// Build it in the composition root, which gives every agent phase the same session factory
/// and sets it as the workflow's [`agent_factory`](Self::agent_factory).
#[derive(Clone)]
pub struct GenerationWorkflow {
    agent_factory: Arc<dyn AgentSessionFactory>,
    outline: AgentPhase<OutlineSpec>,
    draft: AgentPhase<DraftSpec>,
    review: AgentPhase<ReviewSpec>,
    render: RenderPhase,
}

impl GenerationWorkflow {
    /// A workflow from its phases; `agent_factory` is the factory the agent phases hold, stopped
    /// by [`shutdown`](Self::shutdown).
    pub fn new(
        agent_factory: Arc<dyn AgentSessionFactory>,
        outline: AgentPhase<OutlineSpec>,
        draft: AgentPhase<DraftSpec>,
        review: AgentPhase<ReviewSpec>,
        render: RenderPhase,
    ) -> Self {
        Self {
            agent_factory,
            outline,
            draft,
            review,
            render,
        }
    }

    /// The session factory of the agent phases.
    pub fn agent_factory(&self) -> &Arc<dyn AgentSessionFactory> {
        &self.agent_factory
    }

    /// Runs every phase for one entry, in order, and renders it.
    ///
    /// # Errors
    /// The first phase that fails, as a [`GenerateError`] naming the entry and the phase.
    pub async fn run_entry(&self, entry: &EntryRequest) -> Result<EntryReport, GenerateError> {
        let phases = vec![
            self.outline.run(entry).await?,
            self.draft.run(entry).await?,
            self.review.run(entry).await?,
        ];
        let rendered = self.render.run(entry)?;
        Ok(EntryReport {
            slug: entry.slug.clone(),
            phases,
            rendered,
        })
    }

    /// Runs [`run_entry`](Self::run_entry) for every entry concurrently (one task and one
    /// runner per phase each) and returns the results in the order of `entries`.
    pub async fn run_entries(
        &self,
        entries: Vec<EntryRequest>,
    ) -> Vec<Result<EntryReport, GenerateError>> {
        let mut tasks = JoinSet::new();
        let mut indexes = HashMap::new();
        let slugs: Vec<String> = entries.iter().map(|e| e.slug.clone()).collect();
        for (index, entry) in entries.into_iter().enumerate() {
            let workflow = self.clone();
            let handle = tasks.spawn(async move { workflow.run_entry(&entry).await });
            indexes.insert(handle.id(), index);
        }
        let mut results: Vec<Option<Result<EntryReport, GenerateError>>> =
            slugs.iter().map(|_| None).collect();
        while let Some(joined) = tasks.join_next_with_id().await {
            let (id, result) = match joined {
                Ok((id, result)) => (id, result),
                Err(err) => {
                    let id = err.id();
                    let index = indexes.get(&id).copied().unwrap_or_default();
                    let failed = Err(GenerateError::Task {
                        entry: slugs[index].clone(),
                        message: err.to_string(),
                    });
                    (id, failed)
                }
            };
            if let Some(&index) = indexes.get(&id) {
                results[index] = Some(result);
            }
        }
        results
            .into_iter()
            .zip(slugs)
            .map(|(result, entry)| {
                result.unwrap_or_else(|| {
                    Err(GenerateError::Task {
                        entry,
                        message: "its task ended without a result".to_owned(),
                    })
                })
            })
            .collect()
    }

    /// Stops the agent backend.
    ///
    /// # Errors
    /// [`GenerateError::Shutdown`] with the factory's error.
    pub async fn shutdown(&self) -> Result<(), GenerateError> {
        self.agent_factory
            .shutdown()
            .await
            .map_err(|source| GenerateError::Shutdown {
                source: Box::new(source),
            })
    }
}
