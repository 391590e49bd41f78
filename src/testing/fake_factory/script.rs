//! The scripts of [`FakeAgentSessionFactory`](super::FakeAgentSessionFactory): [`FakeRunner`]
//! (one runner) and [`FakeTurn`] (one turn).

use std::collections::VecDeque;
use std::path::PathBuf;
use std::sync::Arc;

use tokio::sync::Barrier;

use crate::agent::{AgentError, AgentTurnResult};

/// What a scripted turn ends with.
#[derive(Debug)]
pub(super) enum FakeOutcome {
    Result(AgentTurnResult),
    Error(AgentError),
    Timeout,
}

/// One scripted turn.
#[derive(Debug)]
pub struct FakeTurn {
    pub(super) files: Vec<(PathBuf, String)>,
    pub(super) outcome: FakeOutcome,
    pub(super) gate: Option<Arc<Barrier>>,
}

impl FakeTurn {
    /// A turn that completes with this assistant text and no events.
    pub fn reply(text: impl Into<String>) -> Self {
        Self::result(AgentTurnResult {
            assistant_text: text.into(),
            events: Vec::new(),
        })
    }

    /// A turn that completes with `result`.
    pub fn result(result: AgentTurnResult) -> Self {
        Self::with_outcome(FakeOutcome::Result(result))
    }

    /// A turn that fails with `error`.
    pub fn error(error: AgentError) -> Self {
        Self::with_outcome(FakeOutcome::Error(error))
    }

    /// A turn that fails with [`AgentError::Timeout`] for the turn's own budget, at once.
    pub fn timeout() -> Self {
        Self::with_outcome(FakeOutcome::Timeout)
    }

    fn with_outcome(outcome: FakeOutcome) -> Self {
        Self {
            files: Vec::new(),
            outcome,
            gate: None,
        }
    }

    /// Writes `text` to `path` (relative to the runner's working directory) when the turn runs,
    /// before it completes or fails.
    pub fn writes(mut self, path: impl Into<PathBuf>, text: impl Into<String>) -> Self {
        self.files.push((path.into(), text.into()));
        self
    }

    /// Makes the turn wait at `gate` (after writing its files) until as many turns as the
    /// barrier counts have reached it.
    pub fn rendezvous(mut self, gate: Arc<Barrier>) -> Self {
        self.gate = Some(gate);
        self
    }
}

/// The script of one runner: its turns, in order.
#[derive(Debug, Default)]
pub struct FakeRunner {
    pub(super) directory: Option<PathBuf>,
    pub(super) turns: VecDeque<FakeTurn>,
}

impl FakeRunner {
    /// A script for the next runner minted, whatever its working directory.
    pub fn new() -> Self {
        Self::default()
    }

    /// A script only for a runner whose working directory is `dir` (for concurrent tests, where
    /// the minting order across directories is not fixed).
    pub fn in_directory(dir: impl Into<PathBuf>) -> Self {
        Self {
            directory: Some(dir.into()),
            turns: VecDeque::new(),
        }
    }

    /// Adds a turn.
    pub fn turn(mut self, turn: FakeTurn) -> Self {
        self.turns.push_back(turn);
        self
    }
}
