//! A `codex exec` run through the stand-in: what both modes share (stdin, the schema file, the
//! working directory, the choice of mode), then [`record`](record) or
//! [`replay`](replay).

pub(super) mod args;
mod record;
mod replay;

use std::io::IsTerminal as _;
use std::path::{Path, PathBuf};

use serde_json::Value;
use tokio::io::AsyncReadExt as _;

use self::args::ExecArgs;
use crate::cassette::{RecordMode, recording_knows_thread};
use crate::stand_in::StandInError;

/// How much stdin a run takes at most.
const MAX_STDIN: u64 = 64 * 1024 * 1024;

/// The command shown in reports as the way to record an exec cassette.
pub(super) const EXEC_RECORD_HINT: &str = "run the script or SDK client again with \
    PROMPT_DIARY_RECORD_MODE=once (records a missing cassette; =all records it again from its \
    first `codex exec` run, =new_episodes adds the runs it lacks)";

/// What a run was given.
pub(super) struct ExecInput {
    /// What the caller wrote on stdin (empty when stdin is a terminal).
    pub stdin: Vec<u8>,
    /// Whether stdin is a terminal (then the real Codex gets it as it is).
    pub stdin_is_terminal: bool,
    /// The `--output-schema` file's contents, read before the caller can delete it.
    pub output_schema: Option<Value>,
    /// The run's working directory (absolute).
    pub workspace: PathBuf,
}

/// Runs `exec` and returns the exit code. The record mode decides: `none` replays; `once`
/// records a missing cassette and replays an existing one; `new_episodes` replays a run the
/// cassette holds and records (then appends) a first run it does not; `all` records again. In
/// every mode that records, a `resume` of a thread the recording in progress printed extends
/// that recording.
pub(super) async fn run_exec(exec: ExecArgs) -> Result<i32, StandInError> {
    let settings = super::run::cassette_settings(EXEC_RECORD_HINT)?;
    let input = read_input(&exec).await?;
    let mode = super::run::record_mode(&settings)?;
    let path = &settings.path;
    let exists = path.exists();
    let extends = exec
        .resume
        .as_ref()
        .is_some_and(|id| recording_knows_thread(path, id));
    let options = settings.record_options();
    let command = settings.record_command();
    match mode {
        RecordMode::None => replay::replay(&exec, &input, &settings, &command, None).await,
        RecordMode::Once if exists && !extends => {
            replay::replay(&exec, &input, &settings, &command, None).await
        }
        RecordMode::NewEpisodes if exists && !extends => {
            replay::replay(&exec, &input, &settings, &command, Some(&options)).await
        }
        RecordMode::Once | RecordMode::NewEpisodes | RecordMode::All => {
            record::record(&exec, &input, &options, false).await
        }
    }
}

async fn read_input(exec: &ExecArgs) -> Result<ExecInput, StandInError> {
    let stdin_is_terminal = std::io::stdin().is_terminal();
    let mut stdin = Vec::new();
    if !stdin_is_terminal {
        tokio::io::stdin()
            .take(MAX_STDIN)
            .read_to_end(&mut stdin)
            .await
            .map_err(|source| StandInError::Stdin { source })?;
    }
    let cwd = std::env::current_dir().map_err(|source| StandInError::CurrentDir { source })?;
    let workspace = exec
        .cd
        .as_ref()
        .map_or_else(|| cwd.clone(), |cd| cwd.join(cd));
    let output_schema = match &exec.output_schema {
        Some(file) => Some(read_schema(&cwd.join(file))?),
        None => None,
    };
    Ok(ExecInput {
        stdin,
        stdin_is_terminal,
        output_schema,
        workspace,
    })
}

fn read_schema(file: &Path) -> Result<Value, StandInError> {
    let text = std::fs::read_to_string(file).map_err(|source| StandInError::Schema {
        path: file.to_owned(),
        source,
    })?;
    Ok(serde_json::from_str(&text).unwrap_or(Value::String(text)))
}
