//! [`rerecord_cassette`]: a cassette recorded again, offline, on any Codex binary: the scenario
//! derived from it ([`scenario_of`](super::scenario_of)) plays the model; its client side is played by the adapter
//! (a cassette the adapter recorded) or sent again as recorded (a cassette another client, such
//! as the Python SDK, recorded through the stand-in).

use std::path::{Path, PathBuf};

use serde_json::Value;

use super::CodexHome;
use super::RerecordError;
use super::error::{calls_text, diverged, failed, unavailable, unfinished};
use super::pending_file::PendingFile;
use super::raw_client::{RawClientError, send_client_side};
use super::recording::record_script;
use super::scenario::scenario_in;
use crate::cassette::{
    AnyCassette, BACKEND, Bindings, Cassette, Entry, RecordOptions, WORKSPACE, WriteOutcome,
};
use crate::codex::CodexBackendConfig;
use crate::connect::{self, Endpoint};
use crate::replay::client_script_of;
use crate::replay::driver::{ClientScript, RunnerOutcome, TurnOutcome};
use crate::transport::Transport;
use prompt_diary_scripted_model::{Reply, Scenario, ScenarioMismatch, ScriptedModel};

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
/// The cassette's own sandbox and approval policy are kept when they are as strict (a read-only
/// cassette re-records read-only); full access, network and writable folders outside the
/// workspace are tightened to the sandbox, which the summary line and `review` name. Before
/// anything starts, a cassette that starts an MCP server not named in `allowed_mcp_servers` is
/// refused ([`RerecordError::McpServerNotAllowed`]), and one that asks for what the sandbox
/// cannot contain (another working directory, a setting that starts a process, an approval
/// granted, ...) too ([`RerecordError::Unsafe`]).
///
/// A re-recording that fails leaves `<name>.jsonl.new` as it found it: a half recording never
/// waits for review (nor for `accept`).
pub async fn rerecord_cassette(
    path: &Path,
    codex_bin: &Path,
    allowed_mcp_servers: &[String],
) -> Result<WriteOutcome, RerecordError> {
    let pending = PendingFile::before(path);
    let result = rerecord_any(path, codex_bin, allowed_mcp_servers).await;
    match result {
        Err(err) => Err(pending.restore(path, err)),
        ok => ok,
    }
}

/// [`rerecord_cassette`] without the care for `.new`: one kind or the other.
async fn rerecord_any(
    path: &Path,
    codex_bin: &Path,
    allowed_mcp_servers: &[String],
) -> Result<WriteOutcome, RerecordError> {
    let refused = |refusal| RerecordError::refused(path, refusal);
    // What asks for more than the sandbox is tightened first (`policy.rs`); the rest is checked.
    let mut cassette = match AnyCassette::load(path, "")? {
        AnyCassette::Exec(mut cassette) => {
            super::policy::exec(&mut cassette);
            super::untrusted::check_exec(&cassette, allowed_mcp_servers).map_err(refused)?;
            return super::exec::rerecord_exec(path, &cassette, codex_bin).await;
        }
        AnyCassette::AppServer(cassette) => cassette,
    };
    let (policy, _) = super::policy::app_server(&mut cassette);
    super::untrusted::check_app_server(&cassette, allowed_mcp_servers).map_err(refused)?;
    // One working directory per conversation the client started (one for all of them when
    // another client's messages are sent again), each the recorded `{{workspace}}` of its
    // conversation's texts.
    let adapter = recorded_by_the_adapter(&cassette);
    let labels = client_labels(&cassette);
    let setup = |err: std::io::Error| unavailable(path, err);
    let dirs = crate::replay::driver::workspaces(labels.len().max(1)).map_err(setup)?;
    let workspaces: Vec<PathBuf> = dirs.iter().map(|d| d.path().to_path_buf()).collect();
    let scenario = scenario_in(&cassette, &|label| {
        let at = match adapter {
            true => labels.iter().position(|l| *l == label),
            false => Some(0),
        };
        let mut bindings = Bindings::default();
        if let Some(workspace) = at.and_then(|at| workspaces.get(at)) {
            bindings.bind(WORKSPACE, &workspace.display().to_string());
        }
        // The values the client sends for the header's volatile placeholders (the same made
        // value for the same placeholder): what the model said of them is said of them again.
        let texts = super::volatile::client_texts(&cassette);
        let _ = super::volatile::bind_recorded(
            &cassette.header.volatile,
            texts.iter().map(String::as_str),
            &mut bindings,
        );
        bindings
    })?;
    if !adapter {
        let run = ClientSide {
            scenario,
            codex_bin,
            workspace: &workspaces[0],
            policy: &policy,
        };
        return rerecord_client_side(path, &cassette, run).await;
    }
    let mut client: ClientScript = client_script_of(&cassette)?;
    client.mcp_config_overrides = cassette.header.backend_overrides().to_vec();
    if client.mcp_config_overrides.is_empty() && scenario_uses_mcp(&scenario) {
        return Err(RerecordError::NeedsBackendConfig(path.to_owned()));
    }
    let fixtures = fixtures_for(path);
    let setup = |err: std::io::Error| unavailable(path, err);
    // Ended by `finish` below; an early return drops it without the test kit's panic.
    let model = ScriptedModel::start(scenario)
        .await
        .map_err(setup)?
        .without_drop_check();
    let home = CodexHome::for_model_with(&model, &policy).map_err(setup)?;
    let user_home = super::environment::scratch_home().map_err(setup)?;
    let workspaces = &workspaces[..client.runners.len()];
    let config = backend_config(codex_bin, home.path(), user_home.path(), &client, &fixtures);
    let options = options_like(path, &cassette);
    let progress = std::sync::Arc::new(|_: &str| {});
    let recorded = record_script(config, options, &client, workspaces, progress).await;
    let followed: Result<(), ScenarioMismatch> = model.finish().await;
    let (outcome, runners) = recorded.map_err(|source| failed(path, source))?;
    let exited = exited_turns(&client, &runners);
    if !exited.is_empty() || followed.is_err() {
        let mut what = Vec::new();
        if !exited.is_empty() {
            what.push(format!(
                "Codex exited during {}{}",
                exited.join(", "),
                exit_of(&outcome)
            ));
        }
        if let Err(mismatch) = &followed {
            what.push(calls_text(mismatch));
        }
        return Err(diverged(path, what.join("; ")));
    }
    Ok(outcome)
}

