//! `prompt-diary record-fixtures`: prompt-diary's own fixture tool. Re-record this repository's
//! committed cassettes, or check them for drift
//! (`cli::fixtures::rerecord`). A project of its own records a
//! scenario with `prompt-diary record --script FILE`.

use std::path::PathBuf;

use anyhow::bail;
use clap::Args;

use super::here::Here;
use crate::cli::fixtures::{Rerecord, rerecord};

/// Arguments of `record-fixtures`.
#[derive(Debug, Args)]
pub(crate) struct RecordFixtures {
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
    /// prompt-diary's repository (holding `fixtures/scenarios/` and `cassettes/`); its root by
    /// default.
    #[arg(long)]
    dir: Option<PathBuf>,
}

impl RecordFixtures {
    /// Runs the command: progress on stderr, a failure when anything drifted.
    pub(super) async fn run(self, here: &Here) -> anyhow::Result<()> {
        let root = self.dir.unwrap_or_else(|| here.root());
        if !root.join("fixtures/scenarios").is_dir() {
            bail!(
                "record-fixtures is prompt-diary's own fixture tool, and {} has no \
                 fixtures/scenarios/ folder. In your project, record a scenario with \
                 `prompt-diary record --script FILE --workspace DIR` (into the project's cassette \
                 folder)",
                root.display()
            );
        }
        let codex_bin = here.codex_bin(None)?;
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
