//! [`rerecord_cassette`]: a cassette recorded again, offline, on any Codex binary: the scenario
//! derived from it ([`scenario_of`]) plays the model; its client side is played by the adapter
//! (a cassette the adapter recorded) or sent again as recorded (a cassette another client, such
//! as the Python SDK, recorded through the stand-in).

use std::fmt;
use std::path::{Path, PathBuf};

use serde_json::Value;

use super::CodexHome;
use super::client_replay::{CassetteReplayError, client_script_of};
use super::driver::ClientScript;
use super::raw_client::{RawClientError, send_client_side};
use super::recording::record_script;
use super::scenario::{Underivable, scenario_of};
use crate::agent::AgentError;
use crate::cassette::{
    AnyCassette, BACKEND, Cassette, CassetteError, Entry, RecordOptions, WriteOutcome,
};
use crate::codex::CodexBackendConfig;
use crate::connect::{self, Endpoint};
use crate::transport::Transport;
use prompt_diary_scripted_model::{Reply, Scenario, ScenarioMismatch, ScriptedModel};

/// Why a cassette could not be re-recorded.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RerecordError {
    /// The cassette could not be read.
    #[error(transparent)]
    Cassette(#[from] CassetteError),
    /// The model's side cannot be derived.
    #[error(transparent)]
    Underivable(#[from] Underivable),
    /// The client's side cannot be read back (not adapter traffic).
    #[error(transparent)]
    Client(#[from] CassetteReplayError),
    /// The recording called MCP tools, but its header names no MCP server overrides (an older
    /// cassette).
    #[error(
        "{0} calls MCP tools but its header keeps no MCP server overrides (recorded before they were kept); re-record it once with its fixture (`cargo run -- record-fixtures`)"
    )]
    NeedsBackendConfig(PathBuf),
    /// The client side of a cassette another client recorded could not be sent again: the new
    /// Codex did not answer as the recording shows.
    #[error("re-recording {}:{line}: {reason}", path.display())]
    ClientSide {
        /// The cassette.
        path: PathBuf,
        /// The line of the client message that could not be sent.
        line: usize,
        /// Why.
        reason: String,
    },
    /// Recording failed, or the new Codex did not follow the derived scenario.
    #[error("re-recording {path}: {source}")]
    Record {
        /// The cassette.
        path: PathBuf,
        /// What failed.
        #[source]
        source: AgentError,
    },
    /// The cassette starts an MCP server (a process Codex runs outside its sandbox) that the
    /// user did not name: a cassette may come from anyone, so re-recording starts only the
    /// servers the user allows.
    #[error(
        "{}:{line}: the cassette starts the MCP server `{server}` (`{setting}`), a process that \
         runs outside the sandbox; nothing was run. Read what it starts (`prompt-diary inspect \
         {}`), then allow it with `--allow-mcp-server {server}`",
        path.display(),
        path.display()
    )]
    McpServerNotAllowed {
        /// The cassette.
        path: PathBuf,
        /// The line that names the server (1: the header's overrides).
        line: usize,
        /// The server's name.
        server: String,
        /// The setting that starts it, as the cassette has it.
        setting: String,
    },
    /// The cassette asks for something that would run or write outside the sandboxed scratch
    /// workspace (full access, another working directory, a setting that starts a process, an
    /// approval granted, a request other than the session's own); nothing was run.
    #[error(
        "{}:{line}: re-recording refuses {what}; nothing was run. A cassette may come from \
         anyone: its commands are re-run only inside a sandboxed scratch workspace. Remove it from \
         the cassette, or record the session again yourself (`prompt-diary record`)",
        path.display()
    )]
    Unsafe {
        /// The cassette.
        path: PathBuf,
        /// The line that asks for it.
        line: usize,
        /// What it asks for.
        what: String,
    },
}

impl RerecordError {
    /// The error for `refusal` in the cassette at `path`.
    fn refused(path: &Path, refusal: super::untrusted::Refusal) -> Self {
        use super::untrusted::Refusal;
        let path = path.to_owned();
        match refusal {
            Refusal::McpServer {
                line,
                server,
                setting,
            } => Self::McpServerNotAllowed {
                path,
                line,
                server,
                setting,
            },
            Refusal::Unsafe { line, what } => Self::Unsafe { path, line, what },
        }
    }
}

