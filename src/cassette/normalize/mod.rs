//! Normalisation: volatile values become stable placeholders when recording, and placeholders
//! become fresh values when replaying.
//!
//! A [`Scope`] belongs to one conversation (or to the backend-level lines). Ids are numbered in
//! order of first appearance inside the scope, so a conversation normalises the same way however
//! concurrent conversations interleaved while it was recorded.
//!
//! This file is the recording side. The replay side, [`Bindings`], and the placeholder names
//! live in their own files and are re-exported here, so both directions keep this one path.

mod bindings;
mod fnv;
pub(crate) mod placeholder;
pub(crate) mod redact;
pub(crate) mod rules;
pub(crate) mod secret_kinds;
pub(crate) mod secret_scan;
pub(crate) mod threads;
pub(crate) mod volatile;

use std::collections::HashMap;

use serde_json::{Map, Value};

pub(crate) use crate::cassette::normalize::bindings::Bindings;
use crate::cassette::normalize::placeholder::escape_literals;
pub(crate) use crate::cassette::normalize::placeholder::{
    CODEX_HOME, DURATION, HOME, TIME_MS, TIME_S, WORKSPACE,
};

/// Keys whose value is a Unix time in milliseconds.
const TIME_MS_KEYS: &[&str] = &[
    "emittedAtMs",
    "startedAtMs",
    "completedAtMs",
    "createdAtMs",
    "updatedAtMs",
];
/// Keys whose value is a Unix time in seconds.
const TIME_S_KEYS: &[&str] = &[
    "startedAt",
    "completedAt",
    "createdAt",
    "updatedAt",
    "recencyAt",
    "sectionEnteredAt",
    "resetsAt",
];
/// Keys whose value is a duration in milliseconds.
const DURATION_KEYS: &[&str] = &["durationMs"];
/// Keys whose value is an opaque, machine-specific value.
const OPAQUE_KEYS: &[(&str, &str)] = &[
    ("processId", "{{pid}}"),
    ("pid", "{{pid}}"),
    ("installationId", "{{installation}}"),
    ("userAgent", "{{user_agent}}"),
];
/// Subtrees whose numbers (token counts, rate limits) are zeroed.
const ZEROED_SUBTREES: &[&str] = &["tokenUsage", "rateLimits"];
/// Keys holding an id of a known kind.
const ID_KEYS: &[(&str, &str)] = &[
    ("threadId", "thread"),
    ("turnId", "turn"),
    ("itemId", "item"),
    ("sessionId", "session"),
    ("rootTurnId", "turn"),
    ("parentTurnId", "turn"),
    ("callId", "call"),
];
/// Objects under these keys carry their own id in `id`.
const ID_CONTAINERS: &[(&str, &str)] = &[("thread", "thread"), ("turn", "turn"), ("item", "item")];

/// Placeholders of one conversation: ids by kind, and literal paths.
#[derive(Debug, Clone, Default)]
pub(crate) struct Scope {
    /// literal value → placeholder
    ids: HashMap<String, String>,
    counters: HashMap<String, usize>,
    /// (literal, placeholder), longest literal first.
    paths: Vec<(String, String)>,
}

impl Scope {
    /// An empty scope.
    pub(crate) fn new() -> Self {
        Self::default()
    }

    /// Binds a literal path (and its canonical form) to `placeholder`.
    pub(crate) fn bind_path(&mut self, literal: &str, placeholder: &str) {
        let literal = literal.trim_end_matches('/');
        if literal.len() < 2 {
            return; // never replace "/" or ""
        }
        let mut forms = vec![literal.to_owned()];
        if let Ok(canonical) = std::fs::canonicalize(literal) {
            let canonical = canonical.display().to_string();
            if canonical != literal {
                forms.push(canonical);
            }
        }
        for form in forms {
            if !self.paths.iter().any(|(l, _)| *l == form) {
                self.paths.push((form, placeholder.to_owned()));
            }
        }
        self.paths
            .sort_by(|a, b| b.0.len().cmp(&a.0.len()).then_with(|| a.0.cmp(&b.0)));
    }

    /// The placeholder of id `value` of `kind`, assigned on first sight (`{{turn:1}}`, ...).
    pub(crate) fn bind_id(&mut self, kind: &str, value: &str) -> String {
        if let Some(existing) = self.ids.get(value) {
            return existing.clone();
        }
        let counter = self.counters.entry(kind.to_owned()).or_default();
        *counter += 1;
        let placeholder = format!("{{{{{kind}:{counter}}}}}");
        self.ids.insert(value.to_owned(), placeholder.clone());
        placeholder
    }

    /// Learns every id `value` carries (first pass), so later string substitution finds them
    /// wherever they occur.
    pub(crate) fn learn(&mut self, value: &Value) {
        match value {
            Value::Object(map) => {
                for (key, child) in map {
                    if let (Some((_, kind)), Some(id)) =
                        (ID_KEYS.iter().find(|(k, _)| k == key), child.as_str())
                    {
                        if !id.is_empty() {
                            self.bind_id(kind, id);
                        }
                    }
                    if let Some((_, kind)) = ID_CONTAINERS.iter().find(|(k, _)| k == key) {
                        if let Some(id) = child.get("id").and_then(Value::as_str) {
                            if !id.is_empty() {
                                self.bind_id(kind, id);
                            }
                        }
                    }
                    self.learn(child);
                }
            }
            Value::Array(items) => items.iter().for_each(|item| self.learn(item)),
            _ => {}
        }
    }

