//! `prompt-diary accept`: pending `.new` re-recordings replace the committed cassettes.

use std::path::{Path, PathBuf};

use anyhow::bail;
use clap::Args;

use super::here::Here;
use crate::cassette::list_pending;

/// Arguments of `accept`.
#[derive(Debug, Args)]
pub(crate) struct Accept {
    /// `[DIR] [NAME...]`: the folder of cassettes (the project's cassette folder unless the first
    /// value is a folder), then the cassettes to accept by name; all pending ones when no name is
    /// given.
    targets: Vec<String>,
}

impl Accept {
    /// Accepts, printing one line per cassette.
    pub(super) fn run(self, here: &Here) -> anyhow::Result<()> {
        let mut targets = self.targets;
        let dir = match targets.first() {
            Some(first) if Path::new(first).is_dir() => PathBuf::from(targets.remove(0)),
            _ => here.cassette_dir(),
        };
        let pending = list_pending(&dir)?;
        let names: Vec<String> = pending.iter().map(|p| p.name()).collect();
        if let Some(unknown) = targets.iter().find(|t| !names.contains(t)) {
            bail!(
                "no pending re-recording named {unknown:?} in {} (pending: {}). Re-record one with \
                 `prompt-diary rerecord` or `prompt-diary record`",
                dir.display(),
                if names.is_empty() {
                    "none".to_owned()
                } else {
                    names.join(", ")
                }
            );
        }
        if pending.is_empty() {
            super::print_line(&format!("no pending re-recordings in {}", dir.display()))?;
        }
        for item in pending {
            if !targets.is_empty() && !targets.contains(&item.name()) {
                continue;
            }
            item.accept()?;
            super::print_line(&format!(
                "accepted {}: {} now holds the re-recording",
                item.name(),
                item.committed.display()
            ))?;
        }
        Ok(())
    }
}
