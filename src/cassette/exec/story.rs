//! An exec cassette read by people: `prompt-diary inspect` prints its runs (command line, stdin,
//! schema, what the events say, files, exit), `review` compares a re-recording with it by that
//! reading, and `verify` checks it loads and was recorded by the pinned Codex.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde::Serialize;
use serde_json::Value;
use similar::TextDiff;

use crate::cassette::Effect;
use crate::cassette::exec::format::{ExecCassette, ExecInvocation, StdoutLine};
use crate::cassette::host::{environment_review, stderr_lines};
use crate::cassette::normalize::placeholder::{unescape_json, unescape_literals};

/// How many characters of a text (stdin, a message, a command's output) a story line shows.
const SHOWN: usize = 160;

/// One run as a story.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub(crate) struct RunStory {
    /// The run's `invocation` line.
    pub line: usize,
    /// The normalised command line, `codex` first.
    pub command: String,
    /// What the caller wrote on stdin.
    pub stdin: String,
    /// The `--output-schema` contents, when one was given.
    pub output_schema: Option<Value>,
    /// How many events of each type were printed.
    pub event_counts: BTreeMap<String, usize>,
    /// One line per completed item, turn end, failure or error, in order.
    pub events: Vec<String>,
    /// What the run did to its working directory.
    pub files: Vec<String>,
    /// The `-o` file's contents.
    pub last_message: Option<String>,
    /// The exit code (`None`: killed by a signal).
    pub exit_code: Option<i32>,
    /// The recorded stderr tail.
    pub stderr_tail: Vec<String>,
}

/// A whole exec cassette as a story.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub(crate) struct ExecStory {
    /// The scenario's name.
    pub scenario: String,
    /// The Codex version that recorded it.
    pub codex_version: String,
    /// The recording date.
    pub recorded_at: String,
    /// The runs, in recording order.
    pub runs: Vec<RunStory>,
}

impl ExecStory {
    /// Reads `cassette`.
    pub(crate) fn of(cassette: &ExecCassette) -> Self {
        Self {
            scenario: cassette.header.scenario.clone(),
            codex_version: cassette.header.codex_version.clone(),
            recorded_at: cassette.header.recorded_at.clone(),
            runs: cassette.invocations.iter().map(run_story).collect(),
        }
    }

    /// What the runs did, one line each, without the header and the stderr tails (for comparing
    /// recordings: stderr is the host's, `cassette::host`).
    fn what_happened(&self) -> String {
        let mut text = String::new();
        for (index, run) in self.runs.iter().enumerate() {
            write_run(&mut text, index + 1, run, false);
        }
        text
    }
}

impl std::fmt::Display for ExecStory {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(
            f,
            "exec cassette {:?}: Codex {}, recorded {}, {} run(s)",
            self.scenario,
            self.codex_version,
            self.recorded_at,
            self.runs.len()
        )?;
        let mut text = String::new();
        for (index, run) in self.runs.iter().enumerate() {
            write_run(&mut text, index + 1, run, true);
        }
        f.write_str(&text)
    }
}