/// Re-records the cassette at `path` offline with the Codex at `codex_bin`: the derived scenario
/// plays the model; the cassette's client side drives the adapter (a cassette the adapter
/// recorded) or is sent again message by message (one another client recorded through the
/// stand-in, whose `-c` arguments its header keeps). A cassette that comes out the
/// same after normalisation is left alone; a different one is written beside it as `.new`. An
/// exec cassette (`codex exec` runs) is made again run by run through the `prompt-diary-codex`
/// stand-in, which must be beside the running program.
///
/// A cassette may come from anyone: the commands it makes Codex run again run in Codex's
/// `workspace-write` sandbox, confined to a scratch workspace without network ([`CodexHome`]).
/// Before anything starts, a cassette that starts an MCP server not named in
/// `allowed_mcp_servers` is refused ([`RerecordError::McpServerNotAllowed`]), and one that asks
/// for more than the sandbox (full access, another working directory, a setting that starts a
/// process, an approval granted, ...) too ([`RerecordError::Unsafe`]).
pub async fn rerecord_cassette(
    path: &Path,
    codex_bin: &Path,
    allowed_mcp_servers: &[String],
) -> Result<WriteOutcome, RerecordError> {
    let refused = |refusal| RerecordError::refused(path, refusal);
    let cassette = match AnyCassette::load(path, "")? {
        AnyCassette::Exec(cassette) => {
            super::untrusted::check_exec(&cassette, allowed_mcp_servers).map_err(refused)?;
            return super::exec::rerecord_exec(path, &cassette, codex_bin).await;
        }
        AnyCassette::AppServer(cassette) => cassette,
    };
    super::untrusted::check_app_server(&cassette, allowed_mcp_servers).map_err(refused)?;
    let scenario = scenario_of(&cassette)?;
    if !recorded_by_the_adapter(&cassette) {
        return rerecord_client_side(path, &cassette, scenario, codex_bin).await;
    }
    let mut client: ClientScript = client_script_of(&cassette)?;
    client.mcp_config_overrides = cassette.header.backend_overrides.clone();
    if client.mcp_config_overrides.is_empty() && scenario_uses_mcp(&scenario) {
        return Err(RerecordError::NeedsBackendConfig(path.to_owned()));
    }
    // `{fixtures}` in the overrides: the fixtures folder of the project holding the cassette,
    // else of the project the command runs in.
    let folder = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let root_of =
        |dir: &Path| crate::codex_bin::project_root(&std::path::absolute(dir).unwrap_or_default());
    let mut fixtures = root_of(folder).join("fixtures");
    if !fixtures.is_dir() {
        fixtures = root_of(Path::new(".")).join("fixtures");
    }
    let record = |source: AgentError| failed(path, source);
    let setup = |err: std::io::Error| unavailable(path, err);
    let model = ScriptedModel::start(scenario).await.map_err(setup)?;
    let home = CodexHome::for_model(&model).map_err(setup)?;
    let dirs = super::driver::workspaces(client.runners.len()).map_err(setup)?;
    let workspaces: Vec<PathBuf> = dirs.iter().map(|d| d.path().to_path_buf()).collect();
    let mut config = CodexBackendConfig::default()
        .with_codex_bin(codex_bin)
        .with_codex_home(home.path());
    config.mcp_config_overrides = client.overrides(&fixtures);
    config
        .mcp_config_overrides
        .extend(super::untrusted::tool_approvals(
            &client.mcp_config_overrides,
        ));
    let options = options_like(path, &cassette);
    let progress = std::sync::Arc::new(|_: &str| {});
    let recorded = record_script(config, options, &client, &workspaces, progress).await;
    let followed: Result<(), ScenarioMismatch> = model.finish().await;
    let (outcome, _) = recorded.map_err(record)?;
    followed.map_err(|mismatch| record(AgentError::Backend(std::sync::Arc::new(mismatch))))?;
    Ok(outcome)
}

/// Whether the adapter recorded `cassette` (its `initialize` names prompt-diary as the client).
fn recorded_by_the_adapter(cassette: &Cassette) -> bool {
    cassette.entries.iter().any(|(_, entry)| match entry {
        Entry::C2s { conv, msg, .. } if conv == BACKEND => {
            msg.get("method").and_then(Value::as_str) == Some("initialize")
                && msg
                    .pointer("/params/clientInfo/name")
                    .and_then(Value::as_str)
                    == Some(env!("CARGO_PKG_NAME"))
        }
        _ => false,
    })
}

