//! `prompt-diary rerecord`: re-record cassettes offline on any Codex
//! ([`rerecord_cassette`](crate::rerecord::rerecord_cassette)).

use std::path::PathBuf;

use anyhow::bail;
use clap::Args;

use crate::codex_bin::resolve_codex_bin;
use crate::rerecord::{RerecordSummary, SANDBOX_NOTICE, rerecord_cassette};

/// Arguments of `rerecord`.
#[derive(Debug, Args)]
pub struct Rerecord {
    /// The cassettes to re-record.
    #[arg(required = true)]
    cassettes: Vec<PathBuf>,
    /// The Codex binary to record with (default: the pinned one, resolved as usual).
    #[arg(long)]
    codex_bin: Option<PathBuf>,
    /// Start the MCP server NAME where a cassette configures one (repeatable). A cassette may
    /// come from anyone, so a server it names (a process outside the sandbox) is refused
    /// unless allowed here; read what it starts with `prompt-diary inspect` first.
    #[arg(long = "allow-mcp-server", value_name = "NAME")]
    allow_mcp_servers: Vec<String>,
}

impl Rerecord {
    /// Re-records each cassette; says once on stderr that their commands run again in Codex's
    /// sandbox, then one summary line each; fails if any could not be re-recorded.
    pub async fn run(self) -> anyhow::Result<()> {
        let (codex_bin, _) = resolve_codex_bin(self.codex_bin.as_deref())?;
        super::print_err(SANDBOX_NOTICE);
        let mut failed = 0;
        for path in &self.cassettes {
            let outcome = rerecord_cassette(path, &codex_bin, &self.allow_mcp_servers).await;
            failed += usize::from(outcome.is_err());
            super::print_line(&format!(
                "{}: {}",
                path.display(),
                RerecordSummary(&outcome)
            ))?;
        }
        if failed > 0 {
            bail!("{failed} cassette(s) could not be re-recorded offline (see above)");
        }
        Ok(())
    }
}
