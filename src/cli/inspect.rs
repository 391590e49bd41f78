//! `prompt-diary inspect`: a cassette as a readable timeline, or as JSON.

use std::path::PathBuf;

use clap::Args;

use crate::cassette::AnyCassette;
use crate::cassette::kind::Story;

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
        let text = match AnyCassette::story(&self.cassette, "prompt-diary record")? {
            Story::Exec(story) => {
                if self.json {
                    format!("{}\n", serde_json::to_string_pretty(&story)?)
                } else {
                    story.to_string()
                }
            }
            Story::AppServer(timeline) => {
                if self.json {
                    format!("{}\n", serde_json::to_string_pretty(&timeline)?)
                } else {
                    timeline.to_string()
                }
            }
        };
        super::print_out(&text)
    }
}
