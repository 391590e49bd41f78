//! Exec cassettes: the `codex exec` runs of one thread (its first run, then its `resume` runs),
//! one JSON object per line.
//!
//! ```text
//! {"cassette":"prompt-diary","format":1,"kind":"exec","scenario":"s","codex_version":"0.171.0",...}
//! {"kind":"invocation","args":["exec","--json","--cd","{{workspace}}","-"],"stdin":"Write a.md","output_schema":null}
//! {"kind":"stdout","json":{"thread_id":"{{thread:1}}","type":"thread.started"}}
//! {"kind":"effects","effects":[{"op":"write","path":"a.md","text":"..."}]}
//! {"kind":"last_message","text":"Done."}
//! {"kind":"exit","code":0,"status":"exit status: 0","stderr_tail":[]}
//! ```
//!
//! An `invocation` line opens a run and its `exit` line closes it. See `docs/cassette-format.md`.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::cassette::CassetteError;
use crate::cassette::effects::{Effect, check_path};
use crate::cassette::envelope::{EXEC_KIND, header_json, read, second_header};
use crate::cassette::header::{Header, Kind};

/// What identifies a run: its normalised command line, stdin and output schema.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct ExecCall {
    /// The command line without the program name, paths and the thread id as placeholders.
    pub args: Vec<String>,
    /// What the caller wrote on stdin (normalised, redacted).
    pub stdin: String,
    /// The contents of the `--output-schema` file, if one was given.
    pub output_schema: Option<Value>,
}

impl ExecCall {
    /// The call as JSON, with the keys its serialisation has, built directly (nothing to fail).
    pub(crate) fn to_json(&self) -> Value {
        let mut map = serde_json::Map::new();
        let args = self.args.iter().cloned().map(Value::String).collect();
        map.insert("args".to_owned(), Value::Array(args));
        map.insert("stdin".to_owned(), Value::String(self.stdin.clone()));
        let schema = self.output_schema.clone().unwrap_or(Value::Null);
        map.insert("output_schema".to_owned(), schema);
        Value::Object(map)
    }
}

/// One line of a run's standard output.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum StdoutLine {
    /// A JSON event (normalised).
    Json(Value),
    /// A line that is not JSON (without `--json`).
    Text(String),
}

/// How a run ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct ExecExit {
    /// The exit code (`None` when killed by a signal; replayed as 1).
    pub code: Option<i32>,
    /// The exit status as text.
    pub status: String,
    /// The last stderr lines (normalised, redacted).
    pub stderr_tail: Vec<String>,
}

/// One recorded `codex exec` run.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ExecInvocation {
    /// The 1-based line of its `invocation` line (0 before it is written).
    pub line: usize,
    /// What identifies it.
    pub call: ExecCall,
    /// Its standard output, line by line.
    pub stdout: Vec<StdoutLine>,
    /// What it changed in its working directory.
    pub effects: Vec<Effect>,
    /// What it wrote to its `-o` file, if it was given one.
    pub last_message: Option<String>,
    /// How it ended.
    pub exit: ExecExit,
}

/// A parsed exec cassette.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ExecCassette {
    /// Where it was read from (or will be written to).
    pub path: PathBuf,
    /// The header.
    pub header: Header,
    /// The runs, in recording order.
    pub invocations: Vec<ExecInvocation>,
}

/// One body line, as written.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
enum Line {
    Invocation {
        args: Vec<String>,
        stdin: String,
        output_schema: Option<Value>,
    },
    Stdout {
        json: Value,
    },
    StdoutText {
        text: String,
    },
    Effects {
        effects: Vec<Effect>,
    },
    LastMessage {
        text: String,
    },
    Exit {
        code: Option<i32>,
        status: String,
        stderr_tail: Vec<String>,
    },
}

/// A header for a new exec recording: the built-in redaction rules, no record command yet.
pub(crate) fn new_header(scenario: &str, codex_version: &str, recorded_at: String) -> Header {
    let mut header = Header::new(Kind::Exec, scenario, codex_version, recorded_at);
    header.redactions = crate::cassette::normalize::redact::RULES
        .iter()
        .map(|r| (*r).to_owned())
        .collect();
    header
}

