//! `prompt-diary review`: pending `.new` re-recordings against the committed cassettes, by
//! meaning ([`Meaning`](crate::cassette::Meaning)) or, with `--raw`, as unified diffs.

use std::path::PathBuf;

use clap::Args;

use crate::cassette::list_pending;

/// Arguments of `review`.
#[derive(Debug, Args)]
pub struct Review {
    /// The folder of cassettes.
    #[arg(default_value = "cassettes")]
    dir: PathBuf,
    /// Show unified line diffs instead of the changes by meaning.
    #[arg(long)]
    raw: bool,
}

impl Review {
    /// Prints, per pending re-recording, what changed by meaning (what the agent did, then the
    /// protocol's shape), or its unified diff with `--raw`.
    pub fn run(self) -> anyhow::Result<()> {
        let pending = list_pending(&self.dir)?;
        if pending.is_empty() {
            println!("no pending re-recordings in {}", self.dir.display());
            return Ok(());
        }
        let mut text = String::new();
        for item in &pending {
            text.push_str(&format!(
                "== {} ({})\n",
                item.name(),
                item.pending.display()
            ));
            match (self.raw, item.meaning()?) {
                (false, Some(meaning)) => text.push_str(&meaning.to_string()),
                (false, None) => {
                    text.push_str("a new cassette (nothing committed to compare with)\n")
                }
                (true, _) => text.push_str(&item.diff()?),
            }
        }
        let names: Vec<String> = pending.iter().map(|p| p.name()).collect();
        text.push_str(&format!(
            "\n{} pending: accept with `prompt-diary accept {} {}`, or delete the .new files\n",
            pending.len(),
            self.dir.display(),
            names.join(" ")
        ));
        super::print_out(&text)
    }
}