    /// Rewrites `value` in place: volatile keys become placeholders, known ids and paths inside
    /// any string become placeholders.
    pub(crate) fn normalize(&self, value: &mut Value) {
        match value {
            Value::Object(map) => self.normalize_object(map),
            Value::Array(items) => items.iter_mut().for_each(|item| self.normalize(item)),
            Value::String(text) => *text = self.substitute(text),
            _ => {}
        }
    }

    fn normalize_object(&self, map: &mut Map<String, Value>) {
        for (key, child) in map.iter_mut() {
            let key = key.as_str();
            if child.is_null() {
                continue;
            }
            if TIME_MS_KEYS.contains(&key) && child.is_number() {
                *child = Value::from(TIME_MS);
            } else if TIME_S_KEYS.contains(&key) && child.is_number() {
                *child = Value::from(TIME_S);
            } else if DURATION_KEYS.contains(&key) && child.is_number() {
                *child = Value::from(DURATION);
            } else if let Some((_, placeholder)) = OPAQUE_KEYS.iter().find(|(k, _)| *k == key) {
                // Keep the JSON type: a number becomes a `_number` placeholder replayed as a number.
                if child.is_string() {
                    *child = Value::from(*placeholder);
                } else if child.is_number() {
                    *child = Value::from(placeholder.replace("}}", "_number}}"));
                }
            } else if key == "path"
                && child
                    .as_str()
                    .is_some_and(|p| p.contains("/sessions/") && p.contains("rollout-"))
            {
                // The session file's name carries the start time.
                *child = Value::from("{{rollout_path}}");
            } else if ZEROED_SUBTREES.contains(&key) {
                zero_numbers(child);
            } else {
                self.normalize(child);
            }
        }
    }

    /// Replaces known ids and paths inside `text`.
    pub(crate) fn substitute(&self, text: &str) -> String {
        if let Some(placeholder) = self.ids.get(text) {
            return placeholder.clone();
        }
        let mut out = escape_literals(text).into_owned();
        for (literal, placeholder) in &self.paths {
            if out.contains(literal.as_str()) {
                out = out.replace(literal.as_str(), placeholder);
            }
        }
        if self.ids.is_empty() || !out.chars().any(|c| c.is_ascii_alphanumeric()) {
            return out;
        }
        // Ids embedded in longer strings (e.g. a rollout path), longest first.
        let mut embedded: Vec<(&String, &String)> = self
            .ids
            .iter()
            .filter(|(literal, _)| literal.len() >= 8 && out.contains(literal.as_str()))
            .collect();
        embedded.sort_by(|a, b| b.0.len().cmp(&a.0.len()).then_with(|| a.0.cmp(b.0)));
        for (literal, placeholder) in embedded {
            out = out.replace(literal.as_str(), placeholder);
        }
        out
    }
}

fn zero_numbers(value: &mut Value) {
    match value {
        Value::Number(_) => *value = Value::from(0),
        Value::Object(map) => map.values_mut().for_each(zero_numbers),
        Value::Array(items) => items.iter_mut().for_each(zero_numbers),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn ids_times_and_paths_become_placeholders_numbered_by_first_sight() {
        let mut scope = Scope::new();
        scope.bind_path("/tmp/ws-123", WORKSPACE);
        let mut messages = vec![
            json!({"id": 3, "result": {"thread": {"id": "019a-thread", "path": "/h/sessions/rollout-019a-thread.jsonl", "createdAt": 1700000000}}}),
            json!({"method": "item/completed", "emittedAtMs": 1700000000123u64, "params": {
                "threadId": "019a-thread", "turnId": "019b-turn",
                "item": {"id": "019c-item", "type": "commandExecution", "command": "cat /tmp/ws-123/a.md", "durationMs": 7, "processId": "4242"},
                "tokenUsage": {"total": {"inputTokens": 55}}
            }}),
        ];
        for message in &messages {
            scope.learn(message);
        }
        for message in &mut messages {
            scope.normalize(message);
        }
        assert_eq!(
            messages[0],
            json!({"id": 3, "result": {"thread": {
            "id": "{{thread:1}}", "path": "{{rollout_path}}", "createdAt": "{{time_s}}"}}})
        );
        assert_eq!(
            messages[1],
            json!({"method": "item/completed", "emittedAtMs": "{{time_ms}}", "params": {
                "threadId": "{{thread:1}}", "turnId": "{{turn:1}}",
                "item": {"id": "{{item:1}}", "type": "commandExecution", "command": "cat {{workspace}}/a.md", "durationMs": "{{duration_ms}}", "processId": "{{pid}}"},
                "tokenUsage": {"total": {"inputTokens": 0}}
            }})
        );
    }
}
