//! `prompt-diary install-codex`: the pinned Codex CLI, installed into the project with npm.

use std::path::PathBuf;

use clap::Args;

use crate::codex_bin::{PINNED_CODEX_VERSION, install_codex, project_root};

/// Arguments of `install-codex`.
#[derive(Debug, Args)]
pub struct InstallCodex {
    /// The Codex version to install.
    #[arg(long, default_value = PINNED_CODEX_VERSION)]
    version: String,
    /// The project folder to install into; the nearest folder with `Cargo.toml` or `.git`
    /// above the current directory by default.
    #[arg(long)]
    dir: Option<PathBuf>,
}

impl InstallCodex {
    /// Installs (or finds) the binary; progress goes to stderr, the binary's path to stdout.
    pub fn run(self) -> anyhow::Result<()> {
        let root = match self.dir {
            Some(dir) => dir,
            None => project_root(&std::env::current_dir()?),
        };
        let bin = install_codex(&root, &self.version, super::print_err)?;
        super::print_line(&bin.display().to_string())?;
        Ok(())
    }
}
