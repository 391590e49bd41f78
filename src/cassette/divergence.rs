//! Divergence reports: what the client sent that the cassette did not expect, and where.

use std::borrow::Cow;
use std::fmt::Write as _;
use std::path::PathBuf;

use serde_json::Value;
use similar::TextDiff;

use crate::cassette::normalize::placeholder::unescape_literals;

/// How many differing paths a report lists.
const MAX_PATHS: usize = 20;

/// The client did something the cassette does not contain.
///
/// It reaches the caller typed: from the adapter's `AgentError::Backend` with
/// `downcast_ref::<Divergence>()`, from the stand-in's stderr as its [`report`](Self::report).
#[derive(Clone, PartialEq, thiserror::Error)]
#[error("{report}")]
#[non_exhaustive]
pub struct Divergence {
    /// The cassette file.
    pub cassette: PathBuf,
    /// The 1-based line of the recorded message the client's message was held against (0 when
    /// the cassette expected nothing more).
    pub line: usize,
    /// Where in the cassette: a conversation and turn, or an exec run.
    pub location: DivergenceLocation,
    /// The JSON paths where the sent message differs from the recorded one (empty when there was
    /// no recorded message to compare with).
    pub paths: Vec<String>,
    /// The recorded message, normalised (`None` when the cassette expected nothing here).
    pub recorded: Option<Value>,
    /// The message the client sent, normalised.
    pub sent: Value,
    /// A unified diff, recorded against sent (empty without a recorded message).
    pub diff: String,
    /// The command that re-records the cassette.
    pub record_command: String,
    report: String,
}

/// Where in a cassette a [`Divergence`] happened.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum DivergenceLocation {
    /// An app-server cassette's conversation, at a turn.
    Conversation {
        /// The conversation's label in the cassette (`c1`, `c2`, ..., or `backend`).
        label: String,
        /// The turn index within the conversation, `None` before the first turn.
        turn: Option<u32>,
    },
    /// An exec cassette's run (one `codex exec` invocation).
    ExecRun {
        /// The run's 1-based number among the cassette's runs (`0` when it holds none).
        number: usize,
        /// How many runs the cassette holds.
        of: usize,
    },
}

impl std::fmt::Display for DivergenceLocation {
    /// `conversation c2, turn 1`, or `exec run 2 of 3 (a `codex exec` invocation: ...)`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Conversation { label, turn } => {
                write!(f, "conversation {label}, turn {}", turn_text(*turn))
            }
            Self::ExecRun { of: 0, .. } => write!(f, "no exec run (the cassette holds none)"),
            Self::ExecRun { number, of } => write!(
                f,
                "exec run {number} of {of} (a `codex exec` invocation: its command line, stdin \
                 and output schema)"
            ),
        }
    }
}

/// Where in the cassette the expectation lives.
#[derive(Debug, Clone)]
pub(crate) struct Location {
    /// The cassette file.
    pub path: PathBuf,
    /// The line of the expected message (0 when there is none).
    pub line: usize,
    /// The conversation and turn, or the exec run.
    pub at: DivergenceLocation,
}

impl Divergence {
    /// A message that differs from the one expected.
    pub(crate) fn mismatch(
        at: &Location,
        expected: &Value,
        actual: &Value,
        record_command: &str,
    ) -> Self {
        let mut paths = Vec::new();
        diff_paths("$", expected, actual, &mut paths);
        let mut report = at.heading("");
        let _ = writeln!(report, "  differing JSON paths:");
        for path in paths.iter().take(MAX_PATHS) {
            let _ = writeln!(report, "    {path}");
        }
        if paths.len() > MAX_PATHS {
            let _ = writeln!(report, "    ... and {} more", paths.len() - MAX_PATHS);
        }
        let _ = writeln!(report, "  diff (- recorded, + sent now):");
        let expected_text = pretty(expected);
        let actual_text = pretty(actual);
        let diff = TextDiff::from_lines(&expected_text, &actual_text)
            .unified_diff()
            .context_radius(3)
            .header("recorded", "sent now")
            .to_string();
        for line in diff.lines() {
            let _ = writeln!(report, "    {line}");
        }
        Self::finish(
            at,
            paths,
            Some(expected),
            actual,
            diff,
            report,
            record_command,
        )
    }

    /// A message when the cassette expected nothing more (or something else entirely).
    pub(crate) fn unexpected(
        at: &Location,
        what: &str,
        actual: &Value,
        record_command: &str,
    ) -> Self {
        let mut report = at.heading(&format!(": {what}"));
        let _ = writeln!(report, "  sent now:");
        for line in pretty(actual).lines() {
            let _ = writeln!(report, "    {line}");
        }
        Self::finish(
            at,
            Vec::new(),
            None,
            actual,
            String::new(),
            report,
            record_command,
        )
    }

