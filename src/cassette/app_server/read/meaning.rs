//! A re-recording read by meaning ([`MeaningDiff`]): first what the agent did (prompts, replies,
//! commands and exit codes, files written, approvals and answers, errors, turn statuses), which a
//! pure Codex upgrade leaves unchanged; then the protocol's shape: the fields each message kind
//! gained or lost, each change said once for all the kinds that share it; then the message kinds
//! that appeared or vanished; last, apart, the host's messages that differ (environment, never a
//! change: `cassette::host`). `prompt-diary review` prints it; `--raw` keeps the line diff.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use serde_json::Value;
use similar::{ChangeTag, TextDiff};

use crate::cassette::app_server::format::{Cassette, Entry};
use crate::cassette::app_server::read::timeline::Timeline;
use crate::cassette::effects::{Effect, sha256_hex};
use crate::cassette::host::{
    HostSplit, environment_review, is_environment_notification, stderr_lines,
};

/// How a re-recording differs from the committed cassette, by meaning.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct MeaningDiff {
    /// What the agent did, line by line, that differs: `-` committed, `+` re-recorded. Empty
    /// when the agent did the same.
    pub agent: Vec<String>,
    /// How many conversations and turns were compared.
    pub turns: (usize, usize),
    /// Fields gained or lost, grouped by the message kinds that share the change.
    pub shape: Vec<ShapeChange>,
    /// Message kinds only the re-recording has.
    pub appeared: Vec<String>,
    /// Message kinds only the committed cassette has.
    pub vanished: Vec<String>,
    /// The host's messages that differ, as `review` lists them (empty when the same): read
    /// apart, never a change.
    pub environment: String,
}

/// Field paths gained and lost.
type Change = (Vec<String>, Vec<String>);

/// One change of protocol shape, shared by one or more message kinds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ShapeChange {
    /// The message kinds (`item/completed`, `response to thread/start`, ...).
    pub kinds: Vec<String>,
    /// Field paths (inside `params` or `result`) the re-recording has and the cassette had not.
    pub gained: Vec<String>,
    /// Field paths the cassette had and the re-recording has not.
    pub lost: Vec<String>,
    /// How many lines of the re-recording carry these kinds.
    pub lines: usize,
}

impl MeaningDiff {
    /// Compares the committed cassette `old` with the re-recording `new`.
    pub(crate) fn of(old: &Cassette, new: &Cassette) -> Self {
        let timeline = Timeline::of(new);
        let (old_facts, new_facts) = (facts(&Timeline::of(old)), facts(&timeline));
        let old_text = old_facts.join("\n") + "\n";
        let new_text = new_facts.join("\n") + "\n";
        let agent = TextDiff::from_lines(&old_text, &new_text)
            .iter_all_changes()
            .filter_map(|change| match change.tag() {
                ChangeTag::Equal => None,
                ChangeTag::Delete => Some(format!("- {}", change.value().trim_end())),
                ChangeTag::Insert => Some(format!("+ {}", change.value().trim_end())),
            })
            .collect();
        let turns = (timeline.conversations.len(), timeline.turns().count());
        let (old_shapes, new_shapes) = (shapes(old), shapes(new));
        let appeared = new_shapes
            .keys()
            .filter(|kind| !old_shapes.contains_key(*kind))
            .cloned()
            .collect();
        let vanished = old_shapes
            .keys()
            .filter(|kind| !new_shapes.contains_key(*kind))
            .cloned()
            .collect();
        // Each field change, with every kind (present in both) that shares it.
        let mut by_field: BTreeMap<(bool, String), Vec<String>> = BTreeMap::new();
        for (kind, (new_paths, _)) in &new_shapes {
            let Some((old_paths, _)) = old_shapes.get(kind) else {
                continue;
            };
            for path in new_paths.difference(old_paths) {
                by_field
                    .entry((true, path.clone()))
                    .or_default()
                    .push(kind.clone());
            }
            for path in old_paths.difference(new_paths) {
                by_field
                    .entry((false, path.clone()))
                    .or_default()
                    .push(kind.clone());
            }
        }
        // Fields grouped by the kinds that share them, so each change is said once.
        let mut grouped: BTreeMap<Vec<String>, Change> = BTreeMap::new();
        for ((gained, path), kinds) in by_field {
            let change = grouped.entry(kinds).or_default();
            if gained {
                change.0.push(path);
            } else {
                change.1.push(path);
            }
        }
        let shape = grouped
            .into_iter()
            .map(|(kinds, (gained, lost))| ShapeChange {
                lines: kinds.iter().map(|k| new_shapes[k].1).sum(),
                kinds,
                gained,
                lost,
            })
            .collect();
        Self {
            agent,
            turns,
            shape,
            appeared,
            vanished,
            environment: environment_review(&environment(old), &environment(new)),
        }
    }

