//! [`replay_cassette`]: a cassette played through [`CodexBackend`] on a [`ReplayTransport`] and
//! [`CodexAgentRunner`](crate::codex::CodexAgentRunner), its client script read from the
//! cassette itself.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::driver::{ClientScript, Progress, RunnerOutcome, TurnOutcome};
use super::script::{INTERRUPTED_TURN_TIMEOUT_SECS, REPLAY_TURN_TIMEOUT_SECS, client_script_in};
use crate::agent::AgentError;
use crate::cassette::ReplayTransport;
use crate::cassette::{Cassette, CassetteError, Divergence};
use crate::codex::{CodexBackend, CodexBackendConfig};

/// A cassette that cannot be replayed, or a replay that did not match.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CassetteReplayError {
    /// The cassette could not be read.
    #[error(transparent)]
    Cassette(#[from] CassetteError),
    /// The recorded client did something the Codex adapter never does, so the adapter cannot
    /// play that client.
    #[error(
        "{path}:{line}: conversation {conv}: {what}. This cassette was not recorded through the \
         prompt-diary Codex adapter (perhaps through the prompt-diary-codex stand-in by another \
         client); replay it with the client that recorded it"
    )]
    NotAdapterTraffic {
        /// The cassette.
        path: PathBuf,
        /// The 1-based line.
        line: usize,
        /// The conversation label.
        conv: String,
        /// What the adapter would not have sent.
        what: String,
    },
    /// The replay did not match the cassette: the divergence report(s).
    #[error("{report}")]
    Diverged {
        /// Every distinct report, one paragraph each.
        report: String,
        /// The first divergence, typed, when the replay stopped on one.
        divergence: Option<Box<Divergence>>,
    },
    /// The backend could not start on the cassette.
    #[error(transparent)]
    Agent(#[from] AgentError),
    /// A file the client script seeds into a runner's workspace could not be written (it
    /// reaches the caller inside [`AgentError::Backend`]).
    #[error(
        "could not write {}, a file the client script seeds into a runner's workspace: {source}; \
         check that the workspace folder is writable and has room, and that the script's \
         `files` names a relative path",
        path.display()
    )]
    SeedFile {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
}

/// What replaying a cassette gave.
#[derive(Debug, Clone)]
pub struct ReplayedSession {
    /// The client actions read from the cassette.
    pub script: ClientScript,
    /// What each runner (conversation) saw, in cassette order.
    pub outcomes: Vec<RunnerOutcome>,
}

/// How [`replay_cassette`] runs.
#[derive(Clone)]
pub struct ReplayOptions {
    /// The budget of each turn the recording did not interrupt
    /// (30 s by default).
    pub turn_timeout_secs: u64,
    /// Told one line before and after every turn.
    pub progress: Progress,
    /// The command reports name as the one that records the cassette again (the project file's
    /// `record_command`); the cassette header's when `None`.
    pub record_command: Option<String>,
}

impl Default for ReplayOptions {
    fn default() -> Self {
        Self {
            turn_timeout_secs: REPLAY_TURN_TIMEOUT_SECS,
            progress: Arc::new(|_: &str| {}),
            record_command: None,
        }
    }
}

