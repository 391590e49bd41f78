//! `prompt-diary upgrade-codex`: move to another Codex without an account (the test kit's
//! `upgrade` module: install, schema comparison, offline re-recording, accepting and moving the
//! pin).

use std::path::PathBuf;

use clap::Args;

use crate::codex_bin::project_root;
use crate::rerecord::upgrade::{accept_upgrade, resolve_version, upgrade_codex};

/// Arguments of `upgrade-codex`.
#[derive(Debug, Args)]
pub struct UpgradeCodex {
    /// The Codex version to move to, or `latest`.
    #[arg(long)]
    to: String,
    /// Accept the pending re-recordings in DIR and move the pin (after `review`).
    #[arg(long)]
    accept: bool,
    /// The folder of cassettes to re-record.
    #[arg(default_value = "cassettes")]
    dir: PathBuf,
}

impl UpgradeCodex {
    /// Runs the command: progress on stderr, the report on stdout.
    pub async fn run(self) -> anyhow::Result<()> {
        let root = project_root(&std::env::current_dir()?);
        let version = resolve_version(&self.to)?;
        if self.accept {
            let accepted = accept_upgrade(&root, &version, &self.dir)?;
            println!(
                "accepted {accepted} re-recording(s) in {} and pinned Codex {version} (rebuild: `cargo build`)",
                self.dir.display()
            );
            return Ok(());
        }
        let report =
            upgrade_codex(&root, &version, &self.dir, &mut |line| eprintln!("{line}")).await?;
        super::print_out(&report.to_string())
    }
}