fn write_run(out: &mut String, number: usize, run: &RunStory, with_lines: bool) {
    let at = if with_lines {
        format!(" (line {})", run.line)
    } else {
        String::new()
    };
    let _ = writeln!(out, "run {number}{at}: {}", run.command);
    // `clip` already shows a newline as `\n`: quoted as it is, not escaped twice.
    let _ = writeln!(
        out,
        "  stdin: \"{}\"",
        clip(&run.stdin).replace('"', "\\\"")
    );
    if let Some(schema) = &run.output_schema {
        let _ = writeln!(out, "  output schema: {}", clip(&schema.to_string()));
    }
    let counts: Vec<String> = run
        .event_counts
        .iter()
        .map(|(kind, n)| format!("{kind} x{n}"))
        .collect();
    let _ = writeln!(out, "  events: {}", counts.join(", "));
    for event in &run.events {
        let _ = writeln!(out, "    {event}");
    }
    for file in &run.files {
        let _ = writeln!(out, "  file: {file}");
    }
    if let Some(text) = &run.last_message {
        let _ = writeln!(out, "  -o file: {:?}", clip(text));
    }
    let code = run
        .exit_code
        .map_or_else(|| "killed by a signal".to_owned(), |c| format!("exit {c}"));
    if !with_lines {
        // Compared: the stderr tail is the host's, listed apart.
        let _ = writeln!(out, "  {code}");
        return;
    }
    let _ = writeln!(out, "  {code}, {} stderr line(s)", run.stderr_tail.len());
    if run.exit_code != Some(0) {
        for line in &run.stderr_tail {
            let _ = writeln!(out, "    stderr: {}", clip(line));
        }
    }
}

/// `run` as a story. Its texts read as they were written (`{{lbrace}}name}}` in the cassette is
/// `{{name}}`); the placeholders of volatile values stay placeholders.
fn run_story(run: &ExecInvocation) -> RunStory {
    let said = |text: &str| unescape_literals(text).into_owned();
    let mut event_counts = BTreeMap::new();
    let mut events = Vec::new();
    for line in &run.stdout {
        match line {
            StdoutLine::Json(event) => {
                let kind = event["type"].as_str().unwrap_or("(no type)").to_owned();
                if let Some(line) = event_line(&kind, &unescape_json(event)) {
                    events.push(line);
                }
                *event_counts.entry(kind).or_insert(0) += 1;
            }
            StdoutLine::Text(text) => {
                *event_counts.entry("(text)".to_owned()).or_insert(0) += 1;
                events.push(format!("text: {}", clip(&said(text))));
            }
        }
    }
    RunStory {
        line: run.line,
        command: std::iter::once("codex".to_owned())
            .chain(run.call.args.iter().map(|arg| said(arg)))
            .map(|word| shell_word(&word))
            .collect::<Vec<_>>()
            .join(" "),
        stdin: said(&run.call.stdin),
        output_schema: run
            .call
            .output_schema
            .as_ref()
            .map(|schema| unescape_json(schema).into_owned()),
        event_counts,
        events,
        files: run.effects.iter().map(file_line).collect(),
        last_message: run.last_message.as_deref().map(said),
        exit_code: run.exit.code,
        stderr_tail: run.exit.stderr_tail.iter().map(|line| said(line)).collect(),
    }
}

/// One readable line for the events worth a line: completed items, turn ends, errors.
fn event_line(kind: &str, event: &Value) -> Option<String> {
    let text = |v: &Value| clip(v.as_str().unwrap_or(""));
    match kind {
        "thread.started" => Some(format!("thread {}", text(&event["thread_id"]))),
        "item.completed" => {
            let item = &event["item"];
            Some(match item["type"].as_str().unwrap_or("") {
                "agent_message" => format!("message: {}", text(&item["text"])),
                "reasoning" => format!("reasoning: {}", text(&item["text"])),
                // The output counts: `review` shows a command whose output changed.
                "command_execution" => format!(
                    "command: {} (exit {}, {}){}",
                    text(&item["command"]),
                    item["exit_code"],
                    text(&item["status"]),
                    match text(&item["aggregated_output"]).as_str() {
                        "" => String::new(),
                        out => format!(", output: {out}"),
                    }
                ),
                "file_change" => {
                    let changes: Vec<String> = item["changes"]
                        .as_array()
                        .map(Vec::as_slice)
                        .unwrap_or_default()
                        .iter()
                        .map(|c| format!("{} {}", text(&c["kind"]), text(&c["path"])))
                        .collect();
                    format!("file change: {}", changes.join(", "))
                }
                "mcp_tool_call" => format!(
                    "MCP tool {}/{} ({})",
                    text(&item["server"]),
                    text(&item["tool"]),
                    text(&item["status"])
                ),
                "web_search" => format!("web search: {}", text(&item["query"])),
                "todo_list" => format!(
                    "todo list: {} item(s)",
                    item["items"].as_array().map_or(0, Vec::len)
                ),
                "error" => format!("error item: {}", text(&item["message"])),
                other => format!("{other} item"),
            })
        }
        "turn.completed" => {
            let usage = &event["usage"];
            Some(format!(
                "turn completed: {} input ({} cached), {} output tokens",
                usage["input_tokens"], usage["cached_input_tokens"], usage["output_tokens"]
            ))
        }
        "turn.failed" => Some(format!("turn failed: {}", text(&event["error"]["message"]))),
        "error" => Some(format!("error: {}", text(&event["message"]))),
        _ => None,
    }
}

