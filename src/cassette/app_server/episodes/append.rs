//! Appending the conversations `new_episodes` recorded to the cassette it replayed: the new
//! recording (normalised, ordered and redacted like any) gives its conversations, relabelled
//! after the cassette's own; its connection-level lines (the real Codex's handshake) are left
//! out, since the cassette's own replay for the connection. Written atomically.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use serde_json::Value;

use crate::cassette::app_server::format::{BACKEND, Cassette, Entry};
use crate::cassette::normalize::threads;
use crate::cassette::{
    CassetteError, CassetteLock, LOCK_WAIT, RecordOptions, WriteOutcome, write_atomic,
};
use crate::transport::Message;

/// Appends the conversations of the cassette at `recorded` to the one at `options.path`.
pub(super) fn append_conversations(
    options: &RecordOptions,
    recorded: &Path,
) -> Result<WriteOutcome, CassetteError> {
    let path = &options.path;
    // Other writers of this cassette append too: one at a time, each to what the last wrote.
    let _lock = CassetteLock::acquire(path, LOCK_WAIT)?;
    let existing = Cassette::load(path, &options.record_command)?;
    let new = Cassette::load(recorded, &options.record_command)?;
    let Some(merged) = appended(existing, new) else {
        return Ok(WriteOutcome::Unchanged(path.clone()));
    };
    let text = merged.to_text();
    crate::cassette::normalize::secret_scan::refuse(path, &text, &[])?;
    write_atomic(path, &text)?;
    Ok(WriteOutcome::Written(path.clone()))
}

/// Checks that the cassette at `path` (its `text`) can be extended honestly: whole (its last
/// line ends, its `exit` line is there); the Codex version its header names.
pub(super) fn extendable(path: &Path, text: &str) -> Result<String, CassetteError> {
    let refuse = |what: &str| CassetteError::RecordingRefused {
        path: path.to_owned(),
        reason: format!(
            "new_episodes appends only to a whole cassette, and {what}: it looks cut short. \
             Re-record it (`prompt-diary rerecord {}`), or restore it from version control",
            path.display()
        ),
    };
    if !text.is_empty() && !text.ends_with('\n') {
        return Err(refuse("its last line ends without a newline"));
    }
    let cassette = Cassette::parse(path, text)?;
    if !cassette
        .entries
        .iter()
        .any(|(_, entry)| matches!(entry, Entry::Exit { .. }))
    {
        return Err(refuse("it has no `exit` line"));
    }
    Ok(cassette.header.codex_version)
}

/// Refuses to go on when the real Codex (its `initialize` `answer`) is another version than
/// `recorded`, the one that recorded the cassette at `path`: its conversations would be appended
/// under a header that names the old one.
pub(super) fn refuse_other_version(
    path: &Path,
    recorded: &str,
    answer: &Message,
) -> Result<(), CassetteError> {
    let agent = answer
        .outcome()
        .and_then(Result::ok)
        .and_then(|result| result.get("userAgent")?.as_str().map(str::to_owned))
        .unwrap_or_default();
    let live = agent
        .split_whitespace()
        .next()
        .and_then(|a| a.split_once('/'))
        .map_or("unknown", |(_, v)| v);
    if live == recorded {
        return Ok(());
    }
    Err(CassetteError::RecordingRefused {
        path: path.to_owned(),
        reason: format!(
            "new_episodes would append conversations recorded by Codex {live} to a cassette \
             recorded by Codex {recorded}; re-record the whole cassette on this Codex \
             (`prompt-diary rerecord {}`), or move the project to it with \
             `prompt-diary upgrade-codex --to {live}`",
            path.display()
        ),
    })
}

/// `existing` with the conversations of `new` after its own (before its exit line), each with a
/// label `existing` does not use; `None` when `new` holds no conversation.
pub(crate) fn appended(mut existing: Cassette, new: Cassette) -> Option<Cassette> {
    let mut taken: HashSet<String> = existing
        .entries
        .iter()
        .filter_map(|(_, entry)| entry.conv().map(str::to_owned))
        .collect();
    let mut relabel = HashMap::new();
    let mut next = taken.iter().filter(|label| *label != BACKEND).count() + 1;
    let mut added = Vec::new();
    for (_, mut entry) in new.entries {
        let Some(label) = entry.conv().filter(|conv| *conv != BACKEND) else {
            continue;
        };
        let label = relabel
            .entry(label.to_owned())
            .or_insert_with(|| {
                loop {
                    let candidate = format!("c{next}");
                    next += 1;
                    if taken.insert(candidate.clone()) {
                        break candidate;
                    }
                }
            })
            .clone();
        set_conv(&mut entry, &label);
        added.push(entry);
    }
    if added.is_empty() {
        return None;
    }
    renumber_conv_threads(&mut added, &relabel);
    let mut entries: Vec<Entry> = existing.entries.drain(..).map(|(_, e)| e).collect();
    let at = entries
        .iter()
        .position(|entry| matches!(entry, Entry::Exit { .. }))
        .unwrap_or(entries.len());
    entries.splice(at..at, added);
    existing.entries = entries
        .into_iter()
        .enumerate()
        .map(|(index, entry)| (index + 2, entry))
        .collect();
    Some(existing)
}

