//! `prompt-diary replay`: a cassette played offline through the Codex adapter.

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::bail;
use clap::Args;

use super::here::Here;
use crate::cassette::{Cassette, write_atomic};
use crate::replay::{
    CassetteReplayError, REPLAY_TURN_TIMEOUT_SECS, ReplayOptions, replay_cassette,
};

/// Arguments of `replay`.
#[derive(Debug, Args)]
pub(crate) struct Replay {
    /// The cassette file.
    cassette: PathBuf,
    /// How long a turn may wait for the cassette before it counts as stuck (a damaged
    /// cassette); turns the recording interrupted get a short budget of their own.
    #[arg(long, default_value_t = REPLAY_TURN_TIMEOUT_SECS)]
    turn_timeout_secs: u64,
    /// On a divergence, write the cassette's viewer page with the divergence marked here.
    #[arg(long)]
    html: Option<PathBuf>,
}

impl Replay {
    /// Replays; prints the turn results to stdout, progress and any divergence report to stderr.
    pub(super) async fn run(self, here: &Here) -> anyhow::Result<()> {
        let progress = Arc::new(|line: &str| super::print_err(&format!("  {line}")));
        super::print_err(&format!(
            "replaying {} (offline) ...",
            self.cassette.display()
        ));
        let options = ReplayOptions {
            turn_timeout_secs: self.turn_timeout_secs,
            progress,
            record_command: here.record_command().map(str::to_owned),
        };
        match replay_cassette(&self.cassette, options).await {
            Ok(session) => {
                let turns: usize = session.script.runners.iter().map(|r| r.turns.len()).sum();
                super::print_out(&format!(
                    "{}replay matched {}: {} conversation(s), {turns} turn(s)\n",
                    session.render(),
                    self.cassette.display(),
                    session.outcomes.len()
                ))
            }
            Err(CassetteReplayError::Diverged { report, divergence }) => {
                if let (Some(out), Some(divergence)) = (&self.html, divergence) {
                    let cassette = Cassette::load(&self.cassette, "")?;
                    write_atomic(out, &crate::view::render_divergence(&cassette, &divergence))?;
                    super::print_err(&format!("divergence page: {}", out.display()));
                }
                bail!("{report}")
            }
            Err(other) => Err(other.into()),
        }
    }
}
