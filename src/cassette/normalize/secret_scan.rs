//! Finding secrets in cassette text as a reader would: every string of every line (with its JSON
//! path), then the streams the lines add up to (the deltas of one item, the text lines of one
//! exec run, a stderr tail). The recorder's last check before writing and `verify` both use it.

use std::collections::{BTreeMap, HashSet};
use std::path::Path;

use serde_json::Value;

use super::redact::{CREDENTIAL_FIELD, is_secret_field, is_session_field, looks_secret};
use super::secret_kinds::{self, UserPatterns};
use crate::cassette::CassetteError;
use crate::cassette::redact_stream::{chunks_touched, delta_key};

/// A secret found in cassette text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Leak {
    /// The 1-based lines holding it (several when a stream splits it).
    pub lines: Vec<usize>,
    /// Where in the line: a JSON path (`$.msg.params.delta`).
    pub field: String,
    /// What it looks like.
    pub what: String,
    /// Whether the line is Codex's own sign-in traffic (`account/...`, login and auth methods).
    pub sign_in: bool,
}

impl Leak {
    /// The lines, comma-separated.
    pub(crate) fn line_list(&self) -> String {
        let lines: Vec<String> = self.lines.iter().map(usize::to_string).collect();
        lines.join(", ")
    }
}

/// Refuses `text` (the cassette about to be written to `path`) if it holds a secret.
pub(crate) fn refuse(path: &Path, text: &str, extra: &UserPatterns) -> Result<(), CassetteError> {
    let Some(leak) = scan(text, extra).into_iter().next() else {
        return Ok(());
    };
    let field = if leak.lines.len() > 1 {
        format!(
            "{}, split across lines {} of one stream",
            leak.field,
            leak.line_list()
        )
    } else {
        leak.field
    };
    let hint = if leak.sign_in {
        ". The line is Codex's own sign-in traffic: if Codex holds a stale or pasted credential, \
         sign in again with `codex login`"
    } else {
        ""
    };
    Err(CassetteError::SecretDetected {
        path: path.to_owned(),
        line: leak.lines[0],
        field,
        what: leak.what,
        hint: hint.to_owned(),
    })
}

/// Every secret in cassette `text`, by line.
pub(crate) fn scan(text: &str, extra: &UserPatterns) -> Vec<Leak> {
    let mut leaks = Vec::new();
    let mut streams: BTreeMap<String, Stream> = BTreeMap::new();
    let mut sign_in = SignIn::default();
    let mut run = 0;
    for (index, line) in text.lines().enumerate() {
        let number = index + 1;
        let Ok(value) = serde_json::from_str::<Value>(line) else {
            if let Some(what) = looks_secret(line, extra) {
                leaks.push(Leak {
                    lines: vec![number],
                    field: "$".to_owned(),
                    what,
                    sign_in: false,
                });
            }
            continue;
        };
        let auth = sign_in.note(&value);
        if let Some((field, what)) = line_secret(&value, number, extra) {
            leaks.push(Leak {
                lines: vec![number],
                field,
                what,
                sign_in: auth,
            });
        }
        chunks_of(&value, number, &mut run, &mut streams);
    }
    for stream in streams.into_values() {
        leaks.extend(stream.leaks(extra));
    }
    leaks.sort_by_key(|l| l.lines[0]);
    leaks
}

/// The first secret in the cassette line `value` (line `number`): the built-in kinds anywhere,
/// the project's own patterns `extra` in session text only (the header's `record_command`; an
/// entry's fields but its envelope, see [`is_session_field`]; exec arguments past the program
/// and flags).
fn line_secret(value: &Value, number: usize, extra: &UserPatterns) -> Option<(String, String)> {
    if let Some(found) = first_secret(value, &mut String::from("$"), &[]) {
        return Some(found);
    }
    if extra.is_empty() {
        return None;
    }
    let Value::Object(map) = value else {
        return None;
    };
    let header = number == 1 && map.contains_key("cassette");
    map.iter().find_map(|(key, v)| {
        let mut path = format!("$.{key}");
        match (key.as_str(), v) {
            ("record_command", _) if header => first_secret(v, &mut path, extra),
            _ if header || !is_session_field(Some(key)) => None,
            ("args", Value::Array(args)) => args.iter().enumerate().find_map(|(i, arg)| {
                let text = arg.as_str()?;
                if i == 0 || text.starts_with('-') {
                    return None;
                }
                looks_secret(text, extra).map(|what| (format!("{path}[{i}]"), what))
            }),
            _ => first_secret(v, &mut path, extra),
        }
    })
}