    fn finish(
        at: &Location,
        paths: Vec<String>,
        recorded: Option<&Value>,
        sent: &Value,
        diff: String,
        mut report: String,
        record_command: &str,
    ) -> Self {
        let _ = write!(
            report,
            "  if the change is intended, re-record with: {record_command}"
        );
        // The report reaches terminals (the stand-in's stderr, a test's failure): its text is the
        // cassette's, so control characters are shown escaped.
        let report = super::escape_controls(&report).into_owned();
        Self {
            cassette: at.path.clone(),
            line: at.line,
            location: at.at.clone(),
            paths,
            recorded: recorded.cloned(),
            sent: sent.clone(),
            diff,
            record_command: record_command.to_owned(),
            report,
        }
    }

    /// The whole readable report: where, what differs, the diff and the command that re-records.
    pub fn report(&self) -> &str {
        &self.report
    }
}

/// Replay ended with recorded interactions that the client never asked for: the code under test
/// did less than when the cassette was recorded.
#[derive(Clone, PartialEq, Eq, thiserror::Error)]
#[error("{report}")]
#[non_exhaustive]
pub struct UnusedInteractions {
    /// The cassette file.
    pub cassette: PathBuf,
    /// One per conversation left unfinished: its label, the line of the first client message that
    /// never came, and what that message was.
    pub leftovers: Vec<Leftover>,
    /// The command that re-records the cassette.
    pub record_command: String,
    report: String,
}

/// One conversation a replay left unfinished.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Leftover {
    /// The conversation's label in the cassette.
    pub conversation: String,
    /// The 1-based line of the first recorded client message that never came.
    pub line: usize,
    /// What it was (`the client's `turn/start` never came`).
    pub what: String,
}

impl UnusedInteractions {
    /// The report for `leftovers` (conversation, line, what) in the cassette at `path`.
    pub(crate) fn new(
        path: &std::path::Path,
        leftovers: Vec<(String, usize, String)>,
        record_command: &str,
    ) -> Self {
        let mut report = String::new();
        let _ = writeln!(
            report,
            "replay ended with recorded interactions unused in {}:",
            path.display()
        );
        for (conv, line, what) in &leftovers {
            let _ = writeln!(report, "  conversation {conv}: line {line}: {what}");
        }
        let _ = write!(
            report,
            "  the code under test did less than when the cassette was recorded; if that is intended, re-record with: {record_command}"
        );
        let report = super::escape_controls(&report).into_owned();
        Self {
            cassette: path.to_owned(),
            leftovers: leftovers
                .into_iter()
                .map(|(conversation, line, what)| Leftover {
                    conversation,
                    line,
                    what,
                })
                .collect(),
            record_command: record_command.to_owned(),
            report,
        }
    }

    /// The whole readable report.
    pub fn report(&self) -> &str {
        &self.report
    }
}

/// `Debug` is the report too: a test that returns the error (`Box<dyn Error>`) prints it with
/// `Debug`, and a struct dump would bury the report as one escaped string.
impl std::fmt::Debug for Divergence {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.report)
    }
}

/// `Debug` is the report, as for [`Divergence`].
impl std::fmt::Debug for UnusedInteractions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.report)
    }
}

impl Location {
    /// The first two lines of a report: where, and in which conversation and turn (or run).
    fn heading(&self, detail: &str) -> String {
        format!(
            "replay diverged from the cassette {}:{}\n  {}{detail}\n",
            self.path.display(),
            self.line,
            self.at
        )
    }
}

fn turn_text(turn: Option<u32>) -> String {
    turn.map_or_else(|| "before the first turn".to_owned(), |t| t.to_string())
}

/// `value` as the report shows it: pretty JSON, text the cassette keeps escaped as it was
/// written (`{{lbrace}}name}}` reads `{{name}}`; placeholders of volatile values stay).
fn pretty(value: &Value) -> String {
    let mut text = serde_json::to_string_pretty(value).unwrap_or_default();
    if let Cow::Owned(said) = unescape_literals(&text) {
        text = said;
    }
    text.push('\n');
    text
}

