//! `prompt-diary init`: a commented `prompt-diary.toml` for a new project.

use std::path::PathBuf;

use clap::Args;

use crate::codex_bin::PINNED_CODEX_VERSION;
use crate::project::{template, write_new};

/// Arguments of `init`.
#[derive(Debug, Args)]
pub(crate) struct Init {
    /// The folder to write `prompt-diary.toml` into (the project's root); the current folder by
    /// default.
    #[arg(long)]
    dir: Option<PathBuf>,
    /// The cassette folder, relative to the project file.
    #[arg(long, default_value = "tests/cassettes")]
    cassettes: String,
    /// Write the file to stdout instead.
    #[arg(long)]
    print: bool,
}

impl Init {
    /// Writes (or prints) the file; refuses to replace one that is there.
    pub(crate) fn run(self) -> anyhow::Result<()> {
        let text = template(PINNED_CODEX_VERSION, &self.cassettes);
        if self.print {
            return super::print_out(&text);
        }
        let dir = self.dir.unwrap_or_default();
        let path = write_new(&dir, &text)?;
        super::print_line(&path.display().to_string())?;
        super::print_err(&format!(
            "wrote {}: Codex {PINNED_CODEX_VERSION}, cassettes in {}. Next: `prompt-diary \
             install-codex` installs that Codex beside it",
            path.display(),
            self.cassettes
        ));
        Ok(())
    }
}