/// The first secret among the strings of `value` (at JSON path `path`), and where; the
/// project's patterns `extra` skip envelope fields.
fn first_secret(
    value: &Value,
    path: &mut String,
    extra: &UserPatterns,
) -> Option<(String, String)> {
    match value {
        Value::String(text) => looks_secret(text, extra).map(|what| (path.clone(), what)),
        Value::Array(items) => items.iter().enumerate().find_map(|(i, v)| {
            let len = path.len();
            path.push_str(&format!("[{i}]"));
            let found = first_secret(v, path, extra);
            path.truncate(len);
            found
        }),
        Value::Object(map) => map.iter().find_map(|(key, v)| {
            let len = path.len();
            path.push('.');
            path.push_str(key);
            let found = match v {
                Value::String(text)
                    if is_secret_field(key) && !text.is_empty() && !text.starts_with("{{") =>
                {
                    Some((path.clone(), CREDENTIAL_FIELD.to_owned()))
                }
                _ if !is_session_field(Some(key)) => first_secret(v, path, &[]),
                _ => first_secret(v, path, extra),
            };
            path.truncate(len);
            found
        }),
        _ => None,
    }
}

/// The chunks of one stream: their text already joined, and each chunk's line and length, so a
/// stream costs its text and two numbers a chunk (not a string per chunk).
struct Stream {
    sep: &'static str,
    field: &'static str,
    joined: String,
    chunks: Vec<(usize, usize)>,
}

impl Stream {
    /// Adds the chunk `text` from line `number`.
    fn push(&mut self, number: usize, text: &str) {
        if !self.chunks.is_empty() {
            self.joined.push_str(self.sep);
        }
        self.joined.push_str(text);
        self.chunks.push((number, text.len()));
    }

    /// The secrets the chunks add up to that no one chunk holds whole.
    fn leaks(&self, extra: &UserPatterns) -> Vec<Leak> {
        if self.chunks.len() < 2 {
            return Vec::new();
        }
        let lens: Vec<usize> = self.chunks.iter().map(|&(_, len)| len).collect();
        let mut leaks = Vec::new();
        for hit in secret_kinds::find(&self.joined, extra) {
            let touched = chunks_touched(&lens, self.sep.len(), &hit.range);
            if touched.len() < 2 {
                continue;
            }
            let mut lines: Vec<usize> = touched.iter().map(|&i| self.chunks[i].0).collect();
            lines.dedup();
            leaks.push(Leak {
                lines,
                field: self.field.to_owned(),
                what: hit.what,
                sign_in: false,
            });
        }
        leaks
    }
}

/// Files the stream chunks of one cassette line (`number`) under their stream. `run` counts the
/// exec runs seen so far.
fn chunks_of(line: &Value, number: usize, run: &mut usize, streams: &mut BTreeMap<String, Stream>) {
    let kind = line.get("kind").and_then(Value::as_str).unwrap_or_default();
    let mut add = |key: String, sep, field, text: &str| {
        streams
            .entry(key)
            .or_insert_with(|| Stream {
                sep,
                field,
                joined: String::new(),
                chunks: Vec::new(),
            })
            .push(number, text);
    };
    match kind {
        "invocation" => *run += 1,
        "s2c" => {
            let msg = &line["msg"];
            if let (Some(key), Some(delta)) = (delta_key(msg), msg.pointer("/params/delta")) {
                let conv = line.get("conv").and_then(Value::as_str).unwrap_or_default();
                let text = delta.as_str().unwrap_or_default();
                add(format!("{conv} {key}"), "", "$.msg.params.delta", text);
            }
        }
        "stdout_text" => {
            let text = line.get("text").and_then(Value::as_str).unwrap_or_default();
            add(format!("stdout {run}"), "\n", "$.text", text);
        }
        "exit" => {
            let tail = line.get("stderr_tail").and_then(Value::as_array);
            for text in tail.into_iter().flatten().filter_map(Value::as_str) {
                add(format!("stderr {number}"), "\n", "$.stderr_tail", text);
            }
        }
        _ => {}
    }
}

