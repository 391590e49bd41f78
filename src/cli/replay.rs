//! `prompt-diary replay`: a cassette played offline through the Codex adapter.

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::bail;
use clap::Args;

use crate::testing::from_cassette::{CassetteReplayError, replay_cassette};

/// Arguments of `replay`.
#[derive(Debug, Args)]
pub struct Replay {
    /// The cassette file.
    cassette: PathBuf,
}

impl Replay {
    /// Replays; prints the turn results to stdout, progress and any divergence report to stderr.
    pub async fn run(self) -> anyhow::Result<()> {
        let progress = Arc::new(|line: &str| eprintln!("  {line}"));
        eprintln!("replaying {} (offline) ...", self.cassette.display());
        match replay_cassette(&self.cassette, progress).await {
            Ok(session) => {
                print!("{}", session.render());
                let turns: usize = session.script.runners.iter().map(|r| r.turns.len()).sum();
                println!(
                    "replay matched {}: {} conversation(s), {turns} turn(s)",
                    self.cassette.display(),
                    session.outcomes.len()
                );
                Ok(())
            }
            Err(CassetteReplayError::Diverged { report }) => bail!("{report}"),
            Err(other) => Err(other.into()),
        }
    }
}
