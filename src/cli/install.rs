//! `prompt-diary install-codex`: the project's pinned Codex CLI, installed at the project's root
//! with npm.

use std::path::PathBuf;

use clap::Args;

use super::here::Here;
use crate::codex_bin::install_codex;

/// Arguments of `install-codex`.
#[derive(Debug, Args)]
pub(crate) struct InstallCodex {
    /// The Codex version to install (X.Y.Z); the project's pin by default (`codex` in
    /// `prompt-diary.toml`, else this prompt-diary's own).
    #[arg(long)]
    version: Option<String>,
    /// The project folder to install into (its `prompt-diary.toml` gives the pin); by default the
    /// folder holding `prompt-diary.toml` above the current directory, else the nearest folder
    /// with `Cargo.toml` or `.git`.
    #[arg(long)]
    dir: Option<PathBuf>,
}

impl InstallCodex {
    /// Installs (or finds) the binary; progress goes to stderr, the binary's path to stdout.
    pub(super) fn run(self, here: &Here) -> anyhow::Result<()> {
        let (root, there);
        let project = match self.dir {
            Some(dir) => {
                there = Here::find_from(&dir)?;
                root = dir;
                &there
            }
            None => {
                root = here.root();
                here
            }
        };
        let version = self.version.as_deref().unwrap_or(project.pin());
        let bin = install_codex(&root, version, super::print_err)?;
        super::print_line(&bin.display().to_string())?;
        Ok(())
    }
}
