//! [`FakeAgentSessionFactory`]: an [`AgentSessionFactory`] for phase tests that never starts Codex.
//!
//! Each runner it mints follows a script ([`FakeRunner`]) of turns ([`FakeTurn`]): a result, an
//! error or a timeout, plus files to write into the runner's working directory when the turn
//! runs. Scripts are handed out in the order runners are minted (optionally only to runners in a
//! given working directory). The factory records every [`AgentConfig`], prompt and close it receives,
//! the most turns it saw in flight at once, and fails the test if scripted turns were left unused:
//! [`verify`](FakeAgentSessionFactory::verify) reports it, and dropping the factory panics (unless
//! the thread is already panicking or `verify` already reported it).
//!
//! To prove that turns overlap without sleeping, give them a shared
//! [`tokio::sync::Barrier`] ([`FakeTurn::rendezvous`]): each waits there until all have arrived,
//! and a turn whose partners never come fails after a bounded wait
//! ([`FakeAgentSessionFactory::with_gate_timeout`]).

use std::collections::VecDeque;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use async_trait::async_trait;

mod script;

use script::FakeOutcome;
pub use script::{FakeRunner, FakeTurn};

use crate::agent::{
    AgentConfig, AgentError, AgentRunner, AgentSessionFactory, AgentTurnResult, TurnOptions,
};

/// How long a turn waits at its rendezvous gate by default.
pub(crate) const DEFAULT_GATE_TIMEOUT: Duration = Duration::from_secs(10);

/// Scripted turns were left unused, or the code under test asked for more than was scripted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("FakeAgentSessionFactory: {}", problems.join("; "))]
pub struct FakeScriptError {
    /// One line per problem.
    pub problems: Vec<String>,
}

#[derive(Debug)]
struct Slot {
    directory: Option<PathBuf>,
    turns: VecDeque<FakeTurn>,
    claimed_by: Option<usize>,
}

#[derive(Debug, Default)]
struct State {
    slots: Vec<Slot>,
    /// Per minted runner, in mint order: its config and the prompts it received.
    minted: Vec<(AgentConfig, Vec<String>)>,
    /// Per minted runner, in mint order: how many times it was closed.
    closes: Vec<usize>,
    problems: Vec<String>,
    in_flight: usize,
    max_in_flight: usize,
    shut_down: bool,
}

fn lock(state: &Mutex<State>) -> MutexGuard<'_, State> {
    state.lock().unwrap_or_else(|p| p.into_inner())
}

/// A scripted [`AgentSessionFactory`] for phase tests that never starts Codex.
///
/// Each runner it mints follows a script ([`FakeRunner`]) of turns ([`FakeTurn`]): a result, an
/// error or a timeout, plus files to write into the runner's working directory when the turn
/// runs. Scripts are handed out in the order runners are minted (optionally only to runners in a
/// given working directory). The factory records every [`AgentConfig`], prompt and close it receives,
/// the most turns it saw in flight at once, and fails the test if scripted turns were left unused:
/// [`verify`](FakeAgentSessionFactory::verify) reports it, and dropping the factory panics (unless
/// the thread is already panicking or `verify` already reported it). To prove that turns overlap
/// without sleeping, give them a shared [`tokio::sync::Barrier`] ([`FakeTurn::rendezvous`]).
#[derive(Debug)]
pub struct FakeAgentSessionFactory {
    state: Arc<Mutex<State>>,
    gate_timeout: Duration,
    reported: AtomicBool,
}

impl Default for FakeAgentSessionFactory {
    fn default() -> Self {
        Self::new()
    }
}

impl FakeAgentSessionFactory {
    /// A factory with no scripted runners yet.
    pub fn new() -> Self {
        Self {
            state: Arc::default(),
            gate_timeout: DEFAULT_GATE_TIMEOUT,
            reported: AtomicBool::new(false),
        }
    }

    /// Adds the script of one more runner.
    pub fn with_runner(self, runner: FakeRunner) -> Self {
        lock(&self.state).slots.push(Slot {
            directory: runner.directory,
            turns: runner.turns,
            claimed_by: None,
        });
        self
    }

    /// How long a turn waits at its rendezvous gate before failing (10 s by default).
    pub fn with_gate_timeout(mut self, timeout: Duration) -> Self {
        self.gate_timeout = timeout;
        self
    }

    /// The config of every runner minted, in mint order.
    pub fn configs(&self) -> Vec<AgentConfig> {
        lock(&self.state)
            .minted
            .iter()
            .map(|(c, _)| c.clone())
            .collect()
    }

    /// The prompts each minted runner received, in mint order.
    pub fn prompts(&self) -> Vec<Vec<String>> {
        lock(&self.state)
            .minted
            .iter()
            .map(|(_, p)| p.clone())
            .collect()
    }

    /// The prompts of the runners working in `dir`, in mint order.
    pub fn prompts_in(&self, dir: &std::path::Path) -> Vec<Vec<String>> {
        lock(&self.state)
            .minted
            .iter()
            .filter(|(c, _)| c.working_directory == dir)
            .map(|(_, p)| p.clone())
            .collect()
    }

    /// Whether each minted runner was closed ([`AgentRunner::close`]), in mint order, so a phase
    /// test asserts that the phase closed what it opened. A turn after `close` fails with
    /// [`AgentError::RunnerClosed`], as on a real backend.
    pub fn closed(&self) -> Vec<bool> {
        lock(&self.state).closes.iter().map(|n| *n > 0).collect()
    }

    /// The most turns that were running at the same moment.
    pub fn max_concurrent_turns(&self) -> usize {
        lock(&self.state).max_in_flight
    }