impl ExecCassette {
    /// Reads and checks an exec cassette; a missing file names `record_hint`.
    pub(crate) fn load(path: &Path, record_hint: &str) -> Result<Self, CassetteError> {
        Self::parse(path, &read(path, record_hint)?)
    }

    /// Parses exec cassette text: the header, every line, every effect path.
    pub(crate) fn parse(path: &Path, text: &str) -> Result<Self, CassetteError> {
        let bad = |line: usize, reason: String| CassetteError::BadLine {
            path: path.to_owned(),
            line,
            reason,
        };
        let mut lines = text.split_inclusive('\n').enumerate();
        let Some((_, first)) = lines.next() else {
            return Err(CassetteError::Empty {
                path: path.to_owned(),
            });
        };
        let header = parse_header(path, first.trim_end())?;
        let mut invocations = Vec::new();
        let mut open: Option<ExecInvocation> = None;
        let mut last = 1;
        for (index, raw) in lines {
            let number = index + 1;
            last = number;
            let line = raw.trim_end();
            if line.is_empty() {
                continue;
            }
            if !raw.ends_with('\n') {
                return Err(bad(
                    number,
                    "the last line has no newline: the file looks truncated".into(),
                ));
            }
            let parsed: Line = serde_json::from_str(line).map_err(|err| {
                let reason = second_header(line)
                    .unwrap_or_else(|| format!("not an exec cassette entry ({err})"));
                bad(number, reason)
            })?;
            take_line(parsed, number, &mut open, &mut invocations)
                .map_err(|reason| bad(number, reason))?;
        }
        if let Some(run) = open {
            return Err(bad(
                last,
                format!(
                    "the invocation at line {} has no `exit` line: the file looks truncated",
                    run.line
                ),
            ));
        }
        Ok(Self {
            path: path.to_owned(),
            header,
            invocations,
        })
    }

    /// The cassette as text, each line ending in a newline; invocation line numbers are updated.
    pub(crate) fn render(&mut self) -> String {
        let mut out = serde_json::to_string(&self.header).unwrap_or_default();
        out.push('\n');
        let mut number = 1;
        let mut push = |out: &mut String, line: &Line| {
            out.push_str(&serde_json::to_string(line).unwrap_or_default());
            out.push('\n');
            number += 1;
            number
        };
        for run in &mut self.invocations {
            let call = run.call.clone();
            run.line = push(
                &mut out,
                &Line::Invocation {
                    args: call.args,
                    stdin: call.stdin,
                    output_schema: call.output_schema,
                },
            );
            for line in &run.stdout {
                push(
                    &mut out,
                    &match line {
                        StdoutLine::Json(json) => Line::Stdout { json: json.clone() },
                        StdoutLine::Text(text) => Line::StdoutText { text: text.clone() },
                    },
                );
            }
            if !run.effects.is_empty() {
                push(
                    &mut out,
                    &Line::Effects {
                        effects: run.effects.clone(),
                    },
                );
            }
            if let Some(text) = &run.last_message {
                push(&mut out, &Line::LastMessage { text: text.clone() });
            }
            push(
                &mut out,
                &Line::Exit {
                    code: run.exit.code,
                    status: run.exit.status.clone(),
                    stderr_tail: run.exit.stderr_tail.clone(),
                },
            );
        }
        out
    }

    /// The text two recordings are compared in: the recording date blanked, and each run's
    /// stderr tail left out (what the host logged, `cassette::host`: where `CODEX_HOME` and the
    /// helper binaries live, the sandbox it found).
    pub(crate) fn comparable_text(&self) -> String {
        let mut copy = self.clone();
        copy.header.recorded_at.clear();
        for run in &mut copy.invocations {
            run.exit.stderr_tail.clear();
        }
        copy.render()
    }
}

/// Checks and reads the header line.
fn parse_header(path: &Path, first: &str) -> Result<Header, CassetteError> {
    let (value, bad) = header_json(path, first)?;
    if value.get("kind").and_then(Value::as_str) != Some(EXEC_KIND) {
        return Err(bad(
            "this is an app-server cassette, not an exec one (its header has no \"kind\": \"exec\"); \
             replay it with a `codex app-server` client, or re-record it with `codex exec`"
                .to_owned(),
        ));
    }
    serde_json::from_value(value).map_err(|err| bad(format!("the header is incomplete ({err})")))
}

