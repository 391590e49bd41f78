//! Replaying any cassette recorded through the Codex adapter, with no scenario file: the client's
//! actions (one runner per conversation, its `thread/start` settings, each turn's prompt and
//! output schema, how approvals were answered, which turns ran out of time) are read back from
//! the recorded client→server messages, then played through [`CodexBackend`] on a
//! [`ReplayTransport`] and [`CodexAgentRunner`](crate::codex::CodexAgentRunner).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::Deserialize as _;
use serde_json::Value;

use super::driver::{ClientScript, Progress, RunnerOutcome, RunnerScript, TurnOutcome, TurnScript};
use crate::agent::AgentError;
use crate::cassette::BACKEND;
use crate::cassette::ReplayTransport;
use crate::cassette::{
    Cassette, CassetteError, Divergence, Entry, unescape_json, unescape_literals,
};
use crate::codex::rpc::requests::{THREAD_START_FIELDS, ThreadStartParams};
use crate::codex::{CodexBackend, CodexBackendConfig};

/// How long a replayed turn may take before it counts as stuck. Replay answers at once, so
/// only a damaged cassette (a turn that never completes) waits this long.
pub(crate) const REPLAY_TURN_TIMEOUT_SECS: u64 = 30;
/// The timeout given to a turn the recording interrupted (its time ran out while recording):
/// replay waits this long, then interrupts as the recording did.
pub const INTERRUPTED_TURN_TIMEOUT_SECS: u64 = 1;

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
}

/// Reads the client's actions back from a cassette's client→server messages, their texts as the
/// client wrote them (a prompt recorded as `{{lbrace}}name}}` is `{{name}}` again).
///
/// A turn's prompt is the user message the server echoed back for that turn (falling back to the
/// `turn/start` input when the server echoed none), so a `turn/start` that was edited by hand no
/// longer matches what the server saw, and the replay reports the divergence.
pub fn client_script_of(cassette: &Cassette) -> Result<ClientScript, CassetteReplayError> {
    let echoes = echoed_prompts(cassette);
    let mut labels: Vec<String> = Vec::new();
    let mut runners: Vec<RunnerScript> = Vec::new();
    for (line, entry) in &cassette.entries {
        let Entry::C2s { conv, msg, turn } = entry else {
            continue;
        };
        let unsupported = |what: String| CassetteReplayError::NotAdapterTraffic {
            path: cassette.path.clone(),
            line: *line,
            conv: conv.clone(),
            what,
        };
        let method = msg.get("method").and_then(Value::as_str);
        if conv == BACKEND {
            match method {
                Some("initialize" | "initialized") => continue,
                other => {
                    return Err(unsupported(format!(
                        "the client sent `{}` outside any conversation",
                        other.unwrap_or("a response")
                    )));
                }
            }
        }
        let at = match labels.iter().position(|l| l == conv) {
            Some(at) => at,
            None => {
                labels.push(conv.clone());
                runners.push(RunnerScript::default());
                labels.len() - 1
            }
        };
        let runner = &mut runners[at];
        // As the client said it: text the cassette keeps escaped is sent as it was written.
        let params = unescape_json(msg.get("params").unwrap_or(&Value::Null)).into_owned();
        match method {
            Some("thread/start") => thread_settings(runner, &params).map_err(unsupported)?,
            Some("turn/start") => {
                let mut script = turn_of(&params).map_err(unsupported)?;
                if let Some(echo) = echoes.get(&(conv.clone(), *turn)) {
                    script.prompt = unescape_literals(echo).into_owned();
                }
                runner.turns.push(script);
            }
            Some("thread/unsubscribe") => runner.close = true,
            Some("turn/interrupt") => match runner.turns.last_mut() {
                Some(turn) => turn.timeout_secs = INTERRUPTED_TURN_TIMEOUT_SECS,
                None => return Err(unsupported("`turn/interrupt` before any turn".into())),
            },
            Some(other) => return Err(unsupported(format!("the client sent `{other}`"))),
            None => {
                let result = msg.get("result").cloned().unwrap_or(Value::Null);
                let word = ["decision", "action"]
                    .iter()
                    .find_map(|k| result.get(*k).and_then(Value::as_str));
                if matches!(word, Some("accept" | "approved")) {
                    runner.approvals = Some("accept".to_owned());
                }
            }
        }
    }
    Ok(ClientScript {
        concurrent: runners.len() > 1,
        mcp_config_overrides: Vec::new(),
        runners,
    })
}

/// The user message text the server echoed in each (conversation, turn).
fn echoed_prompts(cassette: &Cassette) -> HashMap<(String, Option<u32>), String> {
    let mut echoes = HashMap::new();
    for (_, entry) in &cassette.entries {
        let Entry::S2c { conv, turn, msg } = entry else {
            continue;
        };
        let Some(item) = msg.pointer("/params/item") else {
            continue;
        };
        if item.get("type").and_then(Value::as_str) != Some("userMessage") {
            continue;
        }
        let texts: Vec<&str> = item
            .get("content")
            .and_then(Value::as_array)
            .map(|parts| {
                parts
                    .iter()
                    .filter_map(|p| p.get("text").and_then(Value::as_str))
                    .collect()
            })
            .unwrap_or_default();
        if let [text] = texts.as_slice() {
            echoes
                .entry((conv.clone(), *turn))
                .or_insert_with(|| (*text).to_owned());
        }
    }
    echoes
}

fn thread_settings(runner: &mut RunnerScript, params: &Value) -> Result<(), String> {
    let unknown = params.as_object().and_then(|map| {
        map.keys()
            .find(|key| !THREAD_START_FIELDS.contains(&key.as_str()))
    });
    if let Some(key) = unknown {
        return Err(format!(
            "its `thread/start` carries `{key}`, which the Codex adapter never sends"
        ));
    }
    // The adapter's own params type.
    let params = ThreadStartParams::deserialize(params)
        .map_err(|err| format!("its `thread/start` is not one the Codex adapter sends ({err})"))?;
    runner.model = params.model;
    runner.model_provider = params.model_provider;
    runner.approval_mode = params.approval_policy;
    runner.sandbox = params.sandbox;
    runner.base_instructions = params.base_instructions;
    runner.developer_instructions = params.developer_instructions;
    runner.personality = params.personality;
    runner.reasoning_effort = params
        .config
        .as_ref()
        .and_then(|c| c.get("model_reasoning_effort"))
        .and_then(Value::as_str)
        .map(str::to_owned);
    Ok(())
}

fn turn_of(params: &Value) -> Result<TurnScript, String> {
    let input = params.get("input").and_then(Value::as_array);
    let prompt = match input.map(Vec::as_slice) {
        Some([item]) if item.get("type").and_then(Value::as_str) == Some("text") => item
            .get("text")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned(),
        _ => return Err("a `turn/start` whose input is not one text item".to_owned()),
    };
    if let Some(key) = params.as_object().and_then(|m| {
        m.keys()
            .find(|k| !["threadId", "input", "outputSchema"].contains(&k.as_str()))
    }) {
        return Err(format!(
            "a `turn/start` carrying `{key}`, which the Codex adapter never sends"
        ));
    }
    Ok(TurnScript {
        prompt,
        timeout_secs: REPLAY_TURN_TIMEOUT_SECS,
        output_schema: params.get("outputSchema").cloned(),
    })
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
    let cassette = Cassette::load(path, "prompt-diary record")?;
    let mut script = client_script_of(&cassette)?;
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
    let record_command = options
        .record_command
        .clone()
        .unwrap_or_else(|| cassette.header.record_command.clone());
    let transport = ReplayTransport::new(cassette, Some(record_command.clone()));
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