/// Re-records a cassette another client recorded: its client messages are sent again, in order,
/// to the Codex at `codex_bin` started with the recorded `-c` arguments, under the recorder.
async fn rerecord_client_side(
    path: &Path,
    cassette: &Cassette,
    scenario: Scenario,
    codex_bin: &Path,
) -> Result<WriteOutcome, RerecordError> {
    let setup = |err: std::io::Error| unavailable(path, err);
    let model = ScriptedModel::start(scenario).await.map_err(setup)?;
    let home = CodexHome::for_model(&model).map_err(setup)?;
    let workspace = tempfile::tempdir().map_err(setup)?;
    let header = &cassette.header;
    let mut args: Vec<String> = header
        .backend_overrides
        .iter()
        .flat_map(|value| ["-c".to_owned(), value.clone()])
        .collect();
    for setting in super::untrusted::tool_approvals(&header.backend_overrides) {
        args.extend(["-c".to_owned(), setting]);
    }
    args.push("app-server".to_owned());
    let endpoint = Endpoint {
        codex_bin: Some(codex_bin.to_owned()),
        args,
        env: vec![("CODEX_HOME".to_owned(), home.path().display().to_string())],
    };
    let mut connection = connect::record(&endpoint, options_like(path, cassette))
        .map_err(|err| unavailable(path, err))?;
    let outcome = connection.recording_outcome();
    let sent = send_client_side(cassette, &mut connection, workspace.path()).await;
    let closed = connection.close().await;
    let followed: Result<(), ScenarioMismatch> = model.finish().await;
    sent.map_err(|err: RawClientError| RerecordError::ClientSide {
        path: path.to_owned(),
        line: err.line,
        reason: err.reason,
    })?;
    closed.map_err(|err| unavailable(path, format!("closing the recording: {err}")))?;
    followed
        .map_err(|mismatch| failed(path, AgentError::Backend(std::sync::Arc::new(mismatch))))?;
    outcome
        .and_then(|o| o.get())
        .ok_or_else(|| unavailable(path, "the recording wrote no cassette"))
}

/// Recording options that keep `cassette`'s header: its scenario, the command that re-records
/// it and the app-server's `-c` overrides.
fn options_like(path: &Path, cassette: &Cassette) -> RecordOptions {
    let header = &cassette.header;
    let mut options = RecordOptions::new(path);
    options.scenario = header.scenario.clone();
    options.record_command = header.record_command.clone();
    options.backend_overrides = header.backend_overrides.clone();
    options
}

/// Re-recording `path` failed with `source`.
fn failed(path: &Path, source: AgentError) -> RerecordError {
    RerecordError::Record {
        path: path.to_owned(),
        source,
    }
}

/// Re-recording `path` could not set up or finish: the model, the Codex home, the process, the
/// file.
fn unavailable(path: &Path, reason: impl fmt::Display) -> RerecordError {
    failed(
        path,
        AgentError::BackendUnavailable {
            message: reason.to_string(),
        },
    )
}

fn scenario_uses_mcp(scenario: &Scenario) -> bool {
    scenario
        .conversations
        .iter()
        .flat_map(|c| &c.replies)
        .flat_map(|r| match r {
            Reply::Response { items } => items.iter().collect::<Vec<_>>(),
            other => vec![other],
        })
        .any(|r| matches!(r, Reply::McpTool { .. }))
}

impl fmt::Display for RerecordSummary<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Ok(WriteOutcome::Unchanged(path)) => write!(f, "unchanged {}", path.display()),
            Ok(WriteOutcome::Written(path)) => write!(f, "wrote {}", path.display()),
            Ok(WriteOutcome::Pending { pending, .. }) => {
                write!(
                    f,
                    "CHANGED: review {} (prompt-diary review)",
                    pending.display()
                )
            }
            Err(err) => write!(f, "FAILED: {err}"),
        }
    }
}

/// One summary line for a [`rerecord_cassette`] outcome.
pub(crate) struct RerecordSummary<'a>(pub(crate) &'a Result<WriteOutcome, RerecordError>);