fn file_line(effect: &Effect) -> String {
    match effect {
        Effect::Write { path, text } => {
            format!("wrote {path} ({} bytes)", unescape_literals(text).len())
        }
        Effect::Hashed { path, len, sha256 } => {
            format!(
                "wrote {path} ({len} bytes, sha256 {})",
                &sha256[..sha256.len().min(12)]
            )
        }
        Effect::Delete { path } => format!("deleted {path}"),
    }
}

fn shell_word(word: &str) -> String {
    let plain = !word.is_empty()
        && word
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./:=,{}@+".contains(c));
    if plain {
        word.to_owned()
    } else {
        format!("'{}'", word.replace('\'', r"'\''"))
    }
}

fn clip(text: &str) -> String {
    let one_line = text.replace('\n', "\\n");
    if one_line.chars().count() <= SHOWN {
        return one_line;
    }
    let cut: String = one_line.chars().take(SHOWN).collect();
    format!("{cut}...")
}

/// A re-recording of an exec cassette read against the committed one: the Codex version, then
/// what the runs did (unchanged, or the lines that changed, `-` committed and `+` re-recorded).
pub(crate) fn review_exec(committed: &ExecCassette, pending: &ExecCassette) -> String {
    let (old, new) = (ExecStory::of(committed), ExecStory::of(pending));
    let mut text = String::new();
    if old.codex_version != new.codex_version {
        let _ = writeln!(
            text,
            "Codex: {} -> {}",
            old.codex_version, new.codex_version
        );
    }
    let (before, after) = (old.what_happened(), new.what_happened());
    let environment = environment_review(&stderr_of(&old), &stderr_of(&new));
    if before == after {
        text.push_str("what the runs did: unchanged\n");
        let same = committed.comparable_text() == pending.comparable_text();
        if !same {
            text.push_str(
                "the raw lines differ in what the story leaves out (event fields, full texts): \
                 `prompt-diary review --raw` shows them\n",
            );
        }
        text.push_str(&environment);
        if same && !environment.is_empty() {
            text.push_str(
                "only the environment differs: the runs are the same as the committed ones\n",
            );
        }
        return text;
    }
    text.push_str("what the runs did (- committed, + re-recorded):\n");
    for change in TextDiff::from_lines(&before, &after).iter_all_changes() {
        let sign = match change.tag() {
            similar::ChangeTag::Equal => continue,
            similar::ChangeTag::Delete => '-',
            similar::ChangeTag::Insert => '+',
        };
        let _ = write!(text, "{sign} {change}");
    }
    text.push_str(&environment);
    text
}

