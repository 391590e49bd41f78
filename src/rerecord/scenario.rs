//! A scripted-model scenario derived from a cassette ([`scenario_of`]), and [`rerecord_cassette`]:
//! the cassette recorded again, offline, from any Codex binary driven by that scenario and the
//! cassette's own client side. No account, key or network: a cassette recorded from a real model
//! can be refreshed on a new Codex without spending tokens, and `review` then reads what changed.
//!
//! Each model request of the recording becomes one reply, in order per conversation: a command
//! the agent ran becomes a `shell` reply with the same command line, a file change the
//! `apply_patch` command that makes it again, a message a `message` (or `json` when the turn
//! asked for an output schema), reasoning a `reasoning` reply, an MCP tool call an `mcp_tool`
//! reply, a web search a `web_search`, a model error an `http_error`, a turn that ran out of time
//! a `stall`. What the scripted model cannot produce (other items) is reported by line, not
//! guessed.

use std::borrow::Cow;
use std::path::PathBuf;

use serde_json::Value;

use crate::cassette::{BACKEND, Bindings, Cassette, Entry};
use prompt_diary_scripted_model::{ConversationScript, Reply, Scenario, Streaming};

/// What a cassette holds that the scripted model cannot play back: `(line, what)` pairs.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", self.report())]
pub struct Underivable {
    /// The cassette.
    pub cassette: PathBuf,
    /// Each line that cannot be derived, and why.
    pub lines: Vec<(usize, String)>,
}

impl Underivable {
    fn report(&self) -> String {
        let mut text = format!(
            "{} holds what the scripted model cannot replay, so it cannot be re-recorded offline \
             (re-record it from a real model instead):",
            self.cassette.display()
        );
        for (line, what) in &self.lines {
            text.push_str(&format!("\n  line {line}: {what}"));
        }
        text
    }
}

/// The scenario that makes the scripted model do again what the model did in `cassette`.
///
/// Its texts read as the model said them: text the cassette keeps escaped (`{{lbrace}}name}}`)
/// is `{{name}}` again; the placeholders of volatile values (`{{workspace}}`) stay as written.
pub fn scenario_of(cassette: &Cassette) -> Result<Scenario, Underivable> {
    scenario_in(cassette, &|_| Bindings::default())
}

/// [`scenario_of`], each conversation's texts said through the binder `bindings_of` gives for
/// its label (its new working directory, say), so the new Codex sees what the model said.
pub(super) fn scenario_in(
    cassette: &Cassette,
    bindings_of: &dyn Fn(&str) -> Bindings,
) -> Result<Scenario, Underivable> {
    let mut convs: Vec<Conv> = Vec::new();
    let mut underivable = Vec::new();
    // The longest streamed delta: the chunk size the model streamed in, if it did.
    let mut delta_chars: Option<usize> = None;
    for (line, entry) in &cassette.entries {
        let (label, msg, c2s) = match entry {
            Entry::C2s { conv, msg, .. } => (conv, msg, true),
            Entry::S2c { conv, msg, .. } => (conv, msg, false),
            _ => continue,
        };
        if label == BACKEND {
            continue;
        }
        if !convs.iter().any(|c| &c.label == label) {
            convs.push(Conv::new(label));
        }
        let Some(conv) = convs.iter_mut().find(|c| &c.label == label) else {
            continue;
        };
        let method = msg.get("method").and_then(Value::as_str);
        let params = msg.get("params").unwrap_or(&Value::Null);
        match (c2s, method) {
            (true, Some("turn/start")) => {
                conv.schema = params.get("outputSchema").is_some_and(|s| !s.is_null());
                conv.failed = false;
                if conv.first_prompt.is_none() {
                    conv.first_prompt = params
                        .pointer("/input/0/text")
                        .and_then(Value::as_str)
                        .map(str::to_owned);
                }
            }
            (false, Some("item/agentMessage/delta" | "item/reasoning/summaryTextDelta")) => {
                let len = params["delta"].as_str().map_or(0, |d| d.chars().count());
                delta_chars = Some(delta_chars.unwrap_or(0).max(len));
            }
            (false, Some("item/completed")) => match reply_of_item(&params["item"], conv.schema) {
                Ok(Some(reply @ (Reply::Reasoning { .. } | Reply::WebSearch { .. }))) => {
                    conv.reasoning.push(reply);
                }
                Ok(Some(reply)) if conv.reasoning.is_empty() => conv.replies.push(reply),
                Ok(Some(reply)) => {
                    // Reasoning and web searches lead to the message or call of the same response.
                    let mut items = std::mem::take(&mut conv.reasoning);
                    items.push(reply);
                    conv.replies.push(Reply::Response { items });
                }
                Ok(None) => {}
                Err(what) => underivable.push((*line, what)),
            },
            (false, Some("error")) => {
                conv.failed = true;
                match reply_of_error(params) {
                    Ok(reply) => conv.replies.push(reply),
                    Err(what) => underivable.push((*line, what)),
                }
            }
            (false, Some("turn/completed")) => {
                // A response that ended with reasoning or a search, and nothing after it.
                let mut leading = std::mem::take(&mut conv.reasoning);
                match leading.len() {
                    0 => {}
                    1 => conv.replies.extend(leading.pop()),
                    _ => conv.replies.push(Reply::Response { items: leading }),
                }
                let status = params.pointer("/turn/status").and_then(Value::as_str);
                if status == Some("interrupted") && !conv.failed {
                    conv.replies.push(Reply::Stall);
                }
            }
            _ => {}
        }
    }
    if !underivable.is_empty() {
        return Err(Underivable {
            cassette: cassette.path.clone(),
            lines: underivable,
        });
    }
    let several = convs.len() > 1;
    Ok(Scenario {
        name: cassette.header.scenario.clone(),
        conversations: convs
            .into_iter()
            .map(|conv| conv.into_script(several, bindings_of))
            .collect(),
        // Token counts are normalised out of cassettes, so only the deltas' size is known.
        stream: Streaming {
            delta_chars,
            usage: None,
        },
    })
}

