//! Checking a folder of cassettes: each parses, carries the current format version, holds no
//! secret, and was recorded by the expected Codex version and protocol schema. Pending `.new`
//! re-recordings are listed.

use std::fmt;
use std::path::{Path, PathBuf};

use crate::cassette::kind::AnyCassette;
use crate::cassette::normalize::redact::RULES;
use crate::cassette::normalize::secret_scan::scan;
use crate::cassette::pending::{PendingRecording, list_pending};
use crate::cassette::{CassetteError, RedactRule};

/// What every cassette must have been recorded with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Expectations {
    /// The Codex version (the pinned one).
    pub codex_version: String,
    /// The protocol schema fingerprint of the installed binary and where that binary is, when a
    /// binary was found; `None` skips the schema check.
    pub schema: Option<(String, PathBuf)>,
    /// The project's own secret patterns (`[[redact]]`), checked besides the built-in kinds.
    pub redact: Vec<RedactRule>,
}

/// One thing wrong with one cassette.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Problem {
    /// The cassette.
    pub path: PathBuf,
    /// What is wrong, where, and what to do: one paragraph.
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path.display(), self.message)
    }
}

/// What [`verify_dir`] found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct VerifyReport {
    /// The cassettes looked at.
    pub checked: Vec<PathBuf>,
    /// Everything wrong with them.
    pub problems: Vec<Problem>,
    /// Re-recordings waiting for review.
    pub pending: Vec<PendingRecording>,
}

impl VerifyReport {
    /// Whether every cassette passed.
    pub(crate) fn ok(&self) -> bool {
        self.problems.is_empty()
    }
}

/// Checks every `*.jsonl` cassette in `dir` and the folders below it against `expect`.
pub(crate) fn verify_dir(dir: &Path, expect: &Expectations) -> Result<VerifyReport, CassetteError> {
    let checked = super::pending::files_under(dir, ".jsonl")?;
    let problems = checked
        .iter()
        .flat_map(|path| verify_file(path, expect))
        .collect();
    Ok(VerifyReport {
        checked,
        problems,
        pending: list_pending(dir)?,
    })
}

/// Checks one cassette; an empty list means it passed.
pub(super) fn verify_file(path: &Path, expect: &Expectations) -> Vec<Problem> {
    let problem = |message: String| Problem {
        path: path.to_owned(),
        message,
    };
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(err) => return vec![problem(format!("could not be read ({err})"))],
    };
    let mut problems = Vec::new();
    for name in unknown_rules(&text, &expect.redact) {
        problems.push(problem(format!(
            "its header lists the redaction rule `{name}`, which the project file does not \
             define, so its secrets cannot be checked: add the `[[redact]]` rule named {name:?} \
             back to prompt-diary.toml, or re-record the cassette"
        )));
    }
    if let Some(found) = secrets_found(&text, &expect.redact) {
        problems.push(problem(format!(
            "{found}. A cassette must never hold a secret: delete the file, revoke the secret, \
             and re-record (recording redacts keys and tokens, however a stream splits them)"
        )));
    }
    let cassette = match AnyCassette::check(path, &text) {
        Ok(cassette) => cassette,
        Err(err) => {
            problems.push(problem(format!(
                "does not load: {err} (a pending `.new` re-recording, if there is one, \
                 replaces it with `prompt-diary accept`)"
            )));
            return problems;
        }
    };
    if cassette.codex_version() != expect.codex_version {
        let subject = match cassette {
            AnyCassette::AppServer(_) => "was",
            AnyCassette::Exec(_) => "this exec cassette was",
        };
        problems.push(problem(format!(
            "{subject} recorded with Codex {}, but this prompt-diary pins Codex {}. Re-record it \
             with the pinned version: {}",
            cassette.codex_version(),
            expect.codex_version,
            cassette.record_command()
        )));
    }
    // Exec cassettes hold no protocol schema fingerprint.
    if let (AnyCassette::AppServer(cassette), Some((fingerprint, bin))) =
        (&cassette, &expect.schema)
    {
        let header = &cassette.header;
        let recorded = header.schema_fingerprint().unwrap_or_default();
        if recorded != fingerprint {
            problems.push(problem(format!(
                "was recorded against the protocol schema {}, but the Codex binary at {} has {}. \
                 The protocol changed (or another Codex is installed): run `prompt-diary \
                 install-codex`, then re-record with: {}",
                recorded,
                bin.display(),
                fingerprint,
                header.record_command
            )));
        }
    }
    problems
}

/// The rules of the project's own that the header of cassette `text` lists (`redactions`) and
/// `known` does not define.
fn unknown_rules(text: &str, known: &[RedactRule]) -> Vec<String> {
    let header = text
        .lines()
        .next()
        .and_then(|line| serde_json::from_str::<serde_json::Value>(line).ok());
    let Some(serde_json::Value::Array(names)) = header.and_then(|h| h.get("redactions").cloned())
    else {
        return Vec::new();
    };
    names
        .iter()
        .filter_map(serde_json::Value::as_str)
        .filter(|name| !RULES.contains(name) && !known.iter().any(|r| r.name() == *name))
        .map(str::to_owned)
        .collect()
}

/// The secrets in cassette `text`, said in one sentence: which lines, what, where (a stream's
/// secret names every line that holds part of it); `None` when there is none.
fn secrets_found(text: &str, extra: &[RedactRule]) -> Option<String> {
    const SHOWN: usize = 5;
    let leaks = scan(text, extra);
    let mut said: Vec<String> = leaks
        .iter()
        .take(SHOWN)
        .map(|leak| {
            let split = if leak.lines.len() > 1 {
                ", split across the chunks of one stream"
            } else {
                ""
            };
            format!(
                "line(s) {} contain {} (at {}{split})",
                leak.line_list(),
                leak.what,
                leak.field
            )
        })
        .collect();
    if leaks.len() > SHOWN {
        said.push(format!("{} more", leaks.len() - SHOWN));
    }
    (!said.is_empty()).then(|| said.join("; "))
}
