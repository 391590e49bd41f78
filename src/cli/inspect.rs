//! `prompt-diary inspect`: a cassette as a readable timeline, or as JSON.

use std::path::PathBuf;

use clap::Args;

use super::here::Here;
use crate::cassette::AnyCassette;
use crate::cassette::kind::Story;

/// Arguments of `inspect`.
#[derive(Debug, Args)]
pub(crate) struct Inspect {
    /// The cassette file.
    cassette: PathBuf,
    /// Print a machine-readable JSON document instead of text.
    #[arg(long)]
    json: bool,
}

impl Inspect {
    /// Prints the timeline (for an exec cassette, its runs) to stdout.
    pub(super) fn run(self, here: &Here) -> anyhow::Result<()> {
        let record_command = here.record_command().unwrap_or("prompt-diary record");
        let text = match AnyCassette::story(&self.cassette, record_command)? {
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
