//! [`run`]: the stand-in's main, from arguments and environment to an exit code.

use std::path::PathBuf;

use super::args::{Invocation, UnsupportedArgs, parse};
use super::pump::{ShimOutcome, pump};
use crate::cassette::{CASSETTE_MODE_ENV, CassetteMode, CassetteSettings, Resolved};
use crate::codex_bin::{CODEX_BIN_ENV, PINNED_CODEX_VERSION};
use crate::connect::{self, ConnectError, Endpoint};

/// The environment variable naming the cassette.
pub const CASSETTE_ENV: &str = "PROMPT_DIARY_CASSETTE";

/// The command shown in reports as the way to re-record through the stand-in.
const RECORD_HINT: &str = "run the client again with PROMPT_DIARY_CASSETTE_MODE=record";

/// Why the stand-in could not serve a client at all (before any traffic).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ShimError {
    /// The client's command line is not one the stand-in serves.
    #[error(transparent)]
    Args(#[from] UnsupportedArgs),
    /// `PROMPT_DIARY_CASSETTE` is not set.
    #[error(
        "set {CASSETTE_ENV} to the cassette to replay or record (and {CASSETTE_MODE_ENV}=replay|record|auto; {CODEX_BIN_ENV} names the real Codex used to record)"
    )]
    NoCassette,
    /// The cassette could not be replayed, or the real Codex could not be started to record.
    #[error(transparent)]
    Connect(#[from] ConnectError),
    /// An exec cassette could not be read, or recording was refused.
    #[error(transparent)]
    Cassette(#[from] crate::cassette::CassetteError),
    /// A `codex exec` run could not start: its stdin, its schema file or the real Codex.
    #[error("{0}")]
    Exec(String),
    /// The `codex` link to the stand-in could not be written (`prompt-diary install-stand-in`).
    #[error("{0}")]
    Install(String),
}

/// Runs the stand-in with `args` (without the program name) on this process's stdio and returns
/// the exit code: 0 for a clean session, 1 when the session failed (the report is on stderr), 2
/// when it could not start.
pub async fn run(args: Vec<String>) -> i32 {
    match serve(args).await {
        Ok(code) => code,
        Err(err) => {
            eprintln!("prompt-diary shim: {err}");
            2
        }
    }
}

async fn serve(args: Vec<String>) -> Result<i32, ShimError> {
    let args = match parse(&args)? {
        Invocation::Version => {
            println!("codex-cli {PINNED_CODEX_VERSION} (prompt-diary shim)");
            return Ok(0);
        }
        Invocation::AppServer { args } => args,
        Invocation::Exec(exec) => return super::exec_run::run_exec(exec).await,
    };
    let path = std::env::var_os(CASSETTE_ENV)
        .filter(|p| !p.is_empty())
        .map(PathBuf::from)
        .ok_or(ShimError::NoCassette)?;
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
    let connection = match settings.resolve().map_err(ConnectError::from)? {
        Resolved::Record(mut options) => {
            options.backend_overrides = config_values(&endpoint.args);
            connect::record(&endpoint, options)?
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
    if let ShimOutcome::ServerExited(status) = &outcome {
        eprintln!("prompt-diary shim: the real Codex exited before the client was done ({status})");
    }
    Ok(outcome.exit_code())
}

/// The values of the `-c`/`--config` options in a client's command line, in order.
fn config_values(args: &[String]) -> Vec<String> {
    let mut values = Vec::new();
    let mut iter = args.iter();
    while let Some(arg) = iter.next() {
        if arg == "-c" || arg == "--config" {
            values.extend(iter.next().cloned());
        } else if let Some(value) = arg.strip_prefix("--config=") {
            values.push(value.to_owned());
        } else if let Some(value) = arg.strip_prefix("-c").filter(|v| !v.is_empty()) {
            values.push(value.to_owned());
        }
    }
    values
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_config_values_are_taken_from_every_spelling() {
        let args: Vec<String> = ["-c", "a=1", "--config", "b=2", "--config=c=3", "-cd=4"]
            .into_iter()
            .chain(["app-server", "--listen", "stdio://"])
            .map(str::to_owned)
            .collect();
        assert_eq!(config_values(&args), ["a=1", "b=2", "c=3", "d=4"]);
    }
}