/// Collects the JSON paths where `a` and `b` differ.
pub(crate) fn diff_paths(at: &str, a: &Value, b: &Value, out: &mut Vec<String>) {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            let mut keys: Vec<&String> = x.keys().chain(y.keys()).collect();
            keys.sort();
            keys.dedup();
            for key in keys {
                let path = format!("{at}.{key}");
                match (x.get(key), y.get(key)) {
                    (Some(p), Some(q)) => diff_paths(&path, p, q, out),
                    (Some(_), None) => out.push(format!("{path} (missing now)")),
                    (None, Some(_)) => out.push(format!("{path} (new)")),
                    (None, None) => {}
                }
            }
        }
        (Value::Array(x), Value::Array(y)) => {
            for i in 0..x.len().max(y.len()) {
                let path = format!("{at}[{i}]");
                match (x.get(i), y.get(i)) {
                    (Some(p), Some(q)) => diff_paths(&path, p, q, out),
                    (Some(_), None) => out.push(format!("{path} (missing now)")),
                    (None, Some(_)) => out.push(format!("{path} (new)")),
                    (None, None) => {}
                }
            }
        }
        _ if a != b => out.push(at.to_owned()),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_mismatch_report_names_file_line_conversation_paths_diff_and_command() {
        let at = Location {
            path: "cassettes/x.jsonl".into(),
            line: 7,
            at: DivergenceLocation::Conversation {
                label: "c2".into(),
                turn: Some(1),
            },
        };
        let expected = json!({"method": "turn/start", "params": {"input": [{"type": "text", "text": "Write it"}]}});
        let actual = json!({"method": "turn/start", "params": {"input": [{"type": "text", "text": "Write it now"}]}});
        let divergence = Divergence::mismatch(&at, &expected, &actual, "just record-fixtures");
        assert_eq!(divergence.line, 7);
        assert_eq!(
            divergence.location,
            DivergenceLocation::Conversation {
                label: "c2".into(),
                turn: Some(1)
            }
        );
        assert_eq!(divergence.paths, ["$.params.input[0].text"]);
        let report = divergence.report().to_owned();
        assert!(report.contains("cassettes/x.jsonl:7"), "{report}");
        assert!(report.contains("conversation c2, turn 1"), "{report}");
        assert!(report.contains("$.params.input[0].text"), "{report}");
        let removed = report
            .lines()
            .any(|l| l.trim_start().starts_with('-') && l.contains("\"text\": \"Write it\""));
        let added = report
            .lines()
            .any(|l| l.trim_start().starts_with('+') && l.contains("\"text\": \"Write it now\""));
        assert!(removed && added, "{report}");
        assert!(
            report.contains("re-record with: just record-fixtures"),
            "{report}"
        );
        assert_eq!(
            format!("{divergence:?}"),
            report,
            "Debug is the report, not a struct dump"
        );
    }

    #[test]
    fn a_report_shows_escaped_text_as_written() {
        let at = Location {
            path: "x.jsonl".into(),
            line: 3,
            at: DivergenceLocation::Conversation {
                label: "c1".into(),
                turn: Some(0),
            },
        };
        let expected = json!({"text": "Fill {{lbrace}}name}} in {{workspace}}"});
        let actual = json!({"text": "Fill {{lbrace}}name}} in {{workspace}}/b"});
        let divergence = Divergence::mismatch(&at, &expected, &actual, "r");
        assert!(
            divergence
                .report()
                .contains("\"text\": \"Fill {{name}} in {{workspace}}\""),
            "{}",
            divergence.report()
        );
        assert!(
            !divergence.report().contains("lbrace"),
            "{}",
            divergence.report()
        );
        assert_eq!(
            divergence.recorded,
            Some(expected),
            "the typed values stay normalised"
        );
    }

    #[test]
    fn an_exec_run_report_names_the_run_and_its_number_without_a_turn() {
        let at = Location {
            path: "c/exec.jsonl".into(),
            line: 4,
            at: DivergenceLocation::ExecRun { number: 2, of: 3 },
        };
        let divergence =
            Divergence::mismatch(&at, &json!({"args": ["a"]}), &json!({"args": ["b"]}), "r");
        assert_eq!(
            divergence.location,
            DivergenceLocation::ExecRun { number: 2, of: 3 }
        );
        assert!(
            divergence.report().starts_with(
                "replay diverged from the cassette c/exec.jsonl:4\n  exec run 2 of 3 (a `codex \
                 exec` invocation: its command line, stdin and output schema)\n  differing JSON \
                 paths:\n    $.args[0]\n"
            ),
            "{}",
            divergence.report()
        );
        assert!(
            !divergence.report().contains("turn"),
            "{}",
            divergence.report()
        );
    }

    #[test]
    fn an_exec_cassette_without_runs_says_so_once() {
        let at = Location {
            path: "c/exec.jsonl".into(),
            line: 0,
            at: DivergenceLocation::ExecRun { number: 1, of: 0 },
        };
        let divergence =
            Divergence::unexpected(&at, "nothing to replay it against", &json!({}), "r");
        assert!(
            divergence.report().starts_with(
                "replay diverged from the cassette c/exec.jsonl:0\n  no exec run (the cassette \
                 holds none): nothing to replay it against\n  sent now:\n"
            ),
            "{}",
            divergence.report()
        );
        assert!(
            divergence.report().ends_with("re-record with: r"),
            "{}",
            divergence.report()
        );
    }
}
