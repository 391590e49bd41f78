//! The client's side of a cassette recorded through the Codex adapter, read back as a
//! [`ClientScript`]: one runner per conversation, its `thread/start` settings, each turn's prompt
//! and output schema, how approvals were answered, which turns ran out of time.

use std::collections::HashMap;

use serde::Deserialize as _;
use serde_json::Value;

use super::CassetteReplayError;
use super::driver::{ClientScript, RunnerScript, TurnScript};
use crate::cassette::BACKEND;
use crate::cassette::{Cassette, Entry, unescape_json, unescape_literals};
use crate::codex::rpc::requests::{THREAD_START_FIELDS, ThreadStartParams};

/// How long a replayed turn may take before it counts as stuck. Replay answers at once, so
/// only a damaged cassette (a turn that never completes) waits this long.
pub(crate) const REPLAY_TURN_TIMEOUT_SECS: u64 = 30;
/// The timeout given to a turn the recording interrupted (its time ran out while recording):
/// replay waits this long, then interrupts as the recording did.
pub const INTERRUPTED_TURN_TIMEOUT_SECS: u64 = 1;

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
