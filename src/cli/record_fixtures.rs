//! `prompt-diary record-fixtures`: re-record the committed cassettes, or check them for drift
//! ([`cli::fixtures::rerecord`](crate::cli::fixtures::rerecord)).

use std::path::PathBuf;

use anyhow::bail;
use clap::Args;

use crate::cli::fixtures::{Rerecord, rerecord};
use crate::codex_bin::{project_root, resolve_codex_bin};

/// Arguments of `record-fixtures`.
#[derive(Debug, Args)]
pub struct RecordFixtures {
    /// Only these fixtures (by name); all by default.
    #[arg(long = "only")]
    only: Vec<String>,
    /// Replace differing cassettes instead of writing `.new` files.
    #[arg(long)]
    overwrite: bool,
    /// Record into a temp folder and fail if any cassette differs from the committed one
    /// (after normalisation), printing the diff. Writes nothing in the project.
    #[arg(long)]
    check: bool,
    /// The project folder (holding `fixtures/` and `cassettes/`).
    #[arg(long)]
    dir: Option<PathBuf>,
}

impl RecordFixtures {
    /// Runs the command: progress on stderr, a failure when anything drifted.
    pub async fn run(self) -> anyhow::Result<()> {
        let root = match self.dir {
            Some(dir) => dir,
            None => project_root(&std::env::current_dir()?),
        };
        let (codex_bin, _) = resolve_codex_bin(None)?;
        let request = Rerecord {
            only: self.only,
            overwrite: self.overwrite,
            check: self.check,
        };
        let report = rerecord(&root, &codex_bin, &request, &mut |line| {
            super::print_err(line)
        })
        .await?;
        let drifted = report.drifted();
        if !drifted.is_empty() {
            bail!(
                "{} cassette(s) drifted from the pinned Codex and the scripted model: {}. Re-record with `cargo run -- record-fixtures`, review the .new files, and commit",
                drifted.len(),
                drifted.join(", ")
            );
        }
        Ok(())
    }
}
