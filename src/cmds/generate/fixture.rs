//! The workflow fixture (feature `test-util`): the diary workflow recorded from the real pinned
//! Codex driven by the scripted model (`fixtures/scenarios/diary_workflow.json`) into
//! `cassettes/diary_workflow.jsonl`, and replayed from it offline. The rendered pages are
//! committed under `fixtures/expected/diary_workflow/`.
//!
//! [`record_workflow`] is used by the conformance test and by `cargo run -- record-fixtures`
//! (which also drift-checks the cassette); [`replay_workflow`] by the offline replay test.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use super::build_generation_workflow;
use super::wire_generation_workflow;
use crate::agent::{AgentError, TurnOptions};
use crate::cassette::{CassetteMode, CassetteSettings, RecordOptions, WriteOutcome};
use crate::generate::{
    EntryReport, EntryRequest, GenerateError, GenerationWorkflow, PhaseSettings,
};
use crate::integrations::codex_runner::{
    CodexAgentSessionFactory, CodexBackend, CodexBackendConfig,
};
use crate::testing::fixtures::RECORD_FIXTURES_COMMAND;
use crate::testing::scripted_model::ScenarioMismatch;
use crate::testing::{CodexHome, Scenario, ScriptedModel};

/// The fixture's name: scenario, cassette and expected-output folder.
pub const WORKFLOW_FIXTURE: &str = "diary_workflow";

/// The entries the fixture generates: (slug, topic). Dated [`WORKFLOW_DATE`].
pub const WORKFLOW_ENTRIES: &[(&str, &str)] = &[
    ("morning-walk", "a walk along the river at dawn"),
    ("rainy-evening", "an evening of rain and a good book"),
];

/// The date of every fixture entry.
pub const WORKFLOW_DATE: &str = "2026-11-24";

/// `fixtures/scenarios/diary_workflow.json` under `root`.
pub fn scenario_path(root: &Path) -> PathBuf {
    root.join("fixtures/scenarios")
        .join(format!("{WORKFLOW_FIXTURE}.json"))
}

/// `cassettes/diary_workflow.jsonl` under `root`.
pub fn cassette_path(root: &Path) -> PathBuf {
    root.join("cassettes")
        .join(format!("{WORKFLOW_FIXTURE}.jsonl"))
}

/// `fixtures/expected/diary_workflow/` under `root`: one `<slug>.html` per entry.
pub fn expected_dir(root: &Path) -> PathBuf {
    root.join("fixtures/expected").join(WORKFLOW_FIXTURE)
}

/// The phase settings of the fixture: three attempts, one minute per turn.
pub fn workflow_settings() -> PhaseSettings {
    PhaseSettings {
        max_attempts: 3,
        turn_options: TurnOptions::with_timeout(Duration::from_secs(60)),
    }
}

