//! `prompt-diary upgrade-codex`: move to another Codex without an account (the re-recording
//! room's `upgrade`: install, schema comparison, offline re-recording, accepting and moving the
//! pin in `prompt-diary.toml`).

use std::num::NonZeroUsize;
use std::path::PathBuf;

use clap::Args;

use super::here::Here;
use crate::project::PinMoved;
use crate::rerecord::upgrade::{
    accept_upgrade, default_jobs, parse_jobs, resolve_version, upgrade_codex,
};

/// Arguments of `upgrade-codex`.
#[derive(Debug, Args)]
pub(crate) struct UpgradeCodex {
    /// The Codex version to move to, or `latest`.
    #[arg(long)]
    to: String,
    /// Accept the pending re-recordings in DIR (after `review`) and move the pin in
    /// `prompt-diary.toml` to the version (only its `codex` line changes; a project without the
    /// file gets a minimal one).
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
    /// The folder of cassettes to re-record; the project's cassette folder by default.
    dir: Option<PathBuf>,
}

impl UpgradeCodex {
    /// Runs the command: progress on stderr, the report on stdout.
    pub(super) async fn run(self, here: &Here) -> anyhow::Result<()> {
        let root = here.root();
        let dir = self.dir.unwrap_or_else(|| here.cassette_dir());
        let version = resolve_version(&self.to)?;
        if self.accept {
            let (accepted, moved) = accept_upgrade(&dir, &here.file_path(), &version)?;
            let pin = match moved {
                PinMoved::Moved { path, from } => format!(
                    "{} now pins Codex {version}{}",
                    path.display(),
                    from.map(|old| format!(" (was {old})")).unwrap_or_default()
                ),
                PinMoved::Created { path } => format!(
                    "the project had no prompt-diary.toml: created {} pinning Codex {version}",
                    path.display()
                ),
            };
            super::print_line(&format!(
                "accepted {accepted} re-recording(s) in {} for Codex {version}; {pin}",
                dir.display()
            ))?;
            return Ok(());
        }
        let report = upgrade_codex(
            &root,
            here.pin(),
            &version,
            &dir,
            &self.allow_mcp_servers,
            self.jobs.unwrap_or_else(default_jobs),
            &mut super::print_err,
        )
        .await?;
        super::print_out(&report.to_string())
    }
}
