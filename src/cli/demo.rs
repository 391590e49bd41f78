//! `prompt-diary demo`: the main job on an embedded default. The example diary workflow runs
//! against the real pinned Codex driven by the scripted local model while recording, then again
//! offline from that recording; both sides are printed side by side.

use std::path::PathBuf;

use anyhow::Context;
use clap::Args;

use super::here::Here;
use crate::cli::fixtures::demo_run::{DemoReport, demo_cassette, demo_live, demo_replay};
use crate::codex_bin::install_codex;

/// Arguments of `demo`.
#[derive(Debug, Args)]
pub(crate) struct Demo {
    /// Where the recording and both sides' workspaces go; `target/prompt-diary-demo/` in the
    /// project folder by default. Earlier demo output there is replaced.
    #[arg(long)]
    out: Option<PathBuf>,
}

impl Demo {
    /// Installs Codex if it is missing, then runs both sides and prints the comparison.
    pub(super) async fn run(self, here: &Here) -> anyhow::Result<()> {
        let root = here.root();
        let pin = here.pin();
        let out = self
            .out
            .unwrap_or_else(|| root.join("target").join("prompt-diary-demo"));
        std::fs::create_dir_all(&out).with_context(|| format!("creating {}", out.display()))?;
        let codex_bin = match here.codex_bin(None) {
            Ok(path) => path,
            Err(_) => {
                super::print_err(&format!(
                    "Codex {pin} is not installed; installing it into {} with npm (once) ...",
                    root.join(".prompt-diary").display()
                ));
                install_codex(&root, pin, |line| super::print_err(&format!("  {line}")))?
            }
        };
        super::print_err(&format!(
            "[1/2] live: the diary workflow (outline -> draft -> review -> render, 2 entries at once)\n      on {} with the scripted local model, recording ...",
            codex_bin.display()
        ));
        let live = demo_live(&codex_bin, &out).await?;
        super::print_err(&format!(
            "[2/2] replay: the same workflow from {}, offline ...",
            demo_cassette(&out).display()
        ));
        let replay = demo_replay(&out).await.context(
            "replaying the demo's own recording failed; this is a bug, please report it with the output above",
        )?;
        let report = DemoReport {
            cassette: demo_cassette(&out),
            live,
            replay,
        };
        super::print_out(&report.render())?;
        anyhow::ensure!(
            report.identical(),
            "live and replay rendered different pages; see the table above"
        );
        Ok(())
    }
}