/// Recording or replaying the workflow fixture failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum WorkflowFixtureError {
    /// The scripted model, Codex home or workspaces could not be set up.
    #[error("setting up the workflow fixture failed: {0}")]
    Setup(String),
    /// The backend failed (start, shutdown, a replay divergence, unused recorded interactions).
    #[error("the agent backend failed: {0}")]
    Agent(#[from] AgentError),
    /// An entry could not be generated.
    #[error("generating an entry failed: {0}")]
    Generate(#[from] GenerateError),
    /// The workflow did not follow the scenario: the scripted model had replies nobody asked
    /// for (fewer turns than scripted) or requests it could not answer (more or other turns).
    #[error("the workflow and fixtures/scenarios/{WORKFLOW_FIXTURE}.json disagree: {0}")]
    ScenarioMismatch(#[from] ScenarioMismatch),
}

/// What one run of the fixture produced: each entry's rendered page, by slug.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkflowRun {
    /// slug → `entry.html`.
    pub rendered: BTreeMap<String, String>,
}

impl WorkflowRun {
    /// The committed expected pages under `root`, as a run.
    pub fn expected(root: &Path) -> std::io::Result<WorkflowRun> {
        let mut rendered = BTreeMap::new();
        for (slug, _) in WORKFLOW_ENTRIES {
            let path = expected_dir(root).join(format!("{slug}.html"));
            rendered.insert((*slug).to_owned(), std::fs::read_to_string(path)?);
        }
        Ok(WorkflowRun { rendered })
    }

    /// Writes the pages as the expected output under `root`. A page that differs from the
    /// committed one goes beside it as `<slug>.html.new` for review, unless `overwrite`. Returns
    /// the pending `.new` files.
    pub fn write_expected(&self, root: &Path, overwrite: bool) -> std::io::Result<Vec<PathBuf>> {
        let dir = expected_dir(root);
        std::fs::create_dir_all(&dir)?;
        let mut pending = Vec::new();
        for (slug, html) in &self.rendered {
            let path = dir.join(format!("{slug}.html"));
            let new = dir.join(format!("{slug}.html.new"));
            match std::fs::read_to_string(&path) {
                Ok(old) if old != *html && !overwrite => {
                    std::fs::write(&new, html)?;
                    pending.push(new);
                }
                _ => {
                    std::fs::write(&path, html)?;
                    if new.exists() {
                        std::fs::remove_file(&new)?;
                    }
                }
            }
        }
        Ok(pending)
    }

    /// How this run's pages differ from the committed ones under `root`, as unified diffs, or
    /// `None` when they are equal.
    pub fn diff_from_expected(&self, root: &Path) -> Option<String> {
        let mut report = String::new();
        for (slug, html) in &self.rendered {
            let path = expected_dir(root).join(format!("{slug}.html"));
            let committed = std::fs::read_to_string(&path).unwrap_or_default();
            if committed != *html {
                let diff = similar::TextDiff::from_lines(&committed, html);
                report.push_str(
                    &diff
                        .unified_diff()
                        .context_radius(1)
                        .header(&path.display().to_string(), "fresh recording")
                        .to_string(),
                );
            }
        }
        (!report.is_empty()).then_some(report)
    }
}

/// The fixture's scenario, embedded so the demo runs from any folder. `record-fixtures` reads
/// the file instead, so an edited scenario is recorded without a rebuild.
pub const EMBEDDED_SCENARIO: &str = include_str!("../../../fixtures/scenarios/diary_workflow.json");

impl WorkflowRun {
    /// The rendered pages of `reports`, by slug.
    pub fn of(reports: &[EntryReport]) -> WorkflowRun {
        WorkflowRun {
            rendered: reports
                .iter()
                .map(|r| (r.slug.clone(), r.rendered.html.clone()))
                .collect(),
        }
    }
}

/// Generates every fixture entry with `workflow`, each in a fresh folder `<workspaces>/<slug>`
/// (emptied first), and returns the entries' reports in fixture order.
async fn run_entries(
    workflow: &GenerationWorkflow,
    workspaces: &Path,
) -> Result<Vec<EntryReport>, WorkflowFixtureError> {
    let setup = |e: std::io::Error| WorkflowFixtureError::Setup(e.to_string());
    let mut entries = Vec::new();
    for (slug, topic) in WORKFLOW_ENTRIES {
        let dir = workspaces.join(slug);
        if dir.exists() {
            std::fs::remove_dir_all(&dir).map_err(setup)?;
        }
        std::fs::create_dir_all(&dir).map_err(setup)?;
        entries.push(EntryRequest::new(*slug, *topic, WORKFLOW_DATE, dir));
    }
    workflow
        .run_entries(entries)
        .await
        .into_iter()
        .map(|result| result.map_err(WorkflowFixtureError::from))
        .collect()
}

fn temp_workspaces() -> Result<tempfile::TempDir, WorkflowFixtureError> {
    tempfile::Builder::new()
        .prefix("prompt-diary-ws-")
        .tempdir()
        .map_err(|e| WorkflowFixtureError::Setup(e.to_string()))
}

/// Records the workflow fixture from the real binary `codex_bin` driven by the scripted model
/// into `out` (a differing file is replaced when `overwrite`, else written as `.new`). Unlike a
/// cassette in a backend config, this records even where `CI` is set (the drift check records
/// into a temp folder).
///
/// # Errors
/// See [`WorkflowFixtureError`].
pub async fn record_workflow(
    root: &Path,
    codex_bin: &Path,
    out: &Path,
    overwrite: bool,
) -> Result<(WriteOutcome, WorkflowRun), WorkflowFixtureError> {
    let scenario = Scenario::from_file(&scenario_path(root))
        .map_err(|e| WorkflowFixtureError::Setup(e.to_string()))?;
    let workspaces = temp_workspaces()?;
    let (outcome, reports) =
        record_workflow_in(scenario, codex_bin, out, overwrite, workspaces.path()).await?;
    Ok((outcome, WorkflowRun::of(&reports)))
}

/// Records the workflow as [`record_workflow`] does, from `scenario` (for example
/// [`EMBEDDED_SCENARIO`]), with the entries' workspaces under `workspaces` (one folder per
/// slug, left in place so the artifacts can be read afterwards).
///
/// # Errors
/// See [`WorkflowFixtureError`].
pub async fn record_workflow_in(
    scenario: Scenario,
    codex_bin: &Path,
    out: &Path,
    overwrite: bool,
    workspaces: &Path,
) -> Result<(WriteOutcome, Vec<EntryReport>), WorkflowFixtureError> {
    let setup = |e: &dyn std::fmt::Display| WorkflowFixtureError::Setup(e.to_string());
    let model = ScriptedModel::start(scenario)
        .await
        .map_err(|e| setup(&e))?;
    let home = CodexHome::for_model(&model).map_err(|e| setup(&e))?;
    let config = CodexBackendConfig::default()
        .with_codex_bin(codex_bin)
        .with_codex_home(home.path());
    let mut options = RecordOptions::new(out);
    options.scenario = WORKFLOW_FIXTURE.to_owned();
    options.record_command = RECORD_FIXTURES_COMMAND.to_owned();
    options.overwrite = overwrite;
    let backend = CodexBackend::start_recording(config, options).await?;
    let factory = CodexAgentSessionFactory::with_backend(backend.clone());
    let workflow = wire_generation_workflow(std::sync::Arc::new(factory), workflow_settings());
    let reports = run_entries(&workflow, workspaces).await;
    let stopped = workflow.shutdown().await;
    let followed = model.finish().await;
    let reports = reports?;
    stopped?;
    followed?;
    let outcome = backend
        .recording_outcome()
        .ok_or_else(|| WorkflowFixtureError::Setup("the recording was not written".to_owned()))?;
    Ok((outcome, reports))
}

/// Replays the workflow fixture offline from `cassette` (the committed one when `None`) through
/// the composition root, with no Codex binary, network or key.
///
/// # Errors
/// See [`WorkflowFixtureError`]; a divergence from the cassette, or recorded interactions left
/// unused, is [`WorkflowFixtureError::Agent`].
pub async fn replay_workflow(
    root: &Path,
    cassette: Option<&Path>,
) -> Result<WorkflowRun, WorkflowFixtureError> {
    let path = cassette.map_or_else(|| cassette_path(root), Path::to_path_buf);
    let workspaces = temp_workspaces()?;
    let reports = replay_workflow_in(&path, workspaces.path()).await?;
    Ok(WorkflowRun::of(&reports))
}

/// Replays the workflow from `cassette` as [`replay_workflow`] does, with the entries'
/// workspaces under `workspaces` (one folder per slug, left in place).
///
/// # Errors
/// See [`replay_workflow`].
pub async fn replay_workflow_in(
    cassette: &Path,
    workspaces: &Path,
) -> Result<Vec<EntryReport>, WorkflowFixtureError> {
    let mut settings = CassetteSettings::new(cassette, CassetteMode::Replay);
    settings.record_command = Some(RECORD_FIXTURES_COMMAND.to_owned());
    let backend = CodexBackendConfig::default().with_cassette_settings(settings);
    let workflow = build_generation_workflow(backend, workflow_settings()).await?;
    let reports = run_entries(&workflow, workspaces).await;
    let stopped = workflow.shutdown().await;
    let reports = reports?;
    stopped?;
    Ok(reports)
}
