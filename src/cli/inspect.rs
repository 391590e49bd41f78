//! `prompt-diary inspect`: a cassette as a readable timeline, or as JSON.

use std::path::PathBuf;

use clap::Args;

use crate::cassette::{Cassette, ExecCassette, ExecStory, Timeline, is_exec_cassette};

/// Arguments of `inspect`.
#[derive(Debug, Args)]
pub struct Inspect {
    /// The cassette file.
    cassette: PathBuf,
    /// Print a machine-readable JSON document instead of text.
    #[arg(long)]
    json: bool,
}

impl Inspect {
    /// Prints the timeline (for an exec cassette, its runs) to stdout.
    pub fn run(self) -> anyhow::Result<()> {
        if is_exec_cassette(&self.cassette) {
            let story = ExecStory::of(&ExecCassette::load(&self.cassette, "")?);
            return if self.json {
                super::print_out(&format!("{}\n", serde_json::to_string_pretty(&story)?))
            } else {
                super::print_out(&story.to_string())
            };
        }
        let cassette = Cassette::load(&self.cassette, "prompt-diary record")?;
        let timeline = Timeline::of(&cassette);
        if self.json {
            super::print_out(&format!("{}\n", serde_json::to_string_pretty(&timeline)?))
        } else {
            super::print_out(&timeline.to_string())
        }
    }
}