/// Which lines are Codex's own sign-in traffic: requests whose method is about accounts, login or
/// auth, and the responses to them.
#[derive(Default)]
struct SignIn {
    requests: HashSet<String>,
}

impl SignIn {
    fn note(&mut self, line: &Value) -> bool {
        let Some(msg) = line.get("msg") else {
            return false;
        };
        let conv = line.get("conv").and_then(Value::as_str).unwrap_or_default();
        let id = msg.get("id").map(|id| format!("{conv} {id}"));
        match msg.get("method").and_then(Value::as_str) {
            Some(method) => {
                let lower = method.to_ascii_lowercase();
                let auth = lower.starts_with("account/")
                    || lower.contains("login")
                    || lower.contains("auth");
                if let (true, Some(id)) = (auth, id) {
                    self.requests.insert(id);
                }
                auth
            }
            None => id.is_some_and(|id| self.requests.contains(&id)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> String {
        format!("ghp_{}", "a1B2".repeat(9))
    }

    #[test]
    fn a_key_split_across_the_deltas_of_one_item_is_found_with_its_lines() {
        let key = key();
        let (a, b) = key.split_at(6);
        let line = |delta: &str| {
            format!(
                r#"{{"kind":"s2c","conv":"c1","turn":0,"msg":{{"method":"item/agentMessage/delta","params":{{"delta":"{delta}","itemId":"{{{{item:1}}}}"}}}}}}"#
            )
        };
        let text = format!("{{}}\n{}\n{}\n{}\n", line("see "), line(a), line(b));
        let leaks = scan(&text, &[]);
        assert_eq!(leaks.len(), 1, "{leaks:?}");
        assert_eq!(leaks[0].lines, [3, 4]);
        assert_eq!(leaks[0].field, "$.msg.params.delta");
        assert!(leaks[0].what.contains("GitHub"), "{:?}", leaks[0]);
    }

    #[test]
    fn a_key_block_split_across_an_exec_runs_text_lines_is_found() {
        let text = [
            r#"{"cassette":"prompt-diary","kind":"exec"}"#,
            r#"{"kind":"invocation","args":[],"stdin":"","output_schema":null}"#,
            r#"{"kind":"stdout_text","text":"-----BEGIN EC PRIVATE KEY-----"}"#,
            r#"{"kind":"stdout_text","text":"MHcCAQEEIIm0AiQ2xKxq"}"#,
            r#"{"kind":"stdout_text","text":"-----END EC PRIVATE KEY-----"}"#,
        ]
        .join("\n");
        let leaks = scan(&text, &[]);
        assert_eq!(leaks.len(), 1, "{leaks:?}");
        assert_eq!(leaks[0].lines, [3, 4, 5]);
    }

    #[test]
    fn only_codex_sign_in_traffic_suggests_codex_login() {
        let text = [
            r#"{"kind":"s2c","conv":"backend","turn":null,"msg":{"id":"{{sreq:1}}","method":"account/chatgptAuthTokens/refresh","params":{}}}"#,
            r#"{"kind":"c2s","conv":"backend","turn":null,"msg":{"id":"{{sreq:1}}","result":{"accessToken":"opaque"}}}"#,
            r#"{"kind":"s2c","conv":"c1","turn":0,"msg":{"method":"warning","params":{"apiKey":"opaque"}}}"#,
        ]
        .join("\n");
        let leaks = scan(&text, &[]);
        assert_eq!(leaks.len(), 2, "{leaks:?}");
        assert!(leaks[0].sign_in && !leaks[1].sign_in, "{leaks:?}");
        let err = refuse(Path::new("x.jsonl"), &text, &[])
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("line 2 still contains an authorization or API key field")
                && err.contains("(at $.msg.result.accessToken)")
                && err.contains("codex login"),
            "{err}"
        );
        let err = refuse(Path::new("x.jsonl"), text.lines().nth(2).unwrap(), &[])
            .unwrap_err()
            .to_string();
        assert!(!err.contains("codex login"), "{err}");
    }
}
