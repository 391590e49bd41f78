//! `prompt-diary record-fixtures`: re-record the committed cassettes, or check them for drift.

use std::path::PathBuf;

use anyhow::{Context, bail};
use clap::Args;
use similar::TextDiff;

use crate::cassette::{Cassette, WriteOutcome};
use crate::cmds::generate::fixture as workflow;
use crate::codex_bin::{project_root, resolve_codex_bin};
use crate::testing::fixtures;

/// Arguments of `record-fixtures`.
#[derive(Debug, Args)]
pub struct RecordFixtures {
    /// Only these fixtures (by name); all by default.
    #[arg(long = "only")]
    only: Vec<String>,
    /// Replace differing cassettes instead of writing `.new` files.
    #[arg(long)]
    overwrite: bool,
    /// Record into a temp folder and fail if any cassette differs from the committed one
    /// (after normalisation), printing the diff. Writes nothing in the project.
    #[arg(long)]
    check: bool,
    /// The project folder (holding `fixtures/` and `cassettes/`).
    #[arg(long)]
    dir: Option<PathBuf>,
}

impl RecordFixtures {
    /// Runs the command.
    pub async fn run(self) -> anyhow::Result<()> {
        let root = match self.dir.clone() {
            Some(dir) => dir,
            None => project_root(&std::env::current_dir()?),
        };
        let (codex_bin, _) = resolve_codex_bin(None)?;
        let mut all = fixtures::list(&root)
            .with_context(|| format!("reading {}/fixtures/scenarios", root.display()))?;
        let with_workflow =
            self.only.is_empty() || self.only.iter().any(|n| n == workflow::WORKFLOW_FIXTURE);
        if !self.only.is_empty() {
            all.retain(|f| self.only.contains(&f.name));
            if all.is_empty() && !with_workflow {
                bail!(
                    "no fixture named {:?} in {}/fixtures/scenarios",
                    self.only,
                    root.display()
                );
            }
        }
        let scratch = tempfile::tempdir()?;
        let mut drifted = Vec::new();
        for (index, fixture) in all.iter().enumerate() {
            eprintln!(
                "[{}/{}] recording {} ...",
                index + 1,
                all.len(),
                fixture.name
            );
            let out = if self.check {
                scratch.path().join(format!("{}.jsonl", fixture.name))
            } else {
                fixture.cassette_path.clone()
            };
            let (outcome, _) = fixture
                .record(&codex_bin, &out, self.overwrite || self.check)
                .await
                .with_context(|| format!("recording fixture {}", fixture.name))?;
            if self.check {
                if let Some(diff) = drift(&fixture.cassette_path, &out)? {
                    eprintln!(
                        "  DRIFT: {} differs from a fresh recording:\n{diff}",
                        fixture.cassette_path.display()
                    );
                    drifted.push(fixture.name.clone());
                } else {
                    eprintln!("  ok: matches {}", fixture.cassette_path.display());
                }
                continue;
            }
            match outcome {
                WriteOutcome::Written(path) => eprintln!("  wrote {}", path.display()),
                WriteOutcome::Unchanged(path) => eprintln!("  unchanged {}", path.display()),
                WriteOutcome::Pending { pending, .. } => {
                    eprintln!("  CHANGED: review {}", pending.display())
                }
            }
        }
        if with_workflow
            && self
                .record_workflow(&root, &codex_bin, scratch.path())
                .await?
        {
            drifted.push(workflow::WORKFLOW_FIXTURE.to_owned());
        }
        if !drifted.is_empty() {
            bail!(
                "{} cassette(s) drifted from the pinned Codex and the scripted model: {}. Re-record with `cargo run -- record-fixtures`, review the .new files, and commit",
                drifted.len(),
                drifted.join(", ")
            );
        }
        Ok(())
    }
}

impl RecordFixtures {
    /// Records the generation workflow fixture (`cmds::generate::fixture`); with `--check`, into
    /// `scratch`, comparing cassette and rendered pages with the committed ones. Returns whether
    /// it drifted.
    async fn record_workflow(
        &self,
        root: &std::path::Path,
        codex_bin: &std::path::Path,
        scratch: &std::path::Path,
    ) -> anyhow::Result<bool> {
        let name = workflow::WORKFLOW_FIXTURE;
        eprintln!("[workflow] recording {name} ...");
        let committed = workflow::cassette_path(root);
        let out = match self.check {
            true => scratch.join(format!("{name}.jsonl")),
            false => committed.clone(),
        };
        let (outcome, run) =
            workflow::record_workflow(root, codex_bin, &out, self.overwrite || self.check)
                .await
                .with_context(|| format!("recording fixture {name}"))?;
        if !self.check {
            eprintln!("  {outcome:?}");
            for pending in run.write_expected(root, self.overwrite)? {
                eprintln!("  CHANGED: review {}", pending.display());
            }
            return Ok(false);
        }
        let mut drifted = false;
        if let Some(diff) = drift(&committed, &out)? {
            eprintln!(
                "  DRIFT: {} differs from a fresh recording:\n{diff}",
                committed.display()
            );
            drifted = true;
        }
        if let Some(diff) = run.diff_from_expected(root) {
            eprintln!("  DRIFT: the rendered pages differ:\n{diff}");
            drifted = true;
        }
        if !drifted {
            eprintln!(
                "  ok: matches {} and the expected pages",
                committed.display()
            );
        }
        Ok(drifted)
    }
}

/// The diff between the committed cassette and a fresh recording, if they differ after
/// normalisation (the recording date is ignored).
fn drift(committed: &std::path::Path, fresh: &std::path::Path) -> anyhow::Result<Option<String>> {
    let fresh = Cassette::load(fresh, "")?.comparable_text();
    let committed = match Cassette::load(committed, "cargo run -- record-fixtures") {
        Ok(cassette) => cassette.comparable_text(),
        Err(err) => return Ok(Some(format!("    {err}"))),
    };
    if committed == fresh {
        return Ok(None);
    }
    let diff = TextDiff::from_lines(&committed, &fresh);
    Ok(Some(
        diff.unified_diff()
            .context_radius(1)
            .header("committed", "fresh recording")
            .to_string(),
    ))
}
