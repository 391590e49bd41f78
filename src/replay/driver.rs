//! Client scripts: what the client side of a scenario does (runners, prompts, options), so the
//! same script drives a live recording and its offline replay.
//!
//! A scenario file may carry a `client` section beside the model's `conversations`:
//!
//! ```json
//! "client": {
//!   "concurrent": false,
//!   "mcp_config_overrides": [],
//!   "runners": [
//!     {"approval_mode": "untrusted", "files": {"seed.md": "..."},
//!      "turns": [{"prompt": "Write artifact.md", "timeout_secs": 60, "output_schema": null}]}
//!   ]
//! }
//! ```

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::CassetteReplayError;
use crate::agent::{
    AgentConfig, AgentError, AgentRunner, AgentTurnEvent, AgentTurnResult, RawAgentConfig,
    TurnOptions,
};
use crate::codex::{ApprovalDecision, CodexAgentRunner, CodexBackend};

/// The client side of a scenario.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClientScript {
    /// Run the runners at once (each runner's turns stay in order).
    #[serde(default)]
    pub concurrent: bool,
    /// `-c key=value` overrides for the backend. `{fixtures}` is replaced by the fixtures folder.
    #[serde(default)]
    pub mcp_config_overrides: Vec<String>,
    /// One entry per conversation.
    pub runners: Vec<RunnerScript>,
}

/// One conversation of a client script.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RunnerScript {
    /// `untrusted` | `on-request` | `never`.
    #[serde(default)]
    pub approval_mode: Option<String>,
    /// `read-only` | `workspace-write` | `danger-full-access`.
    #[serde(default)]
    pub sandbox: Option<String>,
    /// Model name (`None`: the backend's default).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    /// Model provider id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model_provider: Option<String>,
    /// Reasoning effort (`low`, `medium`, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reasoning_effort: Option<String>,
    /// Replacement base instructions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base_instructions: Option<String>,
    /// Extra developer instructions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub developer_instructions: Option<String>,
    /// `none` | `friendly` | `pragmatic`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub personality: Option<String>,
    /// How approval requests are answered: `decline` (the default) or `accept`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub approvals: Option<String>,
    /// Files written into the workspace before the first turn.
    #[serde(default)]
    pub files: BTreeMap<String, String>,
    /// The turns, in order.
    pub turns: Vec<TurnScript>,
    /// Release the conversation ([`AgentRunner::close`]) after the last turn.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub close: bool,
}

/// One turn of a runner script.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TurnScript {
    /// The prompt.
    pub prompt: String,
    /// The turn's timeout in seconds (default 60).
    #[serde(default = "default_timeout")]
    pub timeout_secs: u64,
    /// An output schema for the turn.
    #[serde(default)]
    pub output_schema: Option<Value>,
}

fn default_timeout() -> u64 {
    60
}

/// What one turn produced, comparable between live and replay runs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum TurnOutcome {
    /// The turn succeeded.
    Ok(AgentTurnResult),
    /// The turn failed; the error's kind and its backend-independent message.
    Err {
        /// `turn_failed`, `timeout`, ...
        kind: String,
        /// The message without machine-specific parts (stderr tails).
        message: String,
    },
}

/// What one runner produced, with its workspace files afterwards.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RunnerOutcome {
    /// Each turn's outcome.
    pub turns: Vec<TurnOutcome>,
    /// Every text file in the workspace after the last turn.
    pub files: BTreeMap<String, String>,
}

impl ClientScript {
    /// The `client` section of a scenario file, if it has one.
    pub fn from_scenario_file(path: &Path) -> std::io::Result<Option<Self>> {
        let text = std::fs::read_to_string(path)?;
        let value: Value = serde_json::from_str(&text).map_err(std::io::Error::other)?;
        match value.get("client") {
            None => Ok(None),
            Some(client) => serde_json::from_value(client.clone())
                .map(Some)
                .map_err(|err| {
                    std::io::Error::other(format!(
                        "{}: the `client` section is invalid: {err}",
                        path.display()
                    ))
                }),
        }
    }

    /// The backend overrides with `{fixtures}` expanded to `fixtures_dir`.
    pub fn overrides(&self, fixtures_dir: &Path) -> Vec<String> {
        let dir = fixtures_dir.display().to_string();
        self.mcp_config_overrides
            .iter()
            .map(|o| o.replace("{fixtures}", &dir))
            .collect()
    }

