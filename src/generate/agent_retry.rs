//! The artifact-aware repair loop every agent phase uses: [`run_agent_turn_with_resume`].
//!
//! A phase sends its prompt, then re-reads its durable artifacts through its own check after
//! every turn, whether the turn completed or failed. While the check still has findings, it sends
//! a phase-specific resume prompt on the **same** runner (so the agent sees everything it did),
//! up to a caller-set number of turns. The findings, and how the previous turn failed, go into
//! the resume prompt, so deterministic validation feedback reaches the model.
//!
//! Same-process only: the loop never replaces the runner with a new conversation and never
//! restarts a backend. A turn error is resumed only when the runner is still usable
//! ([`is_resumable`]): a failed turn ([`AgentError::TurnFailed`]) or a timeout
//! ([`AgentError::Timeout`]). Every other error (the backend exited or was shut down, it could
//! not start, a protocol error, a replay divergence, an invalid config) stops the loop at once
//! with [`ResumeError::Unresumable`].
//!
//! The phase's conversation ends with the loop: whether the artifact is complete or not, the
//! runner is closed ([`AgentRunner::close`]) before the loop returns, so a pipeline of many
//! phases on one backend holds no conversation it no longer needs. A close that fails after a
//! complete artifact is [`ResumeError::CloseFailed`]; after a failure, the failure is reported.
//!
//! ```
//! use std::sync::Arc;
//! use prompt_diary::agent::{AgentConfig, AgentSessionFactory};
//! use prompt_diary::generate::agent_retry::{run_agent_turn_with_resume, ResumeOptions};
//! use prompt_diary::generate::ArtifactVerdict;
//! use prompt_diary::testing::{FakeAgentSessionFactory, FakeRunner, FakeTurn};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let workspace = tempfile::tempdir()?;
//! // The fake agent forgets the file on its first turn and writes it when asked again.
//! let factory = FakeAgentSessionFactory::new().with_runner(
//!     FakeRunner::new()
//!         .turn(FakeTurn::reply("Planned it."))
//!         .turn(FakeTurn::reply("Written.").writes("notes.md", "# Notes\n")),
//! );
//! let mut runner = factory.runner(AgentConfig::new(workspace.path())).await?;
//! let notes = workspace.path().join("notes.md");
//! let outcome = run_agent_turn_with_resume(
//!     runner.as_mut(),
//!     "Write notes.md",
//!     || match notes.exists() {
//!         true => ArtifactVerdict::complete(),
//!         false => ArtifactVerdict::needs_work(["notes.md is missing"]),
//!     },
//!     |ctx| format!("Still wrong:\n{}\nFix it.", ctx.findings_list()),
//!     &ResumeOptions::new("notes", 3),
//! )
//! .await?;
//! assert_eq!(outcome.attempts.len(), 2);
//! assert_eq!(factory.prompts()[0][1], "Still wrong:\n- notes.md is missing\nFix it.");
//! factory.verify()?;
//! # Ok(()) }
//! ```

use crate::agent::{AgentError, AgentRunner, AgentTurnResult, TurnOptions};

use super::{ArtifactVerdict, ResumeContext};

/// How the loop runs: a label for messages, the turn limit, and each turn's options.
#[derive(Debug, Clone)]
pub struct ResumeOptions {
    /// Names the phase in errors (e.g. `draft`).
    pub label: String,
    /// The most turns to send, the first one included (at least 1).
    pub max_attempts: usize,
    /// The options of every turn (timeout, output schema).
    pub turn_options: TurnOptions,
}

impl ResumeOptions {
    /// `max_attempts` turns at most, with default turn options.
    pub fn new(label: impl Into<String>, max_attempts: usize) -> Self {
        Self {
            label: label.into(),
            max_attempts,
            turn_options: TurnOptions::default(),
        }
    }

    /// Sets the options of every turn.
    pub fn with_turn_options(mut self, options: TurnOptions) -> Self {
        self.turn_options = options;
        self
    }
}

/// One turn of the loop: what was sent, what came back, and what the check said afterwards.
#[derive(Debug)]
pub struct TurnAttempt {
    /// The prompt sent.
    pub prompt: String,
    /// The turn's result, or how it failed.
    pub outcome: Result<AgentTurnResult, AgentError>,
    /// The check's verdict right after this turn.
    pub verdict: ArtifactVerdict,
}

/// The loop ended with a complete artifact.
#[derive(Debug)]
pub struct ResumeOutcome {
    /// Every turn, in order (results and errors).
    pub attempts: Vec<TurnAttempt>,
    /// The final verdict (complete).
    pub verdict: ArtifactVerdict,
}