/// What is known of one conversation while reading.
struct Conv {
    label: String,
    first_prompt: Option<String>,
    /// Whether the current turn asked for an output schema.
    schema: bool,
    /// Whether the current turn's model call failed (its interrupt is not a stall).
    failed: bool,
    /// Reasoning and web search items waiting for the message or call they lead to.
    reasoning: Vec<Reply>,
    replies: Vec<Reply>,
}

impl Conv {
    fn new(label: &str) -> Self {
        Self {
            label: label.to_owned(),
            first_prompt: None,
            schema: false,
            failed: false,
            reasoning: Vec::new(),
            replies: Vec::new(),
        }
    }

    /// The conversation's script, its texts said through the binder `bindings_of` gives for its
    /// label; matched by its first prompt when the scenario has `several` conversations.
    fn into_script(
        mut self,
        several: bool,
        bindings_of: &dyn Fn(&str) -> Bindings,
    ) -> ConversationScript {
        let bindings = bindings_of(&self.label);
        self.replies
            .iter_mut()
            .for_each(|reply| say_reply(reply, &bindings));
        ConversationScript {
            r#match: self
                .first_prompt
                .filter(|_| several)
                .map(|prompt| bindings.resolve_text(&prompt).into_owned()),
            replies: self.replies,
        }
    }
}

/// The reply that makes the model produce `item` again; `Ok(None)` for items the model does not
/// produce (the user's own message).
fn reply_of_item(item: &Value, schema: bool) -> Result<Option<Reply>, String> {
    let text = |key: &str| item.get(key).and_then(Value::as_str).map(str::to_owned);
    let kind = item.get("type").and_then(Value::as_str).unwrap_or("?");
    Ok(Some(match kind {
        "userMessage" => return Ok(None),
        "agentMessage" => {
            let body = text("text").unwrap_or_default();
            if schema {
                match serde_json::from_str(&body) {
                    Ok(value) => Reply::Json { value },
                    Err(_) => Reply::Message { text: body },
                }
            } else {
                Reply::Message { text: body }
            }
        }
        "commandExecution" => shell_reply(&text("command").unwrap_or_default())?,
        "reasoning" => Reply::Reasoning {
            summary: match item.get("summary") {
                Some(Value::Array(parts)) => parts
                    .iter()
                    .map(|p| p.as_str().or_else(|| p.get("text")?.as_str()).unwrap_or(""))
                    .collect::<Vec<_>>()
                    .join("\n"),
                _ => String::new(),
            },
        },
        "fileChange" => Reply::Shell {
            cmd: super::patch::apply_patch_command(item.get("changes").unwrap_or(&Value::Null))?,
        },
        "webSearch" => Reply::WebSearch {
            query: text("query")
                .or_else(|| Some(item.pointer("/action/query")?.as_str()?.to_owned()))
                .filter(|q| !q.is_empty())
                .ok_or("a web search without a query")?,
        },
        "mcpToolCall" => Reply::McpTool {
            server: text("server").unwrap_or_default(),
            tool: text("tool").unwrap_or_default(),
            arguments: item.get("arguments").cloned().unwrap_or(Value::Null),
        },
        other => {
            return Err(format!(
                "a `{other}` item, which the scripted model cannot produce"
            ));
        }
    }))
}

/// `reply` as the model is to say it again: each of its texts through `bindings` (fresh values for
/// bound placeholders, escaped literals as written).
pub(super) fn say_reply(reply: &mut Reply, bindings: &Bindings) {
    let say = |text: &mut String| {
        if let Cow::Owned(said) = bindings.resolve_text(text) {
            *text = said;
        }
    };
    match reply {
        Reply::Message { text } => say(text),
        Reply::Shell { cmd } | Reply::LoginShell { cmd } => say(cmd),
        Reply::Reasoning { summary } => say(summary),
        Reply::WebSearch { query } => say(query),
        Reply::HttpError { body, .. } => say(body),
        Reply::Json { value } => bindings.resolve(value),
        Reply::McpTool {
            server,
            tool,
            arguments,
        } => {
            say(server);
            say(tool);
            bindings.resolve(arguments);
        }
        Reply::Response { items } => items.iter_mut().for_each(|item| say_reply(item, bindings)),
        Reply::Stall => {}
    }
}

