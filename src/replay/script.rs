//! The client's side of a cassette recorded through the Codex adapter, read back as a
//! [`ClientScript`]: one runner per conversation, its `thread/start` settings, each turn's prompt
//! and output schema, how approvals were answered, which turns ran out of time.

use std::collections::HashMap;
use std::path::Path;

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
    let mut reader = ScriptReader::new(&cassette.path);
    for (line, entry) in &cassette.entries {
        reader.entry(*line, entry)?;
    }
    Ok(reader.finish())
}

/// [`client_script_of`] the cassette text read from `path`, line by line: each line is parsed,
/// read and dropped ([`Cassette::read_each`]), so only the script is kept. The errors are
/// [`Cassette::parse`]'s, in its order, then the script's. Also returns the header's record
/// command.
pub(crate) fn client_script_in(
    path: &Path,
    text: &str,
) -> Result<(String, ClientScript), CassetteReplayError> {
    let mut reader = ScriptReader::new(path);
    let mut failed = None;
    let header = Cassette::read_each(path, text, |line, entry| {
        if failed.is_none() {
            failed = reader.entry(line, &entry).err();
        }
    })?;
    match failed {
        Some(err) => Err(err),
        None => Ok((header.record_command, reader.finish())),
    }
}

/// The client script read one entry at a time, in file order.
struct ScriptReader<'a> {
    path: &'a Path,
    labels: Vec<String>,
    runners: Vec<RunnerScript>,
    /// Each `turn/start`: its runner and turn, and the (conversation, turn) its echo is in.
    turns: Vec<(usize, usize, (String, Option<u32>))>,
    /// The user message text the server echoed first in each (conversation, turn).
    echoes: HashMap<(String, Option<u32>), String>,
}

impl<'a> ScriptReader<'a> {
    fn new(path: &'a Path) -> Self {
        Self {
            path,
            labels: Vec::new(),
            runners: Vec::new(),
            turns: Vec::new(),
            echoes: HashMap::new(),
        }
    }

    fn entry(&mut self, line: usize, entry: &Entry) -> Result<(), CassetteReplayError> {
        match entry {
            Entry::C2s { conv, msg, turn } => self.client(line, conv, *turn, msg),
            Entry::S2c { conv, turn, msg } => {
                if let Some(text) = echoed_prompt(msg) {
                    self.echoes
                        .entry((conv.clone(), *turn))
                        .or_insert_with(|| text.to_owned());
                }
                Ok(())
            }
            _ => Ok(()),
        }
    }

    fn client(
        &mut self,
        line: usize,
        conv: &str,
        turn: Option<u32>,
        msg: &Value,
    ) -> Result<(), CassetteReplayError> {
        let unsupported = |what: String| CassetteReplayError::NotAdapterTraffic {
            path: self.path.to_owned(),
            line,
            conv: conv.to_owned(),
            what,
        };
        let method = msg.get("method").and_then(Value::as_str);
        if conv == BACKEND {
            return match method {
                Some("initialize" | "initialized") => Ok(()),
                other => Err(unsupported(format!(
                    "the client sent `{}` outside any conversation",
                    other.unwrap_or("a response")
                ))),
            };
        }
        let at = match self.labels.iter().position(|l| l == conv) {
            Some(at) => at,
            None => {
                self.labels.push(conv.to_owned());
                self.runners.push(RunnerScript::default());
                self.labels.len() - 1
            }
        };
        let runner = &mut self.runners[at];
        // As the client said it: text the cassette keeps escaped is sent as it was written.
        let params = unescape_json(msg.get("params").unwrap_or(&Value::Null)).into_owned();
        match method {
            Some("thread/start") => thread_settings(runner, &params).map_err(unsupported)?,
            Some("turn/start") => {
                let script = turn_of(&params).map_err(unsupported)?;
                runner.turns.push(script);
                let key = (conv.to_owned(), turn);
                self.turns.push((at, runner.turns.len() - 1, key));
            }
            Some("thread/unsubscribe") => runner.close = true,
            Some("turn/interrupt") => match runner.turns.last_mut() {
                Some(turn) => turn.timeout_secs = INTERRUPTED_TURN_TIMEOUT_SECS,
                None => return Err(unsupported("`turn/interrupt` before any turn".into())),
            },
            Some(other) => return Err(unsupported(format!("the client sent `{other}`"))),
            None => {
                let result = msg.get("result").unwrap_or(&Value::Null);
                let word = ["decision", "action"]
                    .iter()
                    .find_map(|k| result.get(*k).and_then(Value::as_str));
                if matches!(word, Some("accept" | "approved")) {
                    runner.approvals = Some("accept".to_owned());
                }
            }
        }
        Ok(())
    }

    /// The script, each turn's prompt the one its server echoed (wherever in the file).
    fn finish(mut self) -> ClientScript {
        for (runner, turn, key) in &self.turns {
            if let Some(echo) = self.echoes.get(key) {
                self.runners[*runner].turns[*turn].prompt = unescape_literals(echo).into_owned();
            }
        }
        ClientScript {
            concurrent: self.runners.len() > 1,
            mcp_config_overrides: Vec::new(),
            runners: self.runners,
        }
    }
}

/// The user message text a server message echoes, when it is one user message item of one text.
fn echoed_prompt(msg: &Value) -> Option<&str> {
    let item = msg.pointer("/params/item")?;
    if item.get("type").and_then(Value::as_str) != Some("userMessage") {
        return None;
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
    match texts.as_slice() {
        [text] => Some(text),
        _ => None,
    }
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