/// The re-recording's backend: Codex `codex_bin` with its home `codex_home`, the client's
/// overrides (`{fixtures}` as `fixtures`) and MCP tool approvals, and nothing of the user's
/// environment for Codex, the cassette's commands and the MCP servers it starts (the search
/// path, the locale, `user_home` as `HOME`).
fn backend_config(
    codex_bin: &Path,
    codex_home: &Path,
    user_home: &Path,
    client: &ClientScript,
    fixtures: &Path,
) -> CodexBackendConfig {
    let mut config = CodexBackendConfig::default()
        .with_codex_bin(codex_bin)
        .with_codex_home(codex_home);
    config.env = super::environment::minimal_text(user_home);
    config.env_clear = true;
    config.mcp_config_overrides = client.overrides(fixtures);
    config
        .mcp_config_overrides
        .extend(super::untrusted::tool_approvals(
            &client.mcp_config_overrides,
        ));
    config
}

/// The fixtures folder `{fixtures}` in a cassette's overrides stands for: that of the project
/// holding the cassette, else that of the project the command runs in.
fn fixtures_for(path: &Path) -> PathBuf {
    let folder = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let root_of = |dir: &Path| {
        let absolute = std::path::absolute(dir).unwrap_or_else(|_| dir.to_owned());
        crate::codex_bin::project_root(&absolute)
    };
    let fixtures = root_of(folder).join("fixtures");
    if fixtures.is_dir() {
        return fixtures;
    }
    root_of(Path::new(".")).join("fixtures")
}

/// The turns (`runner 1, turn 2 ("prompt")`) whose Codex exited under them.
fn exited_turns(client: &ClientScript, runners: &[RunnerOutcome]) -> Vec<String> {
    let mut exited = Vec::new();
    for (r, runner) in runners.iter().enumerate() {
        for (t, turn) in runner.turns.iter().enumerate() {
            if matches!(turn, TurnOutcome::Err { kind, .. } if kind == "backend_exited") {
                let prompt = client
                    .runners
                    .get(r)
                    .and_then(|runner| runner.turns.get(t))
                    .map(|turn| turn.prompt.lines().next().unwrap_or_default())
                    .unwrap_or_default();
                exited.push(format!("runner {}, turn {} ({prompt:?})", r + 1, t + 1));
            }
        }
    }
    exited
}

/// How the recording written as `outcome` says Codex ended: ` (exit status: 3; stderr ends:
/// ...)`, or nothing when it cannot be read.
fn exit_of(outcome: &WriteOutcome) -> String {
    let written = match outcome {
        WriteOutcome::Written(path) | WriteOutcome::Unchanged(path) => path,
        WriteOutcome::Pending { pending, .. } => pending,
    };
    let Ok(cassette) = Cassette::load(written, "") else {
        return String::new();
    };
    cassette
        .entries
        .iter()
        .rev()
        .find_map(|(_, entry)| match entry {
            Entry::Exit {
                status,
                stderr_tail,
            } => Some(match stderr_tail.last() {
                Some(last) => format!(" ({status}; its stderr ends: {last})"),
                None => format!(" ({status})"),
            }),
            _ => None,
        })
        .unwrap_or_default()
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

/// The labels of the conversations the client started, in the order it started them (the order
/// of the runners [`client_script_of`] reads).
fn client_labels(cassette: &Cassette) -> Vec<&str> {
    let mut labels: Vec<&str> = Vec::new();
    for (_, entry) in &cassette.entries {
        if let Entry::C2s { conv, .. } = entry {
            if conv != BACKEND && !labels.contains(&conv.as_str()) {
                labels.push(conv);
            }
        }
    }
    labels
}

/// What re-recording another client's cassette runs: the derived scenario, the Codex, the
/// workspace standing for `{{workspace}}` and the Codex home's policy.
struct ClientSide<'a> {
    scenario: Scenario,
    codex_bin: &'a Path,
    workspace: &'a Path,
    policy: &'a super::policy::HomePolicy,
}

