//! Divergence reports: what the client sent that the cassette did not expect, and where.

use std::fmt::Write as _;
use std::path::PathBuf;

use serde_json::Value;
use similar::TextDiff;

/// How many differing paths a report lists.
const MAX_PATHS: usize = 20;

/// The client did something the cassette does not contain.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{report}")]
pub struct Divergence {
    /// The full, readable report.
    pub report: String,
}

/// Where in the cassette the expectation lives.
#[derive(Debug, Clone)]
pub struct Location {
    /// The cassette file.
    pub path: PathBuf,
    /// The line of the expected message (0 when there is none).
    pub line: usize,
    /// The conversation label.
    pub conv: String,
    /// The turn index within the conversation, if any.
    pub turn: Option<u32>,
}

impl Divergence {
    /// A message that differs from the one expected.
    pub fn mismatch(at: &Location, expected: &Value, actual: &Value, record_command: &str) -> Self {
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
        let diff = TextDiff::from_lines(&expected_text, &actual_text);
        let unified = diff
            .unified_diff()
            .context_radius(3)
            .header("recorded", "sent now")
            .to_string();
        for line in unified.lines() {
            let _ = writeln!(report, "    {line}");
        }
        Self::finish(report, record_command)
    }

    /// A message when the cassette expected nothing more (or something else entirely).
    pub fn unexpected(at: &Location, what: &str, actual: &Value, record_command: &str) -> Self {
        let mut report = at.heading(&format!(": {what}"));
        let _ = writeln!(report, "  sent now:");
        for line in pretty(actual).lines() {
            let _ = writeln!(report, "    {line}");
        }
        Self::finish(report, record_command)
    }

    fn finish(mut report: String, record_command: &str) -> Self {
        let _ = write!(
            report,
            "  if the change is intended, re-record with: {record_command}"
        );
        Self { report }
    }

    /// Recorded interactions nobody asked for.
    pub fn unused(
        path: &std::path::Path,
        leftovers: &[(String, usize, String)],
        record_command: &str,
    ) -> Self {
        let mut report = String::new();
        let _ = writeln!(
            report,
            "replay ended with recorded interactions unused in {}:",
            path.display()
        );
        for (conv, line, what) in leftovers {
            let _ = writeln!(report, "  conversation {conv}: line {line}: {what}");
        }
        let _ = write!(
            report,
            "  the code under test did less than when the cassette was recorded; if that is intended, re-record with: {record_command}"
        );
        Self { report }
    }
}

impl Location {
    /// The first two lines of a report: where, and in which conversation and turn.
    fn heading(&self, detail: &str) -> String {
        format!(
            "replay diverged from the cassette {}:{}\n  conversation {}, turn {}{detail}\n",
            self.path.display(),
            self.line,
            self.conv,
            turn_text(self.turn)
        )
    }
}

fn turn_text(turn: Option<u32>) -> String {
    turn.map_or_else(|| "before the first turn".to_owned(), |t| t.to_string())
}

fn pretty(value: &Value) -> String {
    let mut text = serde_json::to_string_pretty(value).unwrap_or_default();
    text.push('\n');
    text
}

/// Collects the JSON paths where `a` and `b` differ.
pub fn diff_paths(at: &str, a: &Value, b: &Value, out: &mut Vec<String>) {
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
            conv: "c2".into(),
            turn: Some(1),
        };
        let expected = json!({"method": "turn/start", "params": {"input": [{"type": "text", "text": "Write it"}]}});
        let actual = json!({"method": "turn/start", "params": {"input": [{"type": "text", "text": "Write it now"}]}});
        let report = Divergence::mismatch(&at, &expected, &actual, "just record-fixtures").report;
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
    }
}