/// The failed model call behind an `error` notification.
fn reply_of_error(params: &Value) -> Result<Reply, String> {
    let message = params
        .pointer("/error/message")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let info = params.pointer("/error/codexErrorInfo");
    let status = match info.and_then(Value::as_str) {
        Some("internalServerError") => 500,
        Some("badRequest") => 400,
        Some("unauthorized") => 401,
        Some("usageLimitExceeded") => 429,
        _ => {
            return Err(format!(
                "a model error whose HTTP status cannot be told ({}): {message}",
                info.map_or_else(|| "no category".to_owned(), Value::to_string)
            ));
        }
    };
    Ok(Reply::HttpError {
        status,
        body: serde_json::json!({"error": {"message": message}}).to_string(),
    })
}

/// The shell call that makes Codex show `command` again (`/bin/bash -c 'printf 42'`, `/bin/bash
/// -c env`, `/bin/bash -lc '...'`, double quotes: see `shell_words`): a login shell (`-lc`) is
/// the call without `login`, as real models make it; else the call with `login: false`.
pub(crate) fn shell_reply(command: &str) -> Result<Reply, String> {
    match super::shell_words::shell_call(command) {
        Some((cmd, true)) => Ok(Reply::LoginShell { cmd }),
        Some((cmd, false)) => Ok(Reply::Shell { cmd }),
        None => Err(format!(
            "a command run other than through `bash -c` or `bash -lc`: {command}"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn committed(name: &str) -> Cassette {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("cassettes/{name}.jsonl"));
        Cassette::load(&path, "").unwrap()
    }

    fn fixture(name: &str) -> Scenario {
        let path =
            Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("fixtures/scenarios/{name}.json"));
        Scenario::from_file(&path).unwrap()
    }

    #[test]
    fn the_derived_scenario_is_the_one_that_recorded_the_cassette() {
        for name in [
            "single_turn",
            "tool_artifact",
            "approval_declined",
            "structured_output_turn",
            "timeout_resume",
            "repair_missing_artifact",
            "validation_feedback",
            "concurrent_runners",
            "mcp_tool_call",
            "realistic_stream",
        ] {
            let derived = scenario_of(&committed(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
            let mut expected = fixture(name);
            let mut got = derived.clone();
            // Conversations are claimed by match; compare them in a stable order.
            expected
                .conversations
                .sort_by(|a, b| a.r#match.cmp(&b.r#match));
            got.conversations.sort_by(|a, b| a.r#match.cmp(&b.r#match));
            let replies = |s: &Scenario| {
                s.conversations
                    .iter()
                    .map(|c| c.replies.clone())
                    .collect::<Vec<_>>()
            };
            assert_eq!(replies(&got), replies(&expected), "{name}");
            assert_eq!(
                got.stream.delta_chars, expected.stream.delta_chars,
                "{name}"
            );
        }
    }

    #[test]
    fn a_model_error_becomes_its_http_status_with_the_message_codex_showed() {
        let derived = scenario_of(&committed("model_error_retry")).unwrap();
        let replies = &derived.conversations[0].replies;
        assert!(
            matches!(&replies[0], Reply::HttpError { status: 500, body } if body.contains("high demand")),
            "{replies:?}"
        );
        assert_eq!(
            replies[1],
            Reply::Message {
                text: "Recovered.".into()
            }
        );
    }

    #[test]
    fn what_cannot_be_derived_is_named_by_line() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("cassettes/single_turn.jsonl");
        let text = std::fs::read_to_string(&path)
            .unwrap()
            .replace("\"type\":\"agentMessage\"", "\"type\":\"imageView\"");
        let cassette = Cassette::parse(&path, &text).unwrap();
        let err = scenario_of(&cassette).unwrap_err();
        assert_eq!(err.lines.len(), 1, "{err}");
        assert!(err.lines[0].1.contains("`imageView` item"), "{err}");
        assert!(
            err.to_string()
                .contains(&format!("line {}", err.lines[0].0)),
            "{err}"
        );
    }

    #[test]
    fn a_shell_command_is_unquoted_as_bash_received_it() {
        assert_eq!(
            shell_reply(r#"/bin/bash -c "printf '# A\\n' > \"a b.md\" && echo \$HOME""#),
            Ok(Reply::Shell {
                cmd: r#"printf '# A\n' > "a b.md" && echo $HOME"#.to_owned()
            })
        );
        assert_eq!(
            shell_reply("/bin/bash -lc 'printf 42'"),
            Ok(Reply::LoginShell {
                cmd: "printf 42".to_owned()
            })
        );
        let refused = shell_reply("python3 x.py").unwrap_err();
        assert!(
            refused.contains("other than through `bash -c`"),
            "{refused}"
        );
    }
}
