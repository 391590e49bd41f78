//! `prompt-diary rerecord`: re-record cassettes offline on any Codex
//! ([`rerecord_cassette`](crate::rerecord::rerecord_cassette)).

use std::path::PathBuf;

use anyhow::bail;
use clap::Args;

use crate::codex_bin::resolve_codex_bin;
use crate::rerecord::{RerecordSummary, rerecord_cassette};

/// Arguments of `rerecord`.
#[derive(Debug, Args)]
pub struct Rerecord {
    /// The cassettes to re-record.
    #[arg(required = true)]
    cassettes: Vec<PathBuf>,
    /// The Codex binary to record with (default: the pinned one, resolved as usual).
    #[arg(long)]
    codex_bin: Option<PathBuf>,
}

impl Rerecord {
    /// Re-records each cassette; one summary line each; fails if any could not be re-recorded.
    pub async fn run(self) -> anyhow::Result<()> {
        let (codex_bin, _) = resolve_codex_bin(self.codex_bin.as_deref())?;
        let mut failed = 0;
        for path in &self.cassettes {
            let outcome = rerecord_cassette(path, &codex_bin).await;
            failed += usize::from(outcome.is_err());
            println!("{}: {}", path.display(), RerecordSummary(&outcome));
        }
        if failed > 0 {
            bail!("{failed} cassette(s) could not be re-recorded offline (see above)");
        }
        Ok(())
    }
}
