//! `prompt-diary install-stand-in DIR`: a `codex` link to the stand-in, for `PATH`.

use std::path::PathBuf;

use clap::Args;

use crate::stand_in::{install_stand_in, stand_in_beside};

/// Arguments of `install-stand-in`.
#[derive(Debug, Args)]
pub(crate) struct InstallStandIn {
    /// The folder to write the `codex` link into (created if missing); put it first on `PATH`.
    dir: PathBuf,
    /// The stand-in binary; by default `prompt-diary-codex` beside this program.
    #[arg(long)]
    stand_in: Option<PathBuf>,
}

impl InstallStandIn {
    /// Writes the link; its path goes to stdout, how to use it to stderr.
    pub(crate) fn run(self) -> anyhow::Result<()> {
        let stand_in = match self.stand_in {
            Some(path) => path,
            None => stand_in_beside(&std::env::current_exe()?),
        };
        let link = install_stand_in(&self.dir, &stand_in)?;
        super::print_line(&link.display().to_string())?;
        super::print_err(&format!(
            "`codex` in {dir} is the prompt-diary stand-in now. Put it first on PATH \
             (export PATH=\"{dir}:$PATH\"), set PROMPT_DIARY_CASSETTE (and \
             PROMPT_DIARY_RECORD_MODE=once or all with PROMPT_DIARY_CODEX_BIN naming the real \
             Codex to record)",
            dir = self.dir.display()
        ));
        Ok(())
    }
}
