//! Agent phases: a [`PhaseSpec`] declares a phase's artifact, prompt, check and resume prompt;
//! [`AgentPhase`] runs it on a runner from its session factory with
//! [`run_agent_turn_with_resume`].

use std::path::Path;
use std::sync::Arc;

use super::agent_retry::{ResumeOptions, TurnAttempt, run_agent_turn_with_resume};
use super::{ArtifactVerdict, EntryRequest, GenerateError, ResumeContext};
use crate::agent::{AgentConfig, AgentSessionFactory, TurnOptions};

/// What one agent phase is: its artifact, how to ask for it, how to check it, how to ask again.
pub trait PhaseSpec: Send + Sync {
    /// The phase's name (`outline`, `draft`, ...).
    fn name(&self) -> &'static str;
    /// The artifact's file name, relative to the entry's workspace.
    fn artifact(&self) -> &'static str;
    /// The first prompt.
    fn prompt(&self, entry: &EntryRequest) -> String;
    /// Re-reads the artifact in `entry.workspace` and says what is still wrong.
    fn check(&self, entry: &EntryRequest) -> ArtifactVerdict;
    /// The prompt of a repair turn, from the check's findings and the previous turn's failure
    /// (build it with [`resume_prompt`] and a phase-specific reminder).
    fn resume_prompt(&self, entry: &EntryRequest, context: &ResumeContext<'_>) -> String;
}

/// The shape of a repair prompt: how the previous turn failed (if it did), the findings as a
/// list, what to do, and the phase's `reminder` of what the artifact must hold.
pub fn resume_prompt(artifact: &str, reminder: &str, context: &ResumeContext<'_>) -> String {
    let mut prompt = String::new();
    if let Some(failure) = context.failure {
        prompt.push_str(&format!("The previous turn did not finish: {failure}.\n"));
    }
    prompt.push_str(&format!(
        "{artifact} still needs work:\n{}\nWrite or fix {artifact} in the working directory; \
         keep what is already right. {reminder}",
        context.findings_list()
    ));
    prompt
}

/// How an agent phase runs its turns.
#[derive(Debug, Clone)]
pub struct PhaseSettings {
    /// The most turns per phase, the first one included.
    pub max_attempts: usize,
    /// Every turn's options.
    pub turn_options: TurnOptions,
}

impl Default for PhaseSettings {
    /// Three attempts, default turn options.
    fn default() -> Self {
        Self {
            max_attempts: 3,
            turn_options: TurnOptions::default(),
        }
    }
}

/// What an agent phase did for one entry.
#[derive(Debug)]
pub struct PhaseReport {
    /// The phase.
    pub phase: &'static str,
    /// The artifact it produced (in the entry's workspace).
    pub artifact: std::path::PathBuf,
    /// Every turn it sent, in order.
    pub attempts: Vec<TurnAttempt>,
}

/// An agent phase bound to a session factory: one runner per entry, same runner for repairs.
#[derive(Clone)]
pub struct AgentPhase<S> {
    spec: S,
    factory: Arc<dyn AgentSessionFactory>,
    settings: PhaseSettings,
}

impl<S: PhaseSpec> AgentPhase<S> {
    /// The phase `spec`, running on runners from `factory`.
    pub fn new(spec: S, factory: Arc<dyn AgentSessionFactory>, settings: PhaseSettings) -> Self {
        Self {
            spec,
            factory,
            settings,
        }
    }

    /// The phase's declaration.
    pub fn spec(&self) -> &S {
        &self.spec
    }

    /// Runs the phase for `entry`: mints a runner working in the entry's workspace, sends the
    /// prompt, repairs until the check passes or the attempts run out, and closes the runner
    /// when the phase ends, success or failure (the factory's backend goes on for later phases).
    ///
    /// # Errors
    /// [`GenerateError::Runner`] when no runner could be created, [`GenerateError::Phase`] when
    /// the artifact is still incomplete or a turn failed beyond repair.
    pub async fn run(&self, entry: &EntryRequest) -> Result<PhaseReport, GenerateError> {
        let name = self.spec.name();
        let mut runner = self
            .factory
            .runner(AgentConfig::new(&entry.workspace))
            .await
            .map_err(|source| GenerateError::Runner {
                entry: entry.slug.clone(),
                phase: name,
                source: Box::new(source),
            })?;
        let options = ResumeOptions::new(format!("phase `{name}`"), self.settings.max_attempts)
            .with_turn_options(self.settings.turn_options.clone());
        let outcome = run_agent_turn_with_resume(
            runner.as_mut(),
            &self.spec.prompt(entry),
            || self.spec.check(entry),
            |context| self.spec.resume_prompt(entry, context),
            &options,
        )
        .await
        .map_err(|source| GenerateError::Phase {
            entry: entry.slug.clone(),
            source: Box::new(source),
        })?;
        Ok(PhaseReport {
            phase: name,
            artifact: entry.workspace.join(self.spec.artifact()),
            attempts: outcome.attempts,
        })
    }
}

/// Reads `artifact` in `workspace`: its text, or the finding that it is missing or unreadable.
pub(crate) fn read_artifact(workspace: &Path, artifact: &str) -> Result<String, ArtifactVerdict> {
    match std::fs::read_to_string(workspace.join(artifact)) {
        Ok(text) => Ok(text),
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => Err(ArtifactVerdict::needs_work(
            [format!("{artifact} is missing")],
        )),
        Err(err) => Err(ArtifactVerdict::needs_work([format!(
            "{artifact} cannot be read: {err}"
        )])),
    }
}