/// The `{{conv_thread:N}}` of the appended server lines, renumbered as their conversations were
/// relabelled (`relabel`: the recording's label → the cassette's).
fn renumber_conv_threads(added: &mut [Entry], relabel: &HashMap<String, String>) {
    let number = |label: &str| label.strip_prefix('c')?.parse::<usize>().ok();
    let numbers: HashMap<usize, usize> = relabel
        .iter()
        .filter_map(|(from, to)| Some((number(from)?, number(to)?)))
        .collect();
    for entry in added {
        if let Entry::S2c { msg, .. } = entry {
            threads::fill_threads(msg, &mut |n| {
                threads::conv_thread(numbers.get(&n).copied().unwrap_or(n))
            });
        }
    }
}

fn set_conv(entry: &mut Entry, label: &str) {
    match entry {
        Entry::C2s { conv, .. } | Entry::S2c { conv, .. } | Entry::Effects { conv, .. } => {
            label.clone_into(conv);
        }
        Entry::Exit { .. } => {}
    }
}

/// Replaces every string equal to `from` in `value` by `to`.
pub(super) fn swap_strings(value: &mut Value, from: &str, to: &str) {
    match value {
        Value::String(text) if text == from => to.clone_into(text),
        Value::Array(items) => items.iter_mut().for_each(|v| swap_strings(v, from, to)),
        Value::Object(map) => map.values_mut().for_each(|v| swap_strings(v, from, to)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: &str = r#"{"cassette":"prompt-diary","format":1,"scenario":"s","codex_version":"0.171.0","schema_fingerprint":"unknown","recorded_at":"2026-01-01","redactions":[],"record_command":"x"}"#;

    fn cassette(body: &[&str]) -> Cassette {
        let text: String = std::iter::once(HEADER)
            .chain(body.iter().copied())
            .map(|line| format!("{line}\n"))
            .collect();
        Cassette::parse(Path::new("c.jsonl"), &text).unwrap()
    }

    #[test]
    fn new_conversations_come_after_the_cassettes_own_before_its_exit() {
        let existing = cassette(&[
            r#"{"kind":"c2s","conv":"backend","turn":null,"msg":{"id":"{{req:1}}","method":"initialize"}}"#,
            r#"{"kind":"c2s","conv":"c1","turn":null,"msg":{"id":"{{req:1}}","method":"thread/start"}}"#,
            r#"{"kind":"exit","status":"exit status: 0","stderr_tail":[]}"#,
        ]);
        let new = cassette(&[
            r#"{"kind":"c2s","conv":"backend","turn":null,"msg":{"id":"{{req:1}}","method":"initialize","params":{"live":true}}}"#,
            r#"{"kind":"c2s","conv":"c1","turn":null,"msg":{"id":"{{req:1}}","method":"thread/start","params":{"new":1}}}"#,
            r#"{"kind":"effects","conv":"c1","turn":0,"effects":[]}"#,
            r#"{"kind":"exit","status":"exit status: 1","stderr_tail":["live"]}"#,
        ]);
        let merged = appended(existing, new).unwrap();
        let labels: Vec<(usize, Option<&str>)> = merged
            .entries
            .iter()
            .map(|(line, e)| (*line, e.conv()))
            .collect();
        assert_eq!(
            labels,
            [
                (2, Some("backend")),
                (3, Some("c1")),
                (4, Some("c2")),
                (5, Some("c2")),
                (6, None)
            ]
        );
        let text = merged.to_text();
        assert!(
            !text.contains("\"live\""),
            "the live handshake is left out: {text}"
        );
        assert!(text.contains("\"new\":1"), "{text}");
        assert!(
            text.contains("exit status: 0"),
            "the cassette's own exit stays"
        );
    }

    #[test]
    fn an_appended_line_naming_another_conversations_thread_follows_its_relabelling() {
        let existing = cassette(&[
            r#"{"kind":"c2s","conv":"c1","turn":null,"msg":{"id":"{{req:1}}","method":"thread/start"}}"#,
        ]);
        let new = cassette(&[
            r#"{"kind":"c2s","conv":"c1","turn":null,"msg":{"id":"{{req:1}}","method":"thread/start","params":{"n":1}}}"#,
            r#"{"kind":"s2c","conv":"c2","turn":null,"msg":{"method":"x","params":{"others":["{{conv_thread:1}}","{{conv_thread:2}}","{{conv_thread:9}}"]}}}"#,
        ]);
        let text = appended(existing, new).unwrap().to_text();
        assert!(
            text.contains(
                r#""others":["{{conv_thread:2}}","{{conv_thread:3}}","{{conv_thread:9}}"]"#
            ),
            "{text}"
        );
    }

    #[test]
    fn a_recording_without_conversations_appends_nothing() {
        let existing = cassette(&[r#"{"kind":"exit","status":"0","stderr_tail":[]}"#]);
        let new = cassette(&[
            r#"{"kind":"c2s","conv":"backend","turn":null,"msg":{"method":"initialized"}}"#,
        ]);
        assert!(appended(existing, new).is_none());
    }

    #[test]
    fn strings_are_swapped_whole_at_any_depth() {
        let mut value = serde_json::json!({"threadId": "a", "x": ["a", "ab", {"y": "a"}]});
        swap_strings(&mut value, "a", "b");
        assert_eq!(
            value,
            serde_json::json!({"threadId": "b", "x": ["b", "ab", {"y": "b"}]})
        );
    }
}
