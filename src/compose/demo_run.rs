//! The demo (feature `test-util`): the example diary workflow run live against the real pinned
//! Codex driven by the scripted local model while recording, then replayed offline from that
//! recording, with both sides timed and shown side by side.
//!
//! [`demo_live`] and [`demo_replay`] are the two halves; [`DemoReport::render`] is the table
//! `prompt-diary demo` prints.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::agent::AgentError;
use crate::generate::{EntryReport, PhaseReport};
use crate::testing::Scenario;
use crate::testing::fixtures::workflow::{
    EMBEDDED_SCENARIO, WORKFLOW_FIXTURE, WorkflowFixtureError, WorkflowRun, record_workflow_in,
    replay_workflow_in,
};

/// One side of the demo: how long it took, what each entry did, and where its files are.
#[derive(Debug)]
pub(crate) struct DemoSide {
    /// Wall time from backend start to shutdown, all entries included.
    pub elapsed: Duration,
    /// Each entry's phases and rendered page, in fixture order.
    pub reports: Vec<EntryReport>,
    /// The folder holding one workspace per entry (`<workspaces>/<slug>/`).
    pub workspaces: PathBuf,
}

/// Both sides of the demo and the cassette between them.
#[derive(Debug)]
pub(crate) struct DemoReport {
    /// The cassette the live side recorded and the replay side played.
    pub cassette: PathBuf,
    /// The live side: real Codex, scripted model, recording.
    pub live: DemoSide,
    /// The replay side: the cassette alone, no Codex.
    pub replay: DemoSide,
}

/// The cassette path the demo records into under `out`.
pub(crate) fn demo_cassette(out: &Path) -> PathBuf {
    out.join(format!("{WORKFLOW_FIXTURE}.jsonl"))
}

/// Runs the workflow live on `codex_bin` driven by the embedded scripted scenario, recording
/// into [`demo_cassette`]`(out)` (replacing an earlier demo recording), with the entries'
/// workspaces under `out/live/`.
///
/// # Errors
/// See [`WorkflowFixtureError`].
pub(crate) async fn demo_live(
    codex_bin: &Path,
    out: &Path,
) -> Result<DemoSide, WorkflowFixtureError> {
    let scenario = Scenario::from_json(EMBEDDED_SCENARIO)
        .map_err(|e| WorkflowFixtureError::Setup(e.to_string()))?;
    let workspaces = out.join("live");
    let started = Instant::now();
    let (_, reports) =
        record_workflow_in(scenario, codex_bin, &demo_cassette(out), true, &workspaces).await?;
    Ok(DemoSide {
        elapsed: started.elapsed(),
        reports,
        workspaces,
    })
}

/// Replays [`demo_cassette`]`(out)` offline through the same workflow, with the entries'
/// workspaces under `out/replay/`.
///
/// # Errors
/// See [`WorkflowFixtureError`]; a divergence from the recording is
/// [`WorkflowFixtureError::Agent`].
pub(crate) async fn demo_replay(out: &Path) -> Result<DemoSide, WorkflowFixtureError> {
    let workspaces = out.join("replay");
    let started = Instant::now();
    let reports = replay_workflow_in(&demo_cassette(out), &workspaces).await?;
    Ok(DemoSide {
        elapsed: started.elapsed(),
        reports,
        workspaces,
    })
}

impl DemoReport {
    /// Whether both sides rendered the same pages.
    pub(crate) fn identical(&self) -> bool {
        WorkflowRun::of(&self.live.reports) == WorkflowRun::of(&self.replay.reports)
    }

    /// The side-by-side table: timings, each entry's phases (turns and what was repaired), the
    /// artifacts each side left, and where the cassette is.
    pub(crate) fn render(&self) -> String {
        let mut out = String::new();
        let row = |out: &mut String, label: &str, live: &str, replay: &str| {
            let _ = writeln!(out, "{label:<18} {live:<50} {replay}");
        };
        row(
            &mut out,
            "",
            "live (Codex + scripted model)",
            "replay (cassette, no Codex)",
        );
        let (live_s, replay_s) = (self.live.elapsed, self.replay.elapsed);
        let speedup = live_s.as_secs_f64() / replay_s.as_secs_f64().max(1e-9);
        row(
            &mut out,
            "wall time",
            &format!("{:.2} s", live_s.as_secs_f64()),
            &format!("{:.2} s ({speedup:.1}x faster)", replay_s.as_secs_f64()),
        );
        for (live, replay) in self.live.reports.iter().zip(&self.replay.reports) {
            let _ = writeln!(out, "{}", live.slug);
            for (lp, rp) in live.phases.iter().zip(&replay.phases) {
                row(
                    &mut out,
                    &format!("  {}", lp.phase),
                    &phase_line(lp),
                    &phase_line(rp),
                );
            }
            let same = if live.rendered.html == replay.rendered.html {
                "identical"
            } else {
                "DIFFERENT"
            };
            row(
                &mut out,
                "  rendered page",
                &format!("{} bytes", live.rendered.html.len()),
                &format!("{} bytes, {same}", replay.rendered.html.len()),
            );
            row(
                &mut out,
                "  files",
                &artifact_list(&self.live.workspaces.join(&live.slug)),
                &artifact_list(&self.replay.workspaces.join(&replay.slug)),
            );
        }
        let _ = writeln!(
            out,
            "\ncassette:  {}\n           (see it: cargo run -- inspect {0})",
            self.cassette.display()
        );
        let _ = writeln!(
            out,
            "artifacts: {} and {} (one folder per entry)",
            self.live.workspaces.display(),
            self.replay.workspaces.display()
        );
        out
    }
}

/// `2 turns, repaired: outline.md is missing` or `1 turn`.
fn phase_line(report: &PhaseReport) -> String {
    let turns = report.attempts.len();
    let plural = if turns == 1 { "" } else { "s" };
    let repaired: Vec<String> = report
        .attempts
        .iter()
        .take(turns.saturating_sub(1))
        .map(|attempt| match &attempt.outcome {
            Err(AgentError::Timeout { .. }) => "timed out".to_owned(),
            Err(_) => "turn failed".to_owned(),
            Ok(_) => attempt.verdict.summary(),
        })
        .collect();
    if repaired.is_empty() {
        format!("{turns} turn{plural}")
    } else {
        format!("{turns} turn{plural}, repaired: {}", repaired.join("; "))
    }
}

/// The names of the files in one entry's workspace, sorted.
fn artifact_list(dir: &Path) -> String {
    let mut files: Vec<String> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    files.join(", ")
}