/// Every run's stderr tail, one line each labelled with its run (`cassette::host`).
fn stderr_of(story: &ExecStory) -> Vec<String> {
    let mut lines = Vec::new();
    for (index, run) in story.runs.iter().enumerate() {
        let label = format!("run {} stderr", index + 1);
        lines.extend(stderr_lines(&label, &run.stderr_tail));
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    const CASSETTE: &str = r#"{"cassette":"prompt-diary","format":1,"kind":"exec","scenario":"notes","codex_version":"0.171.0","recorded_at":"2026-11-28","redactions":[],"record_command":"r"}
{"kind":"invocation","args":["exec","--json","-C","{{workspace}}","-"],"stdin":"Write notes.md","output_schema":null}
{"kind":"stdout","json":{"thread_id":"{{thread:1}}","type":"thread.started"}}
{"kind":"stdout","json":{"item":{"id":"item_0","type":"command_execution","command":"/bin/bash -lc 'printf x > notes.md'","exit_code":0,"status":"completed"},"type":"item.completed"}}
{"kind":"stdout","json":{"item":{"id":"item_1","type":"agent_message","text":"Wrote notes.md."},"type":"item.completed"}}
{"kind":"stdout","json":{"type":"turn.completed","usage":{"input_tokens":20,"cached_input_tokens":0,"output_tokens":5}}}
{"kind":"effects","effects":[{"op":"write","path":"notes.md","text":"x"}]}
{"kind":"exit","code":0,"status":"exit status: 0","stderr_tail":[]}
"#;

    fn cassette(text: &str) -> ExecCassette {
        ExecCassette::parse(Path::new("notes.jsonl"), text).unwrap()
    }

    #[test]
    fn inspect_tells_each_run_its_command_stdin_events_files_and_exit() {
        let story = ExecStory::of(&cassette(CASSETTE)).to_string();
        for expected in [
            "exec cassette \"notes\": Codex 0.171.0, recorded 2026-11-28, 1 run(s)",
            "run 1 (line 2): codex exec --json -C {{workspace}} -",
            "stdin: \"Write notes.md\"",
            "events: item.completed x2, thread.started x1, turn.completed x1",
            "command: /bin/bash -lc 'printf x > notes.md' (exit 0, completed)",
            "message: Wrote notes.md.",
            "turn completed: 20 input (0 cached), 5 output tokens",
            "file: wrote notes.md (1 bytes)",
            "exit 0, 0 stderr line(s)",
        ] {
            assert!(
                story.contains(expected),
                "{expected:?} missing from:\n{story}"
            );
        }
    }

    #[test]
    fn review_says_unchanged_or_shows_the_lines_that_changed() {
        let committed = cassette(CASSETTE);
        let same = cassette(&CASSETTE.replace("2026-11-28", "2026-12-01"));
        assert_eq!(
            review_exec(&committed, &same),
            "what the runs did: unchanged\n"
        );
        let changed = cassette(
            &CASSETTE
                .replace("Wrote notes.md.", "Done.")
                .replace("0.171.0", "0.172.0"),
        );
        let review = review_exec(&committed, &changed);
        assert!(
            review.starts_with("Codex: 0.171.0 -> 0.172.0\n"),
            "{review}"
        );
        assert!(
            review.contains("-     message: Wrote notes.md.\n"),
            "{review}"
        );
        assert!(review.contains("+     message: Done.\n"), "{review}");
        assert!(!review.contains("stdin"), "only changed lines: {review}");
    }

    #[test]
    fn a_run_whose_host_logged_otherwise_reviews_unchanged_with_its_stderr_apart() {
        let committed = cassette(CASSETTE);
        let elsewhere = cassette(&CASSETTE.replace(
            "\"stderr_tail\":[]",
            "\"stderr_tail\":[\"WARNING: proceeding, even though we could not create PATH aliases\"]",
        ));
        assert_eq!(committed.comparable_text(), elsewhere.comparable_text());
        let review = review_exec(&committed, &elsewhere);
        assert!(
            review.starts_with("what the runs did: unchanged\n"),
            "{review}"
        );
        assert!(
            review.contains(
                "  here, not when recorded: run 1 stderr: WARNING: proceeding, even though we could \
                 not create PATH aliases\n"
            ),
            "{review}"
        );
        assert!(review.contains("only the environment differs"), "{review}");
        assert!(!review.contains("review --raw"), "{review}");
    }
}