    /// Fails if a scripted runner or turn was left unused, or the code under test asked for a
    /// runner or turn that was not scripted.
    pub fn verify(&self) -> Result<(), FakeScriptError> {
        let state = lock(&self.state);
        let mut problems = state.problems.clone();
        for (index, slot) in state.slots.iter().enumerate() {
            let who = match &slot.directory {
                Some(dir) => format!("scripted runner {} (in {})", index + 1, dir.display()),
                None => format!("scripted runner {}", index + 1),
            };
            match slot.claimed_by {
                None => problems.push(format!(
                    "{who} was never minted ({} turn(s) unused)",
                    slot.turns.len()
                )),
                Some(_) if !slot.turns.is_empty() => problems.push(format!(
                    "{who} left {} scripted turn(s) unused",
                    slot.turns.len()
                )),
                Some(_) => {}
            }
        }
        self.reported.store(true, Ordering::SeqCst);
        if problems.is_empty() {
            Ok(())
        } else {
            Err(FakeScriptError { problems })
        }
    }

    /// [`verify`](Self::verify), panicking with the report.
    pub fn assert_all_used(&self) {
        if let Err(err) = self.verify() {
            panic!("{err}");
        }
    }
}

impl Drop for FakeAgentSessionFactory {
    fn drop(&mut self) {
        if std::thread::panicking() || self.reported.load(Ordering::SeqCst) {
            return;
        }
        if let Err(err) = self.verify() {
            panic!("{err} (reported when the factory was dropped)");
        }
    }
}

#[async_trait]
impl AgentSessionFactory for FakeAgentSessionFactory {
    async fn runner(&self, config: AgentConfig) -> Result<Box<dyn AgentRunner>, AgentError> {
        let mut state = lock(&self.state);
        if state.shut_down {
            return Err(AgentError::ShutDown);
        }
        let index = state.minted.len();
        let slot = state.slots.iter().position(|s| {
            s.claimed_by.is_none()
                && s.directory
                    .as_ref()
                    .is_none_or(|d| *d == config.working_directory)
        });
        let Some(slot) = slot else {
            let message = format!(
                "runner {} (working in {}) was requested but no scripted runner is left for it; \
                 add one with FakeAgentSessionFactory::with_runner",
                index + 1,
                config.working_directory.display()
            );
            state.problems.push(message.clone());
            return Err(AgentError::BackendUnavailable { message });
        };
        state.slots[slot].claimed_by = Some(index);
        state.minted.push((config.clone(), Vec::new()));
        state.closes.push(0);
        Ok(Box::new(FakeAgentRunner {
            state: Arc::clone(&self.state),
            slot,
            index,
            config,
            gate_timeout: self.gate_timeout,
        }))
    }

    async fn shutdown(&self) -> Result<(), AgentError> {
        lock(&self.state).shut_down = true;
        Ok(())
    }
}

/// A runner minted by [`FakeAgentSessionFactory`].
struct FakeAgentRunner {
    state: Arc<Mutex<State>>,
    slot: usize,
    index: usize,
    config: AgentConfig,
    gate_timeout: Duration,
}

/// Counts a turn as in flight until dropped (so a dropped turn future is counted out too).
struct InFlight(Arc<Mutex<State>>);

impl Drop for InFlight {
    fn drop(&mut self) {
        lock(&self.0).in_flight -= 1;
    }
}

#[async_trait]
impl AgentRunner for FakeAgentRunner {
    async fn turn(
        &mut self,
        prompt: &str,
        options: TurnOptions,
    ) -> Result<AgentTurnResult, AgentError> {
        let turn = {
            let mut state = lock(&self.state);
            if state.shut_down {
                return Err(AgentError::ShutDown);
            }
            if state.closes[self.index] > 0 {
                return Err(AgentError::RunnerClosed);
            }
            state.minted[self.index].1.push(prompt.to_owned());
            let Some(turn) = state.slots[self.slot].turns.pop_front() else {
                let message = format!(
                    "runner {} has no scripted turn left for the prompt {prompt:?}; add a \
                     FakeTurn to its FakeRunner",
                    self.index + 1
                );
                state.problems.push(message.clone());
                return Err(AgentError::Protocol { message });
            };
            state.in_flight += 1;
            state.max_in_flight = state.max_in_flight.max(state.in_flight);
            turn
        };
        let _in_flight = InFlight(Arc::clone(&self.state));
        for (path, text) in &turn.files {
            let path = self.config.working_directory.join(path);
            let written = match path.parent() {
                Some(parent) => std::fs::create_dir_all(parent),
                None => Ok(()),
            }
            .and_then(|()| std::fs::write(&path, text));
            if let Err(err) = written {
                return Err(AgentError::Protocol {
                    message: format!("the fake runner could not write {}: {err}", path.display()),
                });
            }
        }
        if let Some(gate) = &turn.gate {
            if tokio::time::timeout(self.gate_timeout, gate.wait())
                .await
                .is_err()
            {
                return Err(AgentError::Timeout {
                    timeout: self.gate_timeout,
                    running: "waiting at the fake's rendezvous gate for turns that never came \
                              (the turns did not run concurrently)"
                        .to_owned(),
                    last_events: Vec::new(),
                    stderr_tail: String::new(),
                });
            }
        }
        match turn.outcome {
            FakeOutcome::Result(result) => Ok(result),
            FakeOutcome::Error(error) => Err(error),
            FakeOutcome::Timeout => Err(AgentError::Timeout {
                timeout: options.timeout,
                running: "waiting for the model".to_owned(),
                last_events: Vec::new(),
                stderr_tail: "(scripted timeout of FakeAgentSessionFactory)".to_owned(),
            }),
        }
    }

    async fn close(&mut self) -> Result<(), AgentError> {
        lock(&self.state).closes[self.index] += 1;
        Ok(())
    }
}
