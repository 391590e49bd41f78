//! `prompt-diary review`: pending `.new` re-recordings as diffs against the committed cassettes.

use std::path::PathBuf;

use clap::Args;

use crate::cassette::list_pending;

/// Arguments of `review`.
#[derive(Debug, Args)]
pub struct Review {
    /// The folder of cassettes.
    #[arg(default_value = "cassettes")]
    dir: PathBuf,
}

impl Review {
    /// Prints one unified diff per pending re-recording.
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
            text.push_str(&item.diff()?);
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
