//! [`run`]: the stand-in's main, from arguments and environment to an exit code.

use std::path::PathBuf;

use super::args::{Invocation, parse};
use super::pump::{StandInOutcome, pump};
use crate::cassette::{CassetteSettings, RecordMode, Resolved, choose_mode};
use crate::connect::{self, Endpoint};
use crate::project::ProjectFile;
use crate::stand_in::{CASSETTE_ENV, StandInError};

/// The command shown in reports as the way to record through the stand-in.
const RECORD_HINT: &str = "run the client again with PROMPT_DIARY_RECORD_MODE=once (records a \
    missing cassette; =all records it again, =new_episodes adds what it lacks)";

/// The cassette (`PROMPT_DIARY_CASSETTE`) with the settings of the project file found from the
/// working directory upwards; `hint` is the record command when the project names none.
pub(super) fn cassette_settings(hint: &str) -> Result<CassetteSettings, StandInError> {
    let cwd = std::env::current_dir().map_err(|source| StandInError::CurrentDir { source })?;
    settings_in(&|key| std::env::var(key).ok(), &cwd, hint)
}

/// [`cassette_settings`] from the environment `env`, in the folder `cwd`.
pub(super) fn settings_in(
    env: &dyn Fn(&str) -> Option<String>,
    cwd: &std::path::Path,
    hint: &str,
) -> Result<CassetteSettings, StandInError> {
    let path = env(CASSETTE_ENV)
        .filter(|p| !p.is_empty())
        .map(PathBuf::from)
        .ok_or(StandInError::NoCassette)?;
    let project = ProjectFile::find(cwd)?;
    let mut settings = CassetteSettings::for_project(path, project.as_ref());
    settings
        .record_command
        .get_or_insert_with(|| hint.to_owned());
    Ok(settings)
}

/// Says a note (an old name read) on stderr.
fn say_note(note: String) {
    eprintln!("prompt-diary stand-in: note: {note}");
}

/// What to do with `settings`' cassette; notes (old names) on stderr.
pub(super) fn resolve(settings: &CassetteSettings) -> Result<Resolved, StandInError> {
    Ok(connect::resolve_flag(settings, None, &mut say_note)?)
}

/// The record mode in effect for `settings` (the environment over the project file; CI never
/// records); notes on stderr.
pub(super) fn record_mode(settings: &CassetteSettings) -> Result<RecordMode, StandInError> {
    record_mode_in(settings, &|key| std::env::var(key).ok(), &mut say_note)
}

/// [`record_mode`] in the environment `env`, notes said to `note`.
pub(super) fn record_mode_in(
    settings: &CassetteSettings,
    env: &dyn Fn(&str) -> Option<String>,
    note: &mut dyn FnMut(String),
) -> Result<RecordMode, StandInError> {
    let (mode, _) = choose_mode(&settings.path, settings.mode, None, env, note)?;
    Ok(mode)
}

/// Runs the stand-in with `args` (without the program name) on this process's stdio and returns
/// the exit code: 0 for a clean session, 1 when the session failed (the report is on stderr), 2
/// when it could not start.
pub async fn run(args: Vec<String>) -> i32 {
    match serve(args).await {
        Ok(code) => code,
        Err(err) => {
            eprintln!("prompt-diary stand-in: {err}");
            2
        }
    }
}

async fn serve(args: Vec<String>) -> Result<i32, StandInError> {
    let (args, overrides) = match parse(&args)? {
        Invocation::Version => {
            println!(
                "codex-cli {} (prompt-diary stand-in)",
                crate::project::pinned_version_here()
            );
            return Ok(0);
        }
        Invocation::AppServer { args, overrides } => (args, overrides),
        Invocation::Exec(exec) => return super::exec::run_exec(exec).await,
    };
    let settings = cassette_settings(RECORD_HINT)?;
    // Recording runs the real Codex with the client's own arguments; the binary resolves as
    // usual (`PROMPT_DIARY_CODEX_BIN` first, since no explicit path is given).
    let endpoint = Endpoint {
        codex_bin: None,
        args,
        env: Vec::new(),
        env_clear: false,
    };
    // A recording keeps the client's `-c` values in its header, so `rerecord` can start another
    // Codex the same way.
    let resolved = match resolve(&settings)? {
        Resolved::Record(mut options) => {
            options.backend_overrides = overrides.into_iter().map(|o| o.value).collect();
            Resolved::Record(options)
        }
        other => other,
    };
    let connection = connect::open_resolved(&endpoint, &settings, resolved)?;
    // Clients such as the Python SDK close stdin and send SIGTERM at once: finish the cassette
    // either way.
    let terminated = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending().await,
        }
    };
    let outcome = pump(
        connection,
        tokio::io::stdin(),
        tokio::io::stdout(),
        terminated,
    )
    .await;
    if let StandInOutcome::ServerExited(status) = &outcome {
        eprintln!(
            "prompt-diary stand-in: the real Codex exited before the client was done ({status})"
        );
    }
    Ok(outcome.exit_code())
}