/// Re-records a cassette another client recorded: its client messages are sent again, in order,
/// to the Codex at `codex_bin` started with the recorded `-c` arguments, under the recorder, with
/// `workspace` standing for the recorded `{{workspace}}`.
async fn rerecord_client_side(
    path: &Path,
    cassette: &Cassette,
    run: ClientSide<'_>,
) -> Result<WriteOutcome, RerecordError> {
    let ClientSide {
        scenario,
        codex_bin,
        workspace,
        policy,
    } = run;
    let setup = |err: std::io::Error| unavailable(path, err);
    // Ended by `finish` below; an early return drops it without the test kit's panic.
    let model = ScriptedModel::start(scenario)
        .await
        .map_err(setup)?
        .without_drop_check();
    let home = CodexHome::for_model_with(&model, policy).map_err(setup)?;
    let user_home = super::environment::scratch_home().map_err(setup)?;
    let header = &cassette.header;
    let mut args: Vec<String> = header
        .backend_overrides()
        .iter()
        .flat_map(|value| ["-c".to_owned(), value.clone()])
        .collect();
    for setting in super::untrusted::tool_approvals(header.backend_overrides()) {
        args.extend(["-c".to_owned(), setting]);
    }
    args.push("app-server".to_owned());
    let endpoint = Endpoint {
        codex_bin: Some(codex_bin.to_owned()),
        args,
        env: super::environment::minimal_text(user_home.path())
            .into_iter()
            .chain([("CODEX_HOME".to_owned(), home.path().display().to_string())])
            .collect(),
        env_clear: true,
    };
    let mut connection = connect::record(&endpoint, options_like(path, cassette))
        .map_err(|err| unavailable(path, err))?;
    let outcome = connection.recording_outcome();
    let sent = send_client_side(cassette, &mut connection, workspace).await;
    let closed = connection.close().await;
    let followed: Result<(), ScenarioMismatch> = model.finish().await;
    sent.map_err(|err: RawClientError| RerecordError::ClientSide {
        path: path.to_owned(),
        line: err.line,
        reason: err.reason,
    })?;
    closed.map_err(|err| {
        unfinished(
            path,
            format!("the recording could not be closed and written: {err}"),
        )
    })?;
    followed.map_err(|mismatch| diverged(path, calls_text(&mismatch)))?;
    outcome.and_then(|o| o.get()).ok_or_else(|| {
        unfinished(
            path,
            "the recording closed but wrote no cassette; run it again",
        )
    })
}

/// Recording options that keep `cassette`'s header: its scenario, the command that re-records
/// it, the app-server's `-c` overrides and its volatile rules; and the `[[redact]]` rules of
/// the project the cassette is in.
fn options_like(path: &Path, cassette: &Cassette) -> RecordOptions {
    let header = &cassette.header;
    let mut options = RecordOptions::new(path);
    options.scenario = header.scenario.clone();
    options.record_command = header.record_command.clone();
    options.backend_overrides = header.backend_overrides().to_vec();
    // Recorded under the same volatile rules: the values made for them come back as
    // placeholders, and the header lists the rules.
    options.volatile.clone_from(&header.volatile);
    options.redact = super::project_redact(path);
    options
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failed_re_recording_puts_the_review_file_back_as_it_found_it() {
        let dir = tempfile::tempdir().unwrap();
        let cassette = dir.path().join("c.jsonl");
        let pending = crate::cassette::pending_path(&cassette);
        let err = || diverged(&cassette, "it exited");

        let none = PendingFile::before(&cassette);
        std::fs::write(&pending, "half a recording").unwrap();
        assert!(matches!(
            none.restore(&cassette, err()),
            RerecordError::Diverged { .. }
        ));
        assert!(!pending.exists(), "one the failure wrote is removed");

        std::fs::write(&pending, "an earlier re-recording").unwrap();
        let earlier = PendingFile::before(&cassette);
        std::fs::write(&pending, "half a recording").unwrap();
        earlier.restore(&cassette, err());
        assert_eq!(
            std::fs::read_to_string(&pending).unwrap(),
            "an earlier re-recording"
        );
    }
}