    /// Runs the script on `backend`, one workspace per runner (seed files are written first).
    pub async fn run(
        &self,
        backend: &CodexBackend,
        workspaces: &[PathBuf],
    ) -> Result<Vec<RunnerOutcome>, AgentError> {
        self.run_with_progress(backend, workspaces, Arc::new(|_: &str| {}))
            .await
    }

    /// [`run`](Self::run), telling `progress` one line before and after every turn.
    pub async fn run_with_progress(
        &self,
        backend: &CodexBackend,
        workspaces: &[PathBuf],
        progress: Progress,
    ) -> Result<Vec<RunnerOutcome>, AgentError> {
        if workspaces.len() != self.runners.len() {
            return Err(AgentError::InvalidConfig {
                field: "workspaces",
                value: workspaces.len().to_string(),
                accepted: format!("one per runner of the script ({})", self.runners.len()),
            });
        }
        let mut runners = Vec::new();
        for (script, workspace) in self.runners.iter().zip(workspaces) {
            for (name, text) in &script.files {
                let path = workspace.join(name);
                write_seed(&path, text).map_err(|source| {
                    AgentError::Backend(Arc::new(CassetteReplayError::SeedFile { path, source }))
                })?;
            }
            let config = AgentConfig::parse(RawAgentConfig {
                working_directory: Some(workspace.display().to_string()),
                model: script.model.clone(),
                model_provider: script.model_provider.clone(),
                reasoning_effort: script.reasoning_effort.clone(),
                approval_mode: script.approval_mode.clone(),
                sandbox: script.sandbox.clone(),
                base_instructions: script.base_instructions.clone(),
                developer_instructions: script.developer_instructions.clone(),
                personality: script.personality.clone(),
                mcp_tools: None,
            })?;
            let approvals = match script.approvals.as_deref() {
                None | Some("decline") => ApprovalDecision::Decline,
                Some("accept") => ApprovalDecision::Accept,
                Some(other) => {
                    return Err(AgentError::InvalidConfig {
                        field: "approvals",
                        value: other.to_owned(),
                        accepted: "decline, accept".to_owned(),
                    });
                }
            };
            let runner = CodexAgentRunner::new(backend.clone(), config).with_approvals(approvals);
            runners.push((runner, script.clone(), workspace.clone()));
        }
        let mut outcomes = Vec::new();
        if self.concurrent {
            let mut tasks = tokio::task::JoinSet::new();
            for (index, (runner, script, workspace)) in runners.into_iter().enumerate() {
                let progress = Arc::clone(&progress);
                tasks.spawn(async move {
                    let outcome = run_runner(runner, &script, &workspace, index, &progress).await;
                    (index, outcome)
                });
            }
            let mut indexed = Vec::new();
            while let Some(joined) = tasks.join_next().await {
                let (index, outcome) = joined.map_err(|e| AgentError::Protocol {
                    message: e.to_string(),
                })?;
                indexed.push((index, outcome));
            }
            indexed.sort_by_key(|(index, _)| *index);
            outcomes.extend(indexed.into_iter().map(|(_, o)| o));
        } else {
            for (index, (runner, script, workspace)) in runners.into_iter().enumerate() {
                outcomes.push(run_runner(runner, &script, &workspace, index, &progress).await);
            }
        }
        Ok(outcomes)
    }
}

/// Writes the seed file `path` (its folders first).
fn write_seed(path: &Path, text: &str) -> std::io::Result<()> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)?;
    }
    std::fs::write(path, text)
}

async fn run_runner(
    mut runner: CodexAgentRunner,
    script: &RunnerScript,
    workspace: &Path,
    index: usize,
    progress: &Progress,
) -> RunnerOutcome {
    let mut turns = Vec::new();
    let count = script.turns.len();
    for (number, turn) in script.turns.iter().enumerate() {
        let at = format!("runner {}, turn {}/{count}", index + 1, number + 1);
        progress(&format!("{at}: {:?}", first_line(&turn.prompt)));
        let mut options = TurnOptions::with_timeout(Duration::from_secs(turn.timeout_secs));
        options.output_schema = turn.output_schema.clone();
        let started = std::time::Instant::now();
        let outcome = match runner.turn(&turn.prompt, options).await {
            Ok(result) => TurnOutcome::Ok(result),
            Err(err) => outcome_of_error(&err),
        };
        let took = started.elapsed().as_millis();
        progress(&match &outcome {
            TurnOutcome::Ok(result) => format!(
                "{at}: done in {took} ms, {} event(s): {:?}",
                result.events.len(),
                first_line(&result.assistant_text)
            ),
            TurnOutcome::Err { kind, .. } => format!("{at}: failed ({kind}) after {took} ms"),
        });
        turns.push(outcome);
    }
    if script.close {
        if let Err(err) = runner.close().await {
            turns.push(outcome_of_error(&err));
        }
    }
    let outcome = RunnerOutcome {
        turns,
        files: text_files(workspace),
    };
    outcome.without_path(workspace)
}

