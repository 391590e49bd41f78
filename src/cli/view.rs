//! `prompt-diary view`: a cassette as one self-contained HTML page (`view::render`).

use std::path::PathBuf;

use anyhow::Context;
use clap::Args;

use crate::cassette::{Cassette, write_atomic};

/// Arguments of `view`.
#[derive(Debug, Args)]
pub struct View {
    /// The cassette.
    cassette: PathBuf,
    /// Where to write the page (default: the cassette's path with `.html`).
    #[arg(short = 'o', long = "out")]
    out: Option<PathBuf>,
}

impl View {
    /// Writes the page and prints its path.
    pub fn run(self) -> anyhow::Result<()> {
        let cassette = Cassette::load(&self.cassette, "")?;
        let out = self
            .out
            .unwrap_or_else(|| self.cassette.with_extension("html"));
        write_atomic(&out, &crate::view::render(&cassette))
            .with_context(|| format!("writing {}", out.display()))?;
        super::print_out(&format!("{}\n", out.display()))
    }
}
