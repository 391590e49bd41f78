//! `prompt-diary rerecord`: re-record cassettes offline on any Codex
//! ([`rerecord_cassette`](crate::rerecord::rerecord_cassette)), one by one or a folder at a time,
//! with the loop `upgrade-codex` runs.

use std::num::NonZeroUsize;
use std::path::PathBuf;

use anyhow::bail;
use clap::Args;

use super::here::Here;
use crate::rerecord::upgrade::{Rerecorded, cassettes_in, default_jobs, parse_jobs, rerecord_each};
use crate::rerecord::{RerecordSummary, SANDBOX_NOTICE};

/// Arguments of `rerecord`.
#[derive(Debug, Args)]
pub(crate) struct Rerecord {
    /// The cassettes to re-record; a folder stands for every `*.jsonl` cassette in it and in
    /// the folders below it (the project's cassette folder by default).
    cassettes: Vec<PathBuf>,
    /// The Codex binary to record with (default: the pinned one, resolved as usual).
    #[arg(long)]
    codex_bin: Option<PathBuf>,
    /// Start the MCP server NAME where a cassette configures one (repeatable). A cassette may
    /// come from anyone, so a server it names (a process outside the sandbox) is refused
    /// unless allowed here; read what it starts with `prompt-diary inspect` first.
    #[arg(long = "allow-mcp-server", value_name = "NAME")]
    allow_mcp_servers: Vec<String>,
    /// Re-record up to N cassettes at once, each with its own Codex and scripted model
    /// (default: the machine's available parallelism). Each cassette's line is printed whole as
    /// it ends.
    #[arg(short = 'j', long = "jobs", value_name = "N", value_parser = parse_jobs)]
    jobs: Option<NonZeroUsize>,
}

impl Rerecord {
    /// Re-records each cassette; says once on stderr that their commands run again in Codex's
    /// sandbox, then one summary line each; fails if any could not be re-recorded.
    pub(super) async fn run(self, here: &Here) -> anyhow::Result<()> {
        let codex_bin = here.codex_bin(self.codex_bin.as_deref())?;
        let mut paths = Vec::new();
        let targets = if self.cassettes.is_empty() {
            vec![here.cassette_dir()]
        } else {
            self.cassettes
        };
        for path in targets {
            if path.is_dir() {
                paths.extend(cassettes_in(&path)?);
            } else {
                paths.push(path);
            }
        }
        super::print_err(SANDBOX_NOTICE);
        let mut printed = Ok(());
        let mut print = |(path, outcome): &Rerecorded| {
            let line = format!("{}: {}", path.display(), RerecordSummary(outcome));
            if printed.is_ok() {
                printed = super::print_line(&line);
            }
        };
        let outcomes = rerecord_each(
            &paths,
            &codex_bin,
            &self.allow_mcp_servers,
            self.jobs.unwrap_or_else(default_jobs),
            &mut |_| {},
            &mut print,
        )
        .await;
        printed?;
        let failed = outcomes.iter().filter(|(_, o)| o.is_err()).count();
        if failed > 0 {
            bail!("{failed} cassette(s) could not be re-recorded offline (see above)");
        }
        Ok(())
    }
}
