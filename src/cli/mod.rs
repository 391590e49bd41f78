//! The command line: thin clap structs mapped onto library calls.

mod fixtures;

use std::path::PathBuf;

use clap::{Parser, Subcommand};

use crate::integrations::codex_runner::{PINNED_CODEX_VERSION, install_codex, project_root};

/// prompt-diary: run Codex behind a neutral port, and record/replay its traffic.
#[derive(Debug, Parser)]
#[command(name = "prompt-diary", version, about)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Install the pinned Codex CLI into the project (`.prompt-diary/codex/<version>/`) and print
    /// the binary's path. Does nothing if it is already there.
    InstallCodex {
        /// The Codex version to install.
        #[arg(long, default_value = PINNED_CODEX_VERSION)]
        version: String,
        /// The project folder to install into; the nearest folder with `Cargo.toml` or `.git`
        /// above the current directory by default.
        #[arg(long)]
        dir: Option<PathBuf>,
    },
    /// Re-record the committed cassettes (`cassettes/`) from the real Codex binary driven by the
    /// scripted model (`fixtures/scenarios/`). A cassette that changed is written beside the old
    /// one as `<name>.jsonl.new` for review, unless `--overwrite` is given.
    RecordFixtures(fixtures::RecordFixtures),
}

/// Runs a parsed command line.
pub fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::InstallCodex { version, dir } => {
            let root = match dir {
                Some(dir) => dir,
                None => project_root(&std::env::current_dir()?),
            };
            let bin = install_codex(&root, &version, |line| eprintln!("{line}"))?;
            println!("{}", bin.display());
            Ok(())
        }
        Command::RecordFixtures(args) => runtime()?.block_on(args.run()),
    }
}

fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?)
}
