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
use crate::cassette::{
    CASSETTE_MODE_ENV, CassetteMode, CassetteSettings, RecordOptions, Resolved,
    recording_knows_thread, refuse_recording_in_ci,
};
use crate::stand_in::{CASSETTE_ENV, StandInError};

/// How much stdin a run takes at most.
const MAX_STDIN: u64 = 64 * 1024 * 1024;

/// The command shown in reports as the way to re-record an exec cassette.
pub(super) const EXEC_RECORD_HINT: &str = "run the script or SDK client again with \
    PROMPT_DIARY_CASSETTE_MODE=record (its first `codex exec` run starts the recording)";

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

/// Runs `exec` and returns the exit code.
pub(super) async fn run_exec(exec: ExecArgs) -> Result<i32, StandInError> {
    let path = std::env::var_os(CASSETTE_ENV)
        .filter(|p| !p.is_empty())
        .map(PathBuf::from)
        .ok_or(StandInError::NoCassette)?;
    let input = read_input(&exec).await.map_err(StandInError::Exec)?;
    let mut settings = CassetteSettings::new(&path, CassetteMode::Replay);
    settings.record_command = Some(EXEC_RECORD_HINT.to_owned());
    let env = |key: &str| std::env::var(key).ok();
    let mut resolved = settings.resolve()?;
    // In `auto`, a `resume` of a thread the recording in progress printed extends it.
    let auto = env(CASSETTE_MODE_ENV).is_some_and(|m| m.trim() == "auto");
    if auto && resolved == Resolved::Replay {
        if let Some(id) = &exec.resume {
            if recording_knows_thread(&path, id) {
                refuse_recording_in_ci(&path, env)?;
                let mut options = RecordOptions::new(&path);
                options.record_command = EXEC_RECORD_HINT.to_owned();
                resolved = Resolved::Record(options);
            }
        }
    }
    match resolved {
        Resolved::Record(options) => {
            let options = options.with_rules_of(&settings);
            self::record::record(&exec, &input, &options).await
        }
        Resolved::Replay => Ok(self::replay::replay(&exec, &input, &settings).await),
    }
}

async fn read_input(exec: &ExecArgs) -> Result<ExecInput, String> {
    let stdin_is_terminal = std::io::stdin().is_terminal();
    let mut stdin = Vec::new();
    if !stdin_is_terminal {
        tokio::io::stdin()
            .take(MAX_STDIN)
            .read_to_end(&mut stdin)
            .await
            .map_err(|err| format!("could not read stdin: {err}"))?;
    }
    let cwd = std::env::current_dir()
        .map_err(|err| format!("could not read the current directory: {err}"))?;
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

fn read_schema(file: &Path) -> Result<Value, String> {
    let text = std::fs::read_to_string(file).map_err(|err| {
        format!(
            "could not read the --output-schema file {}: {err}",
            file.display()
        )
    })?;
    Ok(serde_json::from_str(&text).unwrap_or(Value::String(text)))
}