/// The loop ended without a complete artifact.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ResumeError {
    /// Every allowed turn was sent and the check still has findings.
    #[error(
        "{label}: the artifact still needs work after {attempts} attempt(s), the limit: {}.{} \
         Raise the attempt limit, or make the phase's prompts state what its check expects",
        findings.join("; "),
        last_failure.as_deref().map(|f| format!(" The last turn failed: {f}.")).unwrap_or_default()
    )]
    AttemptsExhausted {
        /// The phase.
        label: String,
        /// How many turns were sent.
        attempts: usize,
        /// What the check still reports.
        findings: Vec<String>,
        /// How the last turn failed, if it did.
        last_failure: Option<String>,
        /// Every turn, in order.
        turns: Vec<TurnAttempt>,
    },
    /// A turn failed in a way the same runner cannot recover from (see [`is_resumable`]).
    #[error(
        "{label}: turn {attempt} failed and cannot be resumed on the same runner (the loop never \
         replaces the runner or restarts the backend): {source}"
    )]
    Unresumable {
        /// The phase.
        label: String,
        /// The number of the failed turn (from 1).
        attempt: usize,
        /// The turn's error.
        #[source]
        source: AgentError,
        /// The turns before it, in order.
        turns: Vec<TurnAttempt>,
    },
    /// The artifact is complete, but the runner could not be closed afterwards (the backend did
    /// not confirm the release and was stopped: later phases on the same factory fail with
    /// [`AgentError::BackendInvalid`]).
    #[error(
        "{label}: the artifact is complete, but its conversation could not be released: {source}"
    )]
    CloseFailed {
        /// The phase.
        label: String,
        /// What closing the runner failed with.
        #[source]
        source: AgentError,
        /// Every turn, in order.
        turns: Vec<TurnAttempt>,
    },
    /// The attempt limit was 0.
    #[error("{label}: the attempt limit is 0, so no turn could be sent; allow at least 1 attempt")]
    NoAttemptsAllowed {
        /// The phase.
        label: String,
    },
}

/// Whether the loop may send another turn on the same runner after `err`: only for a failed
/// turn or a timeout (the runner stays usable after those). A backend that exited or was shut
/// down, could not start, broke the protocol or diverged from its recording is not resumed.
pub fn is_resumable(err: &AgentError) -> bool {
    err.runner_still_usable()
}

/// One deterministic line saying how a turn failed, for resume prompts. Unlike the error's
/// `Display`, it leaves out the backend's stderr tail.
pub(crate) fn describe_failure(err: &AgentError) -> String {
    match err {
        AgentError::Timeout {
            timeout, running, ..
        } => format!("the turn timed out after {timeout:?} while {running}"),
        AgentError::BackendExited {
            status, context, ..
        } => format!("the agent backend exited unexpectedly ({status}) {context}"),
        other => other.to_string(),
    }
}

/// Runs `prompt` on `runner`, then re-checks and resumes on the same runner until `check` says
/// the artifact is complete or `options.max_attempts` turns have been sent.
///
/// `check` re-reads the durable artifacts after every turn, completed or failed. `resume_prompt`
/// builds the next prompt from the findings and the previous turn's failure.
///
/// # Errors
/// [`ResumeError::AttemptsExhausted`] with the remaining findings when the limit is reached,
/// [`ResumeError::Unresumable`] at once when a turn fails and [`is_resumable`] says no,
/// [`ResumeError::NoAttemptsAllowed`] for a limit of 0, and [`ResumeError::CloseFailed`] when
/// the runner cannot be closed after a complete artifact. The runner is closed in every case.
pub async fn run_agent_turn_with_resume<R, C, P>(
    runner: &mut R,
    prompt: &str,
    check: C,
    resume_prompt: P,
    options: &ResumeOptions,
) -> Result<ResumeOutcome, ResumeError>
where
    R: AgentRunner + ?Sized,
    C: FnMut() -> ArtifactVerdict,
    P: FnMut(&ResumeContext<'_>) -> String,
{
    let outcome = resume_loop(runner, prompt, check, resume_prompt, options).await;
    match (outcome, runner.close().await) {
        (outcome, Ok(())) => outcome,
        (Ok(done), Err(source)) => Err(ResumeError::CloseFailed {
            label: options.label.clone(),
            source,
            turns: done.attempts,
        }),
        (Err(failure), Err(close)) => {
            tracing::warn!("{}: the runner could not be closed: {close}", options.label);
            Err(failure)
        }
    }
}

/// The loop of [`run_agent_turn_with_resume`], before the runner is closed.
async fn resume_loop<R, C, P>(
    runner: &mut R,
    prompt: &str,
    mut check: C,
    mut resume_prompt: P,
    options: &ResumeOptions,
) -> Result<ResumeOutcome, ResumeError>
where
    R: AgentRunner + ?Sized,
    C: FnMut() -> ArtifactVerdict,
    P: FnMut(&ResumeContext<'_>) -> String,
{
    let label = options.label.clone();
    if options.max_attempts == 0 {
        return Err(ResumeError::NoAttemptsAllowed { label });
    }
    let mut turns: Vec<TurnAttempt> = Vec::new();
    let mut next_prompt = prompt.to_owned();
    loop {
        let attempt = turns.len() + 1;
        let outcome = match runner
            .turn(&next_prompt, options.turn_options.clone())
            .await
        {
            Err(source) if !is_resumable(&source) => {
                return Err(ResumeError::Unresumable {
                    label,
                    attempt,
                    source,
                    turns,
                });
            }
            other => other,
        };
        let verdict = check();
        let failure = outcome.as_ref().err().map(describe_failure);
        let complete = verdict.is_complete();
        turns.push(TurnAttempt {
            prompt: std::mem::take(&mut next_prompt),
            outcome,
            verdict: verdict.clone(),
        });
        if complete {
            return Ok(ResumeOutcome {
                attempts: turns,
                verdict,
            });
        }
        if attempt >= options.max_attempts {
            return Err(ResumeError::AttemptsExhausted {
                label,
                attempts: attempt,
                findings: verdict.findings().to_vec(),
                last_failure: failure,
                turns,
            });
        }
        next_prompt = resume_prompt(&ResumeContext {
            attempt: attempt + 1,
            findings: verdict.findings(),
            failure: failure.as_deref(),
        });
    }
}