/// Receives one progress line per turn start and end (see [`ClientScript::run_with_progress`]).
pub type Progress = Arc<dyn Fn(&str) + Send + Sync>;

fn first_line(text: &str) -> String {
    let line = text.lines().next().unwrap_or("");
    match line.char_indices().nth(80) {
        Some((cut, _)) => format!("{}…", &line[..cut]),
        None => line.to_owned(),
    }
}

/// An error as a comparable outcome.
pub(crate) fn outcome_of_error(err: &AgentError) -> TurnOutcome {
    let (kind, message) = match err {
        AgentError::TurnFailed { message, details } => (
            "turn_failed",
            format!("{message} ({})", details.as_deref().unwrap_or("-")),
        ),
        AgentError::Timeout {
            timeout, running, ..
        } => ("timeout", format!("after {timeout:?} while {running}")),
        AgentError::BackendExited { .. } => ("backend_exited", String::new()),
        other => ("other", other.to_string()),
    };
    TurnOutcome::Err {
        kind: kind.to_owned(),
        message,
    }
}

/// Every UTF-8 file under `root`, by relative path.
pub(crate) fn text_files(root: &Path) -> BTreeMap<String, String> {
    let mut files = BTreeMap::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.filter_map(Result::ok) {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if let Ok(text) = std::fs::read_to_string(&path) {
                let rel = path
                    .strip_prefix(root)
                    .unwrap_or(&path)
                    .display()
                    .to_string();
                files.insert(rel, text);
            }
        }
    }
    files
}

impl RunnerOutcome {
    /// The outcome with `workspace` replaced by `{{workspace}}` everywhere, so live and replay
    /// runs in different folders compare equal.
    pub fn without_path(&self, workspace: &Path) -> RunnerOutcome {
        let mut forms = vec![workspace.display().to_string()];
        if let Ok(canonical) = std::fs::canonicalize(workspace) {
            forms.push(canonical.display().to_string());
        }
        forms.retain(|form| !form.is_empty());
        let strip = |text: &str| {
            forms.iter().fold(text.to_owned(), |text, form| {
                text.replace(form, "{{workspace}}")
            })
        };
        let turns = self
            .turns
            .iter()
            .map(|turn| match turn {
                TurnOutcome::Ok(result) => TurnOutcome::Ok(AgentTurnResult {
                    assistant_text: strip(&result.assistant_text),
                    events: result
                        .events
                        .iter()
                        .map(|event| AgentTurnEvent {
                            kind: event.kind,
                            summary: strip(&event.summary),
                            metadata: map_without(&event.metadata, &strip),
                        })
                        .collect(),
                }),
                TurnOutcome::Err { kind, message } => TurnOutcome::Err {
                    kind: kind.clone(),
                    message: strip(message),
                },
            })
            .collect();
        let files = self
            .files
            .iter()
            .map(|(path, text)| (strip(path), strip(text)))
            .collect();
        RunnerOutcome { turns, files }
    }
}

/// `map` with `strip` applied to every key and every string in it.
fn map_without(map: &Map<String, Value>, strip: &dyn Fn(&str) -> String) -> Map<String, Value> {
    map.iter()
        .map(|(key, value)| (strip(key), value_without(value, strip)))
        .collect()
}

/// `value` with `strip` applied to every string in it (object keys included).
fn value_without(value: &Value, strip: &dyn Fn(&str) -> String) -> Value {
    match value {
        Value::String(text) => Value::String(strip(text)),
        Value::Array(items) => {
            Value::Array(items.iter().map(|v| value_without(v, strip)).collect())
        }
        Value::Object(map) => Value::Object(map_without(map, strip)),
        other => other.clone(),
    }
}

/// Fresh temp workspaces, one per runner of a client script.
pub(crate) fn workspaces(count: usize) -> std::io::Result<Vec<tempfile::TempDir>> {
    (0..count)
        .map(|_| {
            tempfile::Builder::new()
                .prefix("prompt-diary-ws-")
                .tempdir()
        })
        .collect()
}