    /// Whether nothing differs by meaning (the two may still differ in bytes).
    #[cfg(test)]
    pub(crate) fn is_empty(&self) -> bool {
        self.agent.is_empty()
            && self.shape.is_empty()
            && self.appeared.is_empty()
            && self.vanished.is_empty()
    }
}

impl fmt::Display for MeaningDiff {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (conversations, turns) = self.turns;
        if self.agent.is_empty() {
            writeln!(
                f,
                "what the agent did: unchanged ({conversations} conversation(s), {turns} turn(s))"
            )?;
        } else {
            writeln!(
                f,
                "what the agent did: CHANGED (- committed, + re-recorded)"
            )?;
            for line in &self.agent {
                writeln!(f, "  {line}")?;
            }
        }
        if self.shape.is_empty() {
            writeln!(f, "protocol shape: unchanged")?;
        } else {
            writeln!(f, "protocol shape:")?;
            for change in &self.shape {
                let kinds = quoted(&change.kinds);
                let mut parts = Vec::new();
                if !change.gained.is_empty() {
                    parts.push(format!("gained {}", quoted(&change.gained)));
                }
                if !change.lost.is_empty() {
                    parts.push(format!("lost {}", quoted(&change.lost)));
                }
                let plural = if change.lines == 1 { "" } else { "s" };
                writeln!(
                    f,
                    "  {kinds}: {} ({} line{plural})",
                    parts.join("; "),
                    change.lines
                )?;
            }
        }
        if !self.appeared.is_empty() {
            writeln!(f, "message kinds that appeared: {}", quoted(&self.appeared))?;
        }
        if !self.vanished.is_empty() {
            writeln!(f, "message kinds that vanished: {}", quoted(&self.vanished))?;
        }
        f.write_str(&self.environment)?;
        let same_session = self.agent.is_empty()
            && self.shape.is_empty()
            && self.appeared.is_empty()
            && self.vanished.is_empty();
        if same_session && !self.environment.is_empty() {
            writeln!(
                f,
                "only the environment differs: the session is the same as the committed one"
            )?;
        }
        Ok(())
    }
}

