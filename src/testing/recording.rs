//! Recording a client script into a cassette, against any Codex backend config: the scripted
//! model (fixtures, `prompt-diary record --script`) or the user's own Codex (`record --prompt`).

use std::path::{Path, PathBuf};

use super::driver::{ClientScript, Progress, RunnerOutcome};
use crate::agent::AgentError;
use crate::cassette::{RecordOptions, WriteOutcome};
use crate::integrations::codex_runner::{CodexBackend, CodexBackendConfig};

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
pub fn workspaces_in(dir: &Path, count: usize) -> std::io::Result<Vec<PathBuf>> {
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
