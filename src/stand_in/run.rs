//! [`run`]: the stand-in's main, from arguments and environment to an exit code.

use std::path::PathBuf;

use super::args::{Invocation, parse};
use super::pump::{StandInOutcome, pump};
use crate::cassette::{CassetteMode, CassetteSettings, Resolved};
use crate::codex_bin::PINNED_CODEX_VERSION;
use crate::connect::{self, Endpoint};
use crate::stand_in::{CASSETTE_ENV, StandInError};

/// The command shown in reports as the way to re-record through the stand-in.
const RECORD_HINT: &str = "run the client again with PROMPT_DIARY_CASSETTE_MODE=record";

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
            println!("codex-cli {PINNED_CODEX_VERSION} (prompt-diary stand-in)");
            return Ok(0);
        }
        Invocation::AppServer { args, overrides } => (args, overrides),
        Invocation::Exec(exec) => return super::exec::run_exec(exec).await,
    };
    let path = std::env::var_os(CASSETTE_ENV)
        .filter(|p| !p.is_empty())
        .map(PathBuf::from)
        .ok_or(StandInError::NoCassette)?;
    let mut settings = CassetteSettings::new(&path, CassetteMode::Replay);
    settings.record_command = Some(RECORD_HINT.to_owned());
    // Recording runs the real Codex with the client's own arguments; the binary resolves as
    // usual (`PROMPT_DIARY_CODEX_BIN` first, since no explicit path is given).
    let endpoint = Endpoint {
        codex_bin: None,
        args,
        env: Vec::new(),
    };
    // A recording keeps the client's `-c` values in its header, so `rerecord` can start another
    // Codex the same way.
    let connection = match settings
        .resolve()
        .map_err(crate::connect::ConnectError::from)?
    {
        Resolved::Record(mut options) => {
            options.backend_overrides = overrides.into_iter().map(|o| o.value).collect();
            connect::record(&endpoint, options.with_rules_of(&settings))?
        }
        Resolved::Replay => connect::open(&endpoint, Some(&settings))?,
    };
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