fn quoted(items: &[String]) -> String {
    items
        .iter()
        .map(|item| format!("`{item}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// What the agent did, one line per fact, without cassette line numbers or durations.
fn facts(timeline: &Timeline) -> Vec<String> {
    let mut lines = Vec::new();
    for conversation in &timeline.conversations {
        let label = &conversation.label;
        if !conversation.settings.is_empty() {
            lines.push(format!(
                "{label}: settings {}",
                Value::Object(conversation.settings.clone())
            ));
        }
        for turn in &conversation.turns {
            let at = format!("{label} turn {}", turn.index);
            lines.push(format!("{at}: prompt {:?}", turn.prompt));
            for event in &turn.events {
                lines.push(format!("{at}: {} {}", event.kind, event.summary));
            }
            for file in &turn.files {
                lines.push(format!("{at}: {}", describe(file)));
            }
            lines.push(format!(
                "{at}: ended {}{}",
                turn.status.as_deref().unwrap_or("never"),
                turn.error
                    .as_deref()
                    .map(|e| format!(" ({e})"))
                    .unwrap_or_default()
            ));
        }
    }
    lines
}

/// A file a turn wrote, with a fingerprint of its content.
fn describe(effect: &Effect) -> String {
    match effect {
        Effect::Write { path, text } => format!(
            "wrote {path} ({} bytes, sha256 {})",
            text.len(),
            &sha256_hex(text.as_bytes())[..12]
        ),
        Effect::Hashed { path, sha256, len } => {
            format!(
                "wrote {path} ({len} bytes, sha256 {})",
                &sha256[..12.min(sha256.len())]
            )
        }
        Effect::Delete { path } => format!("deleted {path}"),
    }
}

/// The host's messages in `cassette`, one readable line each, in order (`cassette::host`).
fn environment(cassette: &Cassette) -> Vec<String> {
    let mut host = HostSplit::default();
    let mut lines = Vec::new();
    for (_, entry) in &cassette.entries {
        match entry {
            Entry::C2s { conv, msg, .. } => lines.extend(host.environment_of(conv, true, msg)),
            Entry::S2c { conv, msg, .. } => lines.extend(host.environment_of(conv, false, msg)),
            Entry::Exit { stderr_tail, .. } => lines.extend(stderr_lines("stderr", stderr_tail)),
            Entry::Effects { .. } => {}
        }
    }
    lines
}

/// Per message kind: the field paths its messages carry, and how many messages there are
/// (the host's notifications left out: they are environment, not protocol shape).
fn shapes(cassette: &Cassette) -> BTreeMap<String, (BTreeSet<String>, usize)> {
    // Request ids are per conversation and direction: an answer is named after its request.
    let mut asked: BTreeMap<(String, bool, String), String> = BTreeMap::new();
    let mut kinds: BTreeMap<String, (BTreeSet<String>, usize)> = BTreeMap::new();
    for (_, entry) in &cassette.entries {
        let (conv, c2s, msg) = match entry {
            Entry::C2s { conv, msg, .. } => (conv, true, msg),
            Entry::S2c { conv, msg, .. } if !is_environment_notification(msg) => (conv, false, msg),
            _ => continue,
        };
        let id = msg.get("id").map(Value::to_string);
        let method = msg.get("method").and_then(Value::as_str);
        let (kind, body) = match (method, id) {
            (Some(method), Some(id)) => {
                asked.insert((conv.clone(), c2s, id), method.to_owned());
                (method.to_owned(), msg.get("params"))
            }
            (Some(method), None) => (method.to_owned(), msg.get("params")),
            (None, Some(id)) => {
                let request = asked
                    .get(&(conv.clone(), !c2s, id))
                    .map_or("an unknown request", String::as_str);
                let body = msg.get("result").or_else(|| msg.get("error"));
                (format!("response to {request}"), body)
            }
            (None, None) => continue,
        };
        let entry = kinds.entry(kind).or_default();
        entry.1 += 1;
        if let Some(body) = body {
            paths("", body, &mut entry.0);
        }
    }
    kinds
}

/// Every field path in `value` (`a.b`, arrays as `a[]`), objects only.
fn paths(prefix: &str, value: &Value, out: &mut BTreeSet<String>) {
    match value {
        Value::Object(map) => {
            for (key, child) in map {
                let path = if prefix.is_empty() {
                    key.clone()
                } else {
                    format!("{prefix}.{key}")
                };
                out.insert(path.clone());
                paths(&path, child, out);
            }
        }
        Value::Array(items) => {
            let path = format!("{prefix}[]");
            for item in items {
                paths(&path, item, out);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn committed(name: &str) -> (String, Cassette) {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("cassettes/{name}.jsonl"));
        let text = std::fs::read_to_string(&path).unwrap();
        let cassette = Cassette::parse(&path, &text).unwrap();
        (text, cassette)
    }

    fn parse(text: &str) -> Cassette {
        Cassette::parse(Path::new("new.jsonl"), text).unwrap()
    }

    #[test]
    fn the_same_cassette_reads_unchanged() {
        let (_, cassette) = committed("tool_artifact");
        let meaning = MeaningDiff::of(&cassette, &cassette);
        assert!(meaning.is_empty(), "{meaning}");
        let text = meaning.to_string();
        assert!(
            text.contains("what the agent did: unchanged (1 conversation(s), 1 turn(s))"),
            "{text}"
        );
        assert!(text.contains("protocol shape: unchanged"), "{text}");
    }

    #[test]
    fn a_field_added_to_every_item_is_said_once_and_the_agent_reads_unchanged() {
        let (text, old) = committed("tool_artifact");
        let upgraded = text.replace("\"item\":{", "\"item\":{\"queuedAtMs\":\"{{time_ms}}\",");
        let meaning = MeaningDiff::of(&old, &parse(&upgraded));
        assert!(meaning.agent.is_empty(), "{meaning}");
        assert_eq!(
            meaning.shape.len(),
            1,
            "one change for every kind: {meaning}"
        );
        let change = &meaning.shape[0];
        assert_eq!(change.gained, ["item.queuedAtMs"]);
        assert!(
            change.kinds.contains(&"item/completed".to_owned()),
            "{meaning}"
        );
        assert!(
            change.kinds.contains(&"item/started".to_owned()),
            "{meaning}"
        );
        assert!(change.lines >= 2);
        let shown = meaning.to_string();
        assert!(shown.contains("gained `item.queuedAtMs`"), "{shown}");
        assert_eq!(shown.matches("queuedAtMs").count(), 1, "said once: {shown}");
    }

    #[test]
    fn a_different_command_is_shown_first_and_plainly() {
        let (text, old) = committed("tool_artifact");
        let changed = text.replace("artifact.md", "other.md");
        let meaning = MeaningDiff::of(&old, &parse(&changed));
        assert!(!meaning.agent.is_empty());
        let shown = meaning.to_string();
        assert!(shown.starts_with("what the agent did: CHANGED"), "{shown}");
        assert!(
            meaning
                .agent
                .iter()
                .any(|l| l.starts_with("- ") && l.contains("artifact.md"))
                && meaning
                    .agent
                    .iter()
                    .any(|l| l.starts_with("+ ") && l.contains("other.md")),
            "{shown}"
        );
    }

    #[test]
    fn a_re_recording_on_another_host_reads_unchanged_with_its_environment_apart() {
        let (text, old) = committed("single_turn");
        let mut lines: Vec<&str> = text.lines().collect();
        let warning = r#"{"kind":"s2c","conv":"backend","turn":null,"msg":{"method":"configWarning","params":{"details":null,"summary":"Codex could not find bubblewrap on PATH."}}}"#;
        lines.insert(4, warning);
        let elsewhere = (lines.join("\n") + "\n").replace(
            "\"stderr_tail\":[]",
            "\"stderr_tail\":[\"ERROR codex_app_server: no bubblewrap\"]",
        );
        let meaning = MeaningDiff::of(&old, &parse(&elsewhere));
        assert!(meaning.is_empty(), "{meaning}");
        let shown = meaning.to_string();
        for expected in [
            "what the agent did: unchanged",
            "protocol shape: unchanged\n",
            "environment: the host differs from when this was recorded",
            "  here, not when recorded: configWarning: Codex could not find bubblewrap on PATH.\n",
            "  here, not when recorded: stderr: ERROR codex_app_server: no bubblewrap\n",
            "only the environment differs",
        ] {
            assert!(
                shown.contains(expected),
                "{expected:?} missing from:\n{shown}"
            );
        }
        assert!(!shown.contains("appeared"), "{shown}");
        // The other way round: what the recording's host said and this one does not.
        let back = MeaningDiff::of(&parse(&elsewhere), &old).to_string();
        assert!(
            back.contains("  when recorded, not here: configWarning: Codex could not find"),
            "{back}"
        );
    }

    #[test]
    fn a_new_notification_kind_is_said_to_have_appeared() {
        let (text, old) = committed("single_turn");
        let mut lines: Vec<&str> = text.lines().collect();
        let extra = r#"{"kind":"s2c","conv":"backend","turn":null,"msg":{"method":"brand/new","params":{"x":1}}}"#;
        lines.insert(3, extra);
        let meaning = MeaningDiff::of(&old, &parse(&(lines.join("\n") + "\n")));
        assert_eq!(meaning.appeared, ["brand/new"]);
        assert!(
            meaning
                .to_string()
                .contains("message kinds that appeared: `brand/new`")
        );
    }
}
