//! Committed fixtures: scenario files with a client script, their cassettes, and how to record
//! and replay them.

use std::path::{Path, PathBuf};

use std::sync::Arc;

use super::driver::{ClientScript, Progress, RunnerOutcome};
use super::recording::record_script;
use super::{CodexHome, Scenario, ScriptedModel};
use crate::agent::AgentError;
use crate::cassette::ReplayTransport;
use crate::cassette::{RecordOptions, WriteOutcome};
use crate::integrations::codex_runner::{CodexBackend, CodexBackendConfig};

/// The command that re-records every committed cassette.
pub const RECORD_FIXTURES_COMMAND: &str = "cargo run -- record-fixtures";

/// One scenario with a client script.
#[derive(Debug, Clone)]
pub struct Fixture {
    /// The scenario name (file stem).
    pub name: String,
    /// `fixtures/scenarios/<name>.json`.
    pub scenario_path: PathBuf,
    /// `cassettes/<name>.jsonl`.
    pub cassette_path: PathBuf,
    /// What the client does.
    pub client: ClientScript,
    fixtures_dir: PathBuf,
}

/// Every fixture under `root` (the project folder) that has a client script, by name.
pub fn list(root: &Path) -> std::io::Result<Vec<Fixture>> {
    let fixtures_dir = root.join("fixtures");
    let mut fixtures = Vec::new();
    for entry in std::fs::read_dir(fixtures_dir.join("scenarios"))? {
        let path = entry?.path();
        if path.extension().and_then(|e| e.to_str()) != Some("json") {
            continue;
        }
        let Some(client) = ClientScript::from_scenario_file(&path)? else {
            continue;
        };
        let name = path
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or_default()
            .to_owned();
        fixtures.push(Fixture {
            cassette_path: root.join("cassettes").join(format!("{name}.jsonl")),
            scenario_path: path,
            name,
            client,
            fixtures_dir: fixtures_dir.clone(),
        });
    }
    fixtures.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(fixtures)
}

/// The fixture in the scenario file at `path` (which must have a `client` section). `{fixtures}`
/// in its backend overrides stands for the folder holding `scenarios/`.
pub fn from_scenario_file(path: &Path) -> std::io::Result<Fixture> {
    let client = ClientScript::from_scenario_file(path)?.ok_or_else(|| {
        std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!(
                "{} has no `client` section, so there is nothing to drive: add one (see \
                 fixtures/scenarios/single_turn.json)",
                path.display()
            ),
        )
    })?;
    let parent = path.parent().unwrap_or(Path::new("."));
    let fixtures_dir = match parent.file_name().and_then(|n| n.to_str()) {
        Some("scenarios") => parent.parent().unwrap_or(parent).to_path_buf(),
        _ => parent.to_path_buf(),
    };
    let name = path
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or("scenario")
        .to_owned();
    Ok(Fixture {
        cassette_path: fixtures_dir
            .parent()
            .unwrap_or(Path::new("."))
            .join("cassettes")
            .join(format!("{name}.jsonl")),
        scenario_path: path.to_path_buf(),
        name,
        client,
        fixtures_dir,
    })
}

/// The fixture called `name` under `root`.
pub fn find(root: &Path, name: &str) -> std::io::Result<Fixture> {
    list(root)?
        .into_iter()
        .find(|f| f.name == name)
        .ok_or_else(|| {
            std::io::Error::new(
                std::io::ErrorKind::NotFound,
                format!("no fixture {name:?} with a client script in fixtures/scenarios"),
            )
        })
}

/// Fresh temp workspaces, one per runner of the fixture.
pub fn workspaces(count: usize) -> std::io::Result<Vec<tempfile::TempDir>> {
    (0..count)
        .map(|_| {
            tempfile::Builder::new()
                .prefix("prompt-diary-ws-")
                .tempdir()
        })
        .collect()
}

impl Fixture {
    fn backend_config(&self) -> CodexBackendConfig {
        CodexBackendConfig {
            mcp_config_overrides: self.client.overrides(&self.fixtures_dir),
            ..CodexBackendConfig::default()
        }
    }

    /// Records the fixture from the real binary driven by the scripted model into `out`
    /// (overwriting a differing file when `overwrite`, else writing `.new`), in fresh temp
    /// workspaces. Returns what was written and what the client saw.
    pub async fn record(
        &self,
        codex_bin: &Path,
        out: &Path,
        overwrite: bool,
    ) -> Result<(WriteOutcome, Vec<RunnerOutcome>), AgentError> {
        let dirs = workspaces(self.client.runners.len()).map_err(|err| {
            AgentError::BackendUnavailable {
                message: err.to_string(),
            }
        })?;
        let paths: Vec<PathBuf> = dirs.iter().map(|d| d.path().to_path_buf()).collect();
        self.record_in(codex_bin, out, overwrite, &paths, Arc::new(|_: &str| {}))
            .await
    }

    /// [`record`](Self::record) in the given workspaces (one per runner), reporting each turn to
    /// `progress`.
    ///
    /// # Errors
    /// The recording's error, else a
    /// [`ScenarioMismatch`](super::scripted_model::ScenarioMismatch) (as
    /// [`AgentError::Backend`]) when the client left scripted replies unserved or made model
    /// calls the scenario does not script.
    pub async fn record_in(
        &self,
        codex_bin: &Path,
        out: &Path,
        overwrite: bool,
        workspaces: &[PathBuf],
        progress: Progress,
    ) -> Result<(WriteOutcome, Vec<RunnerOutcome>), AgentError> {
        let io = |err: std::io::Error| AgentError::BackendUnavailable {
            message: err.to_string(),
        };
        let scenario = Scenario::from_file(&self.scenario_path).map_err(|e| {
            AgentError::BackendUnavailable {
                message: e.to_string(),
            }
        })?;
        let model = ScriptedModel::start(scenario).await.map_err(io)?;
        let home = CodexHome::for_model(&model).map_err(io)?;
        let config = self
            .backend_config()
            .with_codex_bin(codex_bin)
            .with_codex_home(home.path());
        let mut options = RecordOptions::new(out);
        options.scenario = self.name.clone();
        options.record_command = RECORD_FIXTURES_COMMAND.to_owned();
        options.overwrite = overwrite;
        let recorded = record_script(config, options, &self.client, workspaces, progress).await;
        // A fixture whose client leaves replies unserved (or asks for unscripted ones) is wrong:
        // an error here, after the recording's own error if it has one.
        let followed = model.finish().await;
        let recorded = recorded?;
        followed.map_err(|mismatch| AgentError::Backend(std::sync::Arc::new(mismatch)))?;
        Ok(recorded)
    }

    /// Replays the fixture's cassette (or `cassette` if given) offline and returns what the
    /// client saw. Unused recorded interactions are an error.
    pub async fn replay(&self, cassette: Option<&Path>) -> Result<Vec<RunnerOutcome>, AgentError> {
        let path = cassette.unwrap_or(&self.cassette_path);
        let transport = ReplayTransport::open(path, RECORD_FIXTURES_COMMAND)
            .map_err(|e| AgentError::Backend(std::sync::Arc::new(e)))?;
        let backend = CodexBackend::start_with_transport(self.backend_config(), transport).await?;
        let dirs =
            workspaces(self.client.runners.len()).map_err(|e| AgentError::BackendUnavailable {
                message: e.to_string(),
            })?;
        let paths: Vec<PathBuf> = dirs.iter().map(|d| d.path().to_path_buf()).collect();
        let outcomes = self.client.run(&backend, &paths).await?;
        backend.shutdown().await?;
        Ok(outcomes)
    }
}
