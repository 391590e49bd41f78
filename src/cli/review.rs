//! `prompt-diary review`: pending `.new` re-recordings against the committed cassettes, by
//! meaning ([`MeaningDiff`](crate::cassette::MeaningDiff)) or, with `--raw`, as unified diffs; with
//! `--html`, each also as the viewer's page beside it.

use std::path::PathBuf;

use anyhow::Context;
use clap::Args;

use super::here::Here;
use crate::cassette::{PendingRecording, list_pending, write_atomic};

/// Arguments of `review`.
#[derive(Debug, Args)]
pub(crate) struct Review {
    /// The folder of cassettes (the project's cassette folder by default), or one re-recording
    /// (`NAME.jsonl.new`, or the committed `NAME.jsonl` beside it).
    dir: Option<PathBuf>,
    /// Show unified line diffs instead of the changes by meaning.
    #[arg(long)]
    raw: bool,
    /// Also write each pending re-recording as the viewer's page beside it
    /// (`NAME.jsonl.new.html`): the re-recorded session, with the committed cassette it would
    /// replace and the change by meaning on top.
    #[arg(long)]
    html: bool,
}

impl Review {
    /// Prints, per pending re-recording, what changed by meaning (what the agent did, then the
    /// protocol's shape), or its unified diff with `--raw`.
    pub(super) fn run(self, here: &Here) -> anyhow::Result<()> {
        let target = self.dir.clone().unwrap_or_else(|| here.cassette_dir());
        let (dir, pending) = if target.is_file() {
            let Some(item) = PendingRecording::named(&target) else {
                anyhow::bail!(
                    "{} is neither a folder nor a cassette (NAME.jsonl or NAME.jsonl.new)",
                    target.display()
                );
            };
            let dir = item
                .committed
                .parent()
                .filter(|p| !p.as_os_str().is_empty())
                .map_or_else(|| PathBuf::from("."), PathBuf::from);
            let pending = if item.pending.is_file() {
                vec![item]
            } else {
                Vec::new()
            };
            (dir, pending)
        } else {
            (target.clone(), list_pending(&target)?)
        };
        if pending.is_empty() {
            super::print_line(&format!("no pending re-recordings in {}", target.display()))?;
            return Ok(());
        }
        let mut text = String::new();
        for item in &pending {
            text.push_str(&format!(
                "== {} ({})\n",
                item.name(),
                item.pending.display()
            ));
            if let Some(refused) = item.refused() {
                text.push_str(&format!("{refused}\n"));
                continue;
            }
            let meaning = item.meaning()?;
            match (self.raw, &meaning) {
                (false, Some(meaning)) => text.push_str(meaning),
                (false, None) => {
                    text.push_str("a new cassette (nothing committed to compare with)\n")
                }
                (true, _) => text.push_str(&item.diff()?),
            }
            if let Some(note) = crate::rerecord::policy_note(&item.committed, &item.pending) {
                text.push_str(&format!("{note}\n"));
            }
            if self.html {
                let accept = format!("prompt-diary accept {} {}", dir.display(), item.name());
                let (page, html) = crate::view::pending_page(item, meaning, accept)?;
                write_atomic(&page, &html)
                    .with_context(|| format!("writing {}", page.display()))?;
                text.push_str(&format!("the re-recording as a page: {}\n", page.display()));
            }
        }
        let names: Vec<String> = pending
            .iter()
            .filter(|p| p.refused().is_none())
            .map(PendingRecording::name)
            .collect();
        if names.is_empty() {
            return super::print_out(&text);
        }
        text.push_str(&format!(
            "\n{} pending: accept with `prompt-diary accept {} {}`, or delete the .new files\n",
            pending.len(),
            dir.display(),
            names.join(" ")
        ));
        super::print_out(&text)
    }
}