/// Replays the cassette at `path` offline (no binary, no network) through the Codex adapter, in
/// fresh temp workspaces.
///
/// Fails with [`CassetteReplayError::Diverged`] and the report when a client message does not
/// match, when recorded interactions are left unused, or when a turn ends otherwise than it did
/// in the recording.
pub async fn replay_cassette(
    path: &Path,
    options: ReplayOptions,
) -> Result<ReplayedSession, CassetteReplayError> {
    // Line by line: the script is read one parsed line at a time, then the replay transport
    // keeps the text itself and parses each server message when it is due.
    let text = crate::cassette::read(path, "prompt-diary record")?;
    let (recorded_command, mut script) = client_script_in(path, &text)?;
    let interrupted: Vec<Vec<bool>> = script
        .runners
        .iter()
        .map(|r| {
            r.turns
                .iter()
                .map(|t| t.timeout_secs == INTERRUPTED_TURN_TIMEOUT_SECS)
                .collect()
        })
        .collect();
    for (runner, flags) in script.runners.iter_mut().zip(&interrupted) {
        for (turn, interrupted) in runner.turns.iter_mut().zip(flags) {
            if !interrupted {
                turn.timeout_secs = options.turn_timeout_secs;
            }
        }
    }
    let record_command = options.record_command.clone().unwrap_or(recorded_command);
    let transport = ReplayTransport::from_text(path, text, &record_command)?;
    let backend = CodexBackend::start_with_transport(CodexBackendConfig::default(), transport)
        .await
        .map_err(diverged_or)?;
    let dirs = super::driver::workspaces(script.runners.len()).map_err(|err| {
        AgentError::BackendUnavailable {
            message: format!("could not create a temp workspace: {err}"),
        }
    })?;
    let paths: Vec<PathBuf> = dirs.iter().map(|d| d.path().to_path_buf()).collect();
    let outcomes = script
        .run_with_progress(&backend, &paths, options.progress)
        .await?;
    let mut reports: Vec<String> = Vec::new();
    for (index, (flags, outcome)) in interrupted.iter().zip(&outcomes).enumerate() {
        for (number, (interrupted, got)) in flags.iter().zip(&outcome.turns).enumerate() {
            let TurnOutcome::Err { kind, message } = got else {
                continue;
            };
            if kind == "turn_failed" || (kind == "timeout" && *interrupted) {
                continue;
            }
            let report = if kind == "other" {
                message.clone()
            } else {
                format!(
                    "conversation {}, turn {number}: the replay ended with `{kind}` ({message}), \
                     which the recording did not. The cassette {} looks damaged or hand-edited; \
                     re-record it with: {record_command}",
                    index + 1,
                    path.display()
                )
            };
            if !reports.contains(&report) {
                reports.push(report);
            }
        }
    }
    let closed = backend.shutdown().await;
    // A divergence fails the whole session, so shutting down hands it back typed.
    let divergence = closed
        .as_ref()
        .err()
        .and_then(AgentError::backend_error::<Divergence>)
        .cloned()
        .map(Box::new);
    if reports.is_empty() {
        if let Err(err) = closed {
            reports.push(err.to_string());
        }
    }
    if !reports.is_empty() {
        if let (Some(divergence), Some(dir)) = (&divergence, divergence_page_dir()) {
            leave_divergence_page(path, divergence, &dir);
        }
        return Err(CassetteReplayError::Diverged {
            report: reports.join("\n\n"),
            divergence,
        });
    }
    Ok(ReplayedSession { script, outcomes })
}

/// The environment variable naming a folder where a replay that diverges leaves its viewer page
/// (`<cassette>.divergence.html`), so a CI failure leaves a page a reviewer opens.
pub(crate) const DIVERGENCE_HTML_ENV: &str = "PROMPT_DIARY_DIVERGENCE_HTML";

fn divergence_page_dir() -> Option<PathBuf> {
    std::env::var_os(DIVERGENCE_HTML_ENV)
        .filter(|dir| !dir.is_empty())
        .map(PathBuf::from)
}

/// Writes the divergence page of `cassette` into `dir`; a failure to write is only logged (the
/// divergence itself is the error that matters).
fn leave_divergence_page(path: &Path, divergence: &Divergence, dir: &Path) {
    let Ok(cassette) = Cassette::load(path, "") else {
        return;
    };
    let name = path.file_stem().map_or_else(
        || "cassette".to_owned(),
        |s| s.to_string_lossy().into_owned(),
    );
    let page = dir.join(format!("{name}.divergence.html"));
    let html = crate::view::render_divergence(&cassette, divergence);
    match std::fs::create_dir_all(dir).and_then(|()| std::fs::write(&page, html)) {
        Ok(()) => eprintln!("divergence page: {}", page.display()),
        Err(err) => tracing::warn!("could not write {}: {err}", page.display()),
    }
}

fn diverged_or(err: AgentError) -> CassetteReplayError {
    match err {
        AgentError::Backend(report) => CassetteReplayError::Diverged {
            divergence: report.downcast_ref::<Divergence>().cloned().map(Box::new),
            report: report.to_string(),
        },
        other => CassetteReplayError::Agent(other),
    }
}

impl ReplayedSession {
    /// The turn results as readable text: per conversation and turn, the prompt, the outcome,
    /// the events and the agent's reply, then the files in the workspace afterwards.
    pub fn render(&self) -> String {
        use std::fmt::Write as _;
        let mut out = String::new();
        for (index, (runner, outcome)) in self.script.runners.iter().zip(&self.outcomes).enumerate()
        {
            let _ = writeln!(out, "conversation {}", index + 1);
            for (number, (turn, got)) in runner.turns.iter().zip(&outcome.turns).enumerate() {
                let _ = writeln!(out, "  turn {number}: {:?}", turn.prompt);
                match got {
                    TurnOutcome::Ok(result) => {
                        for event in &result.events {
                            let _ = writeln!(out, "    {:<13} {}", event.kind, event.summary);
                        }
                        let _ = writeln!(out, "    reply: {:?}", result.assistant_text);
                    }
                    TurnOutcome::Err { kind, message } => {
                        let _ = writeln!(out, "    ended with {kind}: {message}");
                    }
                }
            }
            for (name, text) in &outcome.files {
                let _ = writeln!(out, "  file {name} ({} bytes)", text.len());
            }
        }
        out
    }
}