/// Takes one parsed line into the run that is open (or opens one); the reason when the line
/// does not fit where it is.
fn take_line(
    parsed: Line,
    number: usize,
    open: &mut Option<ExecInvocation>,
    invocations: &mut Vec<ExecInvocation>,
) -> Result<(), String> {
    match (parsed, open.as_mut()) {
        (
            Line::Invocation {
                args,
                stdin,
                output_schema,
            },
            None,
        ) => {
            *open = Some(ExecInvocation {
                line: number,
                call: ExecCall {
                    args,
                    stdin,
                    output_schema,
                },
                stdout: Vec::new(),
                effects: Vec::new(),
                last_message: None,
                exit: ExecExit {
                    code: None,
                    status: String::new(),
                    stderr_tail: Vec::new(),
                },
            });
        }
        (Line::Invocation { .. }, Some(run)) => {
            return Err(format!(
                "a new invocation before the `exit` line of the one at line {}",
                run.line
            ));
        }
        (_, None) => {
            return Err("a run's line before its `invocation` line".into());
        }
        (Line::Stdout { json }, Some(run)) => run.stdout.push(StdoutLine::Json(json)),
        (Line::StdoutText { text }, Some(run)) => run.stdout.push(StdoutLine::Text(text)),
        (Line::Effects { effects }, Some(run)) => {
            for effect in &effects {
                check_path(effect.path()).map_err(|err| err.to_string())?;
            }
            run.effects.extend(effects);
        }
        (Line::LastMessage { text }, Some(run)) => run.last_message = Some(text),
        (
            Line::Exit {
                code,
                status,
                stderr_tail,
            },
            Some(run),
        ) => {
            run.exit = ExecExit {
                code,
                status,
                stderr_tail,
            };
            invocations.extend(open.take());
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_call_as_json_is_its_serialisation() {
        for output_schema in [None, Some(serde_json::json!({"type": "object"}))] {
            let call = ExecCall {
                args: vec!["exec".to_owned(), "-".to_owned()],
                stdin: "Write a.md".to_owned(),
                output_schema,
            };
            assert_eq!(call.to_json(), serde_json::to_value(&call).unwrap());
        }
    }

    const HEADER: &str = r#"{"cassette":"prompt-diary","format":1,"kind":"exec","scenario":"s","codex_version":"0.163.0","recorded_at":"2026-01-01","redactions":[],"record_command":"r"}"#;
    const RUN: &str = r#"{"kind":"invocation","args":["exec","--json","-"],"stdin":"hi","output_schema":null}
{"kind":"stdout","json":{"thread_id":"{{thread:1}}","type":"thread.started"}}
{"kind":"effects","effects":[{"op":"write","path":"a.md","text":"x"}]}
{"kind":"exit","code":0,"status":"exit status: 0","stderr_tail":[]}
"#;

    fn parse(text: &str) -> Result<ExecCassette, CassetteError> {
        ExecCassette::parse(Path::new("c.jsonl"), text)
    }

    #[test]
    fn an_exec_cassette_round_trips() {
        let text = format!("{HEADER}\n{RUN}");
        let mut cassette = parse(&text).unwrap();
        assert_eq!(cassette.invocations.len(), 1);
        assert_eq!(cassette.invocations[0].line, 2);
        assert_eq!(cassette.render(), text);
    }

    #[test]
    fn a_parent_path_in_effects_a_truncated_run_and_an_app_server_cassette_are_refused() {
        let escape = format!("{HEADER}\n{}", RUN.replace("a.md", "../a.md"));
        let err = parse(&escape).unwrap_err().to_string();
        assert!(err.contains("c.jsonl:4") && err.contains("`..`"), "{err}");
        let truncated = format!(
            "{HEADER}\n{}",
            RUN.lines().take(2).collect::<Vec<_>>().join("\n") + "\n"
        );
        let err = parse(&truncated).unwrap_err().to_string();
        assert!(err.contains("has no `exit` line"), "{err}");
        let app_server = HEADER.replace(",\"kind\":\"exec\"", "") + "\n";
        let err = parse(&app_server).unwrap_err().to_string();
        assert!(
            err.contains("app-server cassette, not an exec one"),
            "{err}"
        );
        let err = crate::cassette::Cassette::parse(Path::new("c.jsonl"), &format!("{HEADER}\n"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("this is an exec cassette"), "{err}");
    }
}
