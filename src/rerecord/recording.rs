//! Recording a client script into a cassette, against any Codex backend config: the scripted
//! model (fixtures, `prompt-diary record --script`) or the user's own Codex (`record --prompt`).

use std::path::{Path, PathBuf};

use crate::agent::AgentError;
use crate::cassette::{CassetteSettings, RecordOptions, WriteOutcome, refuse_recording_in_ci};
use crate::codex::{CodexBackend, CodexBackendConfig};
use crate::replay::driver::{ClientScript, Progress, RunnerOutcome, RunnerScript, TurnScript};

/// Starts `codex app-server` with `config`, runs `script` on it (one workspace per runner),
/// shuts it down and writes the cassette with `options`. Returns what was written and what the
/// client saw.
pub async fn record_script(
    config: CodexBackendConfig,
    options: RecordOptions,
    script: &ClientScript,
    workspaces: &[PathBuf],
    progress: Progress,
) -> Result<(WriteOutcome, Vec<RunnerOutcome>), AgentError> {
    let backend = CodexBackend::start_recording(config, options).await?;
    // A script that cannot run drops the backend, which stops the process without writing half
    // a session over a good cassette.
    let outcomes = script
        .run_with_progress(&backend, workspaces, progress)
        .await?;
    backend.shutdown().await?;
    let outcome = backend
        .recording_outcome()
        .ok_or_else(|| AgentError::Protocol {
            message: "the backend shut down but the recording was not written".to_owned(),
        })?;
    Ok((outcome, outcomes))
}

/// The working directories for `count` runners under `dir`: `dir` itself for one runner,
/// `dir/runner-1`, `dir/runner-2`, ... for several. They are created if missing.
pub(crate) fn workspaces_in(dir: &Path, count: usize) -> std::io::Result<Vec<PathBuf>> {
    let dirs: Vec<PathBuf> = if count == 1 {
        vec![dir.to_path_buf()]
    } else {
        (1..=count)
            .map(|n| dir.join(format!("runner-{n}")))
            .collect()
    };
    for dir in &dirs {
        std::fs::create_dir_all(dir)?;
    }
    Ok(dirs)
}

/// One prompt recorded against a Codex backend config (`prompt-diary record --prompt`: the
/// user's own Codex, live).
#[derive(Debug, Clone)]
#[non_exhaustive]
pub(crate) struct PromptRecording {
    /// The prompt of the one turn.
    pub prompt: String,
    /// The turn's timeout, in seconds.
    pub timeout_secs: u64,
    /// The model; the Codex default when unset.
    pub model: Option<String>,
    /// `untrusted`, `on-request` or `never`; the Codex default when unset.
    pub approval_mode: Option<String>,
    /// `read-only`, `workspace-write` or `danger-full-access`; the Codex default when unset.
    pub sandbox: Option<String>,
}

impl PromptRecording {
    /// `prompt` with a ten-minute timeout and the Codex defaults.
    pub(crate) fn new(prompt: impl Into<String>) -> Self {
        Self {
            prompt: prompt.into(),
            timeout_secs: 600,
            model: None,
            approval_mode: None,
            sandbox: None,
        }
    }

    /// The client script: one runner, one turn.
    pub(crate) fn script(&self) -> ClientScript {
        ClientScript {
            runners: vec![RunnerScript {
                turns: vec![TurnScript {
                    prompt: self.prompt.clone(),
                    timeout_secs: self.timeout_secs,
                    output_schema: None,
                }],
                model: self.model.clone(),
                approval_mode: self.approval_mode.clone(),
                sandbox: self.sandbox.clone(),
                ..RunnerScript::default()
            }],
            ..ClientScript::default()
        }
    }
}

/// Records `recording` with `config` into `cassette` (its path; a differing cassette waits as
/// `.new` unless `overwrite`; its rules applied and listed in the header), the agent working in `workspace`. Refused when `CI` is set: CI never records.
pub(crate) async fn record_prompt(
    config: CodexBackendConfig,
    recording: &PromptRecording,
    cassette: &CassetteSettings,
    workspace: &Path,
    progress: Progress,
) -> Result<(WriteOutcome, Vec<RunnerOutcome>), AgentError> {
    let out = &cassette.path;
    refuse_recording_in_ci(out, |key| std::env::var(key).ok())
        .map_err(|err| AgentError::Backend(std::sync::Arc::new(err)))?;
    let workspaces = workspaces_in(workspace, 1).map_err(|err| AgentError::BackendUnavailable {
        message: format!(
            "could not create the workspace {}: {err}",
            workspace.display()
        ),
    })?;
    let mut options = cassette.record_options();
    options.record_command = format!(
        "prompt-diary record --prompt {:?} --workspace {} --out {}",
        recording.prompt,
        workspace.display(),
        out.display()
    );
    record_script(config, options, &recording.script(), &workspaces, progress).await
}
