//! `prompt-diary view`: a cassette as one self-contained HTML page (`view::render`).

use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::Args;

use crate::cassette::{AnyCassette, ForPage, write_atomic};

/// Arguments of `view`.
#[derive(Debug, Args)]
pub(crate) struct View {
    /// The cassette.
    cassette: PathBuf,
    /// Where to write the page (default: the cassette's path with `.html`).
    #[arg(short = 'o', long = "out")]
    out: Option<PathBuf>,
    /// Open the page in the desktop's browser (`xdg-open`); without one, the path is printed.
    #[arg(long)]
    open: bool,
}

impl View {
    /// Writes the page and prints its path.
    pub(crate) fn run(self) -> anyhow::Result<()> {
        // An app-server cassette is read line by line (its page costs its lines, not its parsed
        // trees); an exec cassette holds a few runs and is read whole.
        let page = match AnyCassette::for_page(&self.cassette, "")? {
            ForPage::Exec(cassette) => crate::view::render_exec(&cassette),
            ForPage::AppServer(text) => crate::view::render_file(&self.cassette, text)?,
        };
        let out = self
            .out
            .unwrap_or_else(|| self.cassette.with_extension("html"));
        write_atomic(&out, &page).with_context(|| format!("writing {}", out.display()))?;
        super::print_out(&format!("{}\n", out.display()))?;
        if self.open {
            open(&out);
        }
        Ok(())
    }
}

/// Opens `page` with `xdg-open`, or says how to open it.
fn open(page: &Path) {
    let opened = std::process::Command::new("xdg-open")
        .arg(page)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !opened {
        let shown = std::path::absolute(page).unwrap_or_else(|_| page.to_owned());
        super::print_err(&format!(
            "could not open it with xdg-open; open this file in a browser: {}",
            shown.display()
        ));
    }
}
