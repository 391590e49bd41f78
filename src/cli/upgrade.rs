//! `prompt-diary upgrade-codex`: move to another Codex without an account (the re-recording
//! room's `upgrade`: install, schema comparison, offline re-recording, accepting).

use std::num::NonZeroUsize;
use std::path::PathBuf;

use clap::Args;

use crate::codex_bin::{PINNED_CODEX_VERSION, project_root};
use crate::rerecord::upgrade::{
    accept_upgrade, default_jobs, parse_jobs, resolve_version, upgrade_codex,
};

/// Arguments of `upgrade-codex`.
#[derive(Debug, Args)]
pub struct UpgradeCodex {
    /// The Codex version to move to, or `latest`.
    #[arg(long)]
    to: String,
    /// Accept the pending re-recordings in DIR (after `review`).
    #[arg(long)]
    accept: bool,
    /// Start the MCP server NAME where a cassette configures one (repeatable). A cassette may
    /// come from anyone, so a server it names (a process outside the sandbox) is refused
    /// unless allowed here; read what it starts with `prompt-diary inspect` first.
    #[arg(long = "allow-mcp-server", value_name = "NAME")]
    allow_mcp_servers: Vec<String>,
    /// Re-record up to N cassettes at once (default: the machine's available parallelism).
    #[arg(short = 'j', long = "jobs", value_name = "N", value_parser = parse_jobs)]
    jobs: Option<NonZeroUsize>,
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
            let accepted = accept_upgrade(&self.dir)?;
            super::print_line(&format!(
                "accepted {accepted} re-recording(s) in {} for Codex {version}. The pin is \
                 compiled into prompt-diary ({PINNED_CODEX_VERSION}); in prompt-diary's own \
                 repository `cargo xtask move-pin {version}` moves it",
                self.dir.display()
            ))?;
            return Ok(());
        }
        let report = upgrade_codex(
            &root,
            &version,
            &self.dir,
            &self.allow_mcp_servers,
            self.jobs.unwrap_or_else(default_jobs),
            &mut super::print_err,
        )
        .await?;
        super::print_out(&report.to_string())
    }
}
