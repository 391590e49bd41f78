//! A drop-in `codex` stand-in: any Codex client that launches `codex app-server` on stdio can
//! launch this instead, and its session is recorded to, or replayed from, a cassette.
//!
//! Configured by environment, because clients pass their environment to the child:
//! - `PROMPT_DIARY_CASSETTE`: the cassette file (required);
//! - `PROMPT_DIARY_CASSETTE_MODE`: `replay` (default), `record` or `auto`;
//! - `PROMPT_DIARY_CODEX_BIN`: the real Codex used when recording (else the usual resolution).
//!
//! Recording spawns the real Codex with the same arguments and passes traffic through unchanged,
//! through the library's [`RecordingTransport`]. Replay serves the cassette through
//! [`ReplayTransport`]: a divergence is reported on stderr and as a JSON-RPC error to the request
//! that diverged, and the shim exits non-zero.

mod args;
mod pump;

use std::path::PathBuf;

pub use args::{Invocation, parse};
pub use pump::{ShimOutcome, pump};

use crate::cassette::mode::Resolved;
use crate::cassette::{CASSETTE_MODE_ENV, CassetteMode, CassetteSettings};
use crate::integrations::codex_runner::{
    PINNED_CODEX_VERSION, resolve_codex_bin, schema_fingerprint,
};
use crate::transport::{
    ProcessCommand, ProcessTransport, RecordingTransport, ReplayTransport, Transport,
};

/// The environment variable naming the cassette.
pub const CASSETTE_ENV: &str = "PROMPT_DIARY_CASSETTE";

/// The command shown in reports as the way to re-record through the shim.
const RECORD_HINT: &str = "run the client again with PROMPT_DIARY_CASSETTE_MODE=record";

/// Runs the shim with `args` (without the program name) on this process's stdio and returns the
/// exit code.
pub async fn run(args: Vec<String>) -> i32 {
    match run_inner(args).await {
        Ok(code) => code,
        Err(message) => {
            eprintln!("prompt-diary shim: {message}");
            2
        }
    }
}

async fn run_inner(args: Vec<String>) -> Result<i32, String> {
    let args = match parse(&args)? {
        Invocation::Version => {
            println!("codex-cli {PINNED_CODEX_VERSION} (prompt-diary shim)");
            return Ok(0);
        }
        Invocation::AppServer { args } => args,
    };
    let path = std::env::var_os(CASSETTE_ENV).filter(|p| !p.is_empty()).map(PathBuf::from).ok_or_else(|| {
        format!("set {CASSETTE_ENV} to the cassette to replay or record (and {CASSETTE_MODE_ENV}=replay|record|auto)")
    })?;
    let mut settings = CassetteSettings::new(&path, CassetteMode::Replay);
    settings.record_command = Some(RECORD_HINT.to_owned());
    let transport: Box<dyn Transport> = match settings.resolve().map_err(|e| e.to_string())? {
        Resolved::Replay => {
            Box::new(ReplayTransport::open(&path, RECORD_HINT).map_err(|e| e.to_string())?)
        }
        Resolved::Record(mut options) => {
            let (bin, _) = resolve_codex_bin(None).map_err(|e| e.to_string())?;
            options.schema_fingerprint = schema_fingerprint(&bin);
            let process = ProcessTransport::spawn(&ProcessCommand::new(&bin).args(args))
                .map_err(|e| e.to_string())?;
            Box::new(RecordingTransport::new(process, options))
        }
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
        transport,
        tokio::io::stdin(),
        tokio::io::stdout(),
        terminated,
    )
    .await;
    Ok(outcome.exit_code())
}
