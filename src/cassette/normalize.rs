//! Normalisation: volatile values become stable placeholders when recording, and placeholders
//! become fresh values when replaying.
//!
//! A [`Scope`] belongs to one conversation (or to the backend-level lines). Ids are numbered in
//! order of first appearance inside the scope, so a conversation normalises the same way however
//! concurrent conversations interleaved while it was recorded.

use std::borrow::Cow;
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::{Map, Value};

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

/// Placeholder for a millisecond timestamp.
pub const TIME_MS: &str = "{{time_ms}}";
/// Placeholder for a second timestamp.
pub const TIME_S: &str = "{{time_s}}";
/// Placeholder for a duration.
pub const DURATION: &str = "{{duration_ms}}";
/// Placeholder for the working directory of a conversation.
pub const WORKSPACE: &str = "{{workspace}}";
/// Placeholder for the Codex home.
pub const CODEX_HOME: &str = "{{codex_home}}";
/// Placeholder for the user's home directory.
pub const HOME: &str = "{{home}}";

/// Placeholders of one conversation: ids by kind, and literal paths.
#[derive(Debug, Clone, Default)]
pub struct Scope {
    /// literal value → placeholder
    ids: HashMap<String, String>,
    counters: HashMap<String, usize>,
    /// (literal, placeholder), longest literal first.
    paths: Vec<(String, String)>,
}

impl Scope {
    /// An empty scope.
    pub fn new() -> Self {
        Self::default()
    }

    /// Binds a literal path (and its canonical form) to `placeholder`.
    pub fn bind_path(&mut self, literal: &str, placeholder: &str) {
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
    pub fn bind_id(&mut self, kind: &str, value: &str) -> String {
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
    pub fn learn(&mut self, value: &Value) {
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
    pub fn normalize(&self, value: &mut Value) {
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
    pub fn substitute(&self, text: &str) -> String {
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

/// A map keyed by short strings (placeholders, ids) that a replay looks up for nearly every
/// string it fills: hashed with FNV-1a, which is several times faster than the default hasher on
/// keys this short. The keys come from a cassette and the client, not from an adversary.
type ShortKeys<K, V> = HashMap<K, V, BuildHasherDefault<Fnv>>;

/// The FNV-1a hash.
#[derive(Clone, Copy)]
struct Fnv(u64);

impl Default for Fnv {
    fn default() -> Self {
        Self(0xcbf2_9ce4_8422_2325)
    }
}

impl Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for byte in bytes {
            self.0 = (self.0 ^ u64::from(*byte)).wrapping_mul(0x0100_0000_01b3);
        }
    }
}

/// Fresh values for placeholders at replay time.
#[derive(Debug, Clone, Default)]
pub struct Bindings {
    /// placeholder → value
    values: ShortKeys<String, String>,
    /// value → placeholder (the first one bound to it), for what the client sends
    exact: ShortKeys<String, String>,
    /// Values by their first two bytes, to find the few that can occur in a string without
    /// searching for each one.
    by_prefix: ShortKeys<[u8; 2], Vec<String>>,
    /// Which bytes some value starts with.
    first_bytes: [u64; 4],
}

impl Bindings {
    /// Empty bindings.
    pub fn new() -> Self {
        Self::default()
    }

    /// Binds `placeholder` to `value` both ways.
    pub fn bind(&mut self, placeholder: &str, value: &str) {
        self.values.insert(placeholder.to_owned(), value.to_owned());
        let bytes = value.as_bytes();
        if bytes.len() >= 2 && !self.exact.contains_key(value) {
            self.exact.insert(value.to_owned(), placeholder.to_owned());
            self.by_prefix
                .entry([bytes[0], bytes[1]])
                .or_default()
                .push(value.to_owned());
            self.first_bytes[usize::from(bytes[0] >> 6)] |= 1 << (bytes[0] & 63);
        }
    }

    /// The value bound to `placeholder`.
    pub fn get(&self, placeholder: &str) -> Option<&str> {
        self.values.get(placeholder).map(String::as_str)
    }

    /// Replaces placeholders in `value` with bound values; ids without a binding get a fresh
    /// deterministic value from `fresh`. Time placeholders become the current time, durations 0.
    /// Text recorded as [`LBRACE`] becomes `{{` again.
    pub fn fill(&mut self, value: &mut Value, fresh: &mut dyn FnMut(&str) -> String) {
        self.fill_at(value, fresh, &mut None);
    }

    /// [`fill`](Self::fill), the clock read at most once into `now`.
    fn fill_at(
        &mut self,
        value: &mut Value,
        fresh: &mut dyn FnMut(&str) -> String,
        now: &mut Option<Duration>,
    ) {
        match value {
            Value::String(text) => {
                // Most strings hold no brace at all: one `memchr` and done.
                if !text.contains('{') {
                    return;
                }
                if let Some(number) = time_number(text, now) {
                    *value = Value::from(u64::try_from(number).unwrap_or(u64::MAX));
                    return;
                }
                if let Cow::Owned(filled) = self.fill_text(text, fresh) {
                    *text = filled;
                }
            }
            Value::Object(map) => map
                .values_mut()
                .for_each(|child| self.fill_at(child, fresh, now)),
            Value::Array(items) => items
                .iter_mut()
                .for_each(|item| self.fill_at(item, fresh, now)),
            _ => {}
        }
    }

    /// [`fill`](Self::fill) for one piece of text (a string, or a file a turn wrote).
    pub fn fill_text<'a>(
        &mut self,
        text: &'a str,
        fresh: &mut dyn FnMut(&str) -> String,
    ) -> Cow<'a, str> {
        let mut out = String::new(); // sized at the first placeholder
        let mut copied = 0;
        for (at, len) in placeholders(text) {
            let placeholder = &text[at..at + len];
            if copied == 0 {
                out.reserve(text.len() + 40);
            }
            out.push_str(&text[copied..at]);
            copied = at + len;
            if placeholder == LBRACE {
                out.push_str("{{");
            } else if let Some(value) = self.values.get(placeholder) {
                out.push_str(value);
            } else {
                let value = fresh(placeholder);
                out.push_str(&value);
                self.bind(placeholder, &value);
            }
        }
        if copied == 0 {
            return Cow::Borrowed(text);
        }
        out.push_str(&text[copied..]);
        Cow::Owned(out)
    }

    /// Replaces bound values in what the client sent with their placeholders, so it can be
    /// compared with the recording.
    pub fn unfill(&self, value: &mut Value) {
        match value {
            Value::String(text) => {
                let unfilled = self.unfill_text(text);
                if unfilled != text.as_str() {
                    *text = unfilled.into_owned();
                }
            }
            Value::Object(map) => map.values_mut().for_each(|child| self.unfill(child)),
            Value::Array(items) => items.iter_mut().for_each(|item| self.unfill(item)),
            _ => {}
        }
    }

    /// [`unfill`](Self::unfill) for one string.
    pub fn unfill_text<'a>(&'a self, text: &'a str) -> Cow<'a, str> {
        if let Some(placeholder) = self.exact.get(text) {
            return Cow::Borrowed(placeholder);
        }
        // Compared with the recording, where such text was escaped.
        let mut text = escape_literals(text);
        let mut present = self.values_in(&text);
        // Longest first (ties in byte order), so a value inside a longer one is not split.
        present.sort_by(|a, b| b.len().cmp(&a.len()).then_with(|| a.cmp(b)));
        for literal in present {
            if text.contains(literal) {
                text = Cow::Owned(text.replace(literal, &self.exact[literal]));
            }
        }
        text
    }

    /// Whether `recorded` is what `sent` becomes once unfilled, without copying either.
    pub fn unfills_to(&self, sent: &Value, recorded: &Value) -> bool {
        match (sent, recorded) {
            (Value::String(sent), Value::String(recorded)) => self.unfill_text(sent) == *recorded,
            (Value::Object(sent), Value::Object(recorded)) => {
                sent.len() == recorded.len()
                    && sent.iter().all(|(key, vs)| {
                        recorded.get(key).is_some_and(|vr| self.unfills_to(vs, vr))
                    })
            }
            (Value::Array(sent), Value::Array(recorded)) => {
                sent.len() == recorded.len()
                    && sent
                        .iter()
                        .zip(recorded)
                        .all(|(s, r)| self.unfills_to(s, r))
            }
            (sent, recorded) => sent == recorded,
        }
    }

    /// The bound values that occur in `text`.
    fn values_in(&self, text: &str) -> Vec<&str> {
        let bytes = text.as_bytes();
        let mut present: Vec<&str> = Vec::new();
        for at in 0..bytes.len().saturating_sub(1) {
            let first = bytes[at];
            if self.first_bytes[usize::from(first >> 6)] & (1 << (first & 63)) == 0 {
                continue;
            }
            let Some(candidates) = self.by_prefix.get(&[first, bytes[at + 1]]) else {
                continue;
            };
            for candidate in candidates {
                if bytes[at..].starts_with(candidate.as_bytes())
                    && !present.contains(&candidate.as_str())
                {
                    present.push(candidate);
                }
            }
        }
        present
    }
}

/// What literal text that reads as a placeholder starts with in a cassette: `{{lbrace}}` stands
/// for `{{`, so an agent's `{{name}}` (a Jinja or Handlebars template, say) is recorded as
/// `{{lbrace}}name}}` and replayed as written.
pub const LBRACE: &str = "{{lbrace}}";

/// The length of the placeholder at the start of `bytes`, if one starts there: `{{`, a name of
/// lowercase letters and `_`, optionally `:` and a number, then `}}`. Nothing else is a
/// placeholder, so `{{ user }}` or `{{}}` in recorded text is never filled.
fn placeholder_len(bytes: &[u8]) -> Option<usize> {
    let rest = bytes.strip_prefix(b"{{")?;
    let name = rest
        .iter()
        .take_while(|b| b.is_ascii_lowercase() || **b == b'_')
        .count();
    if name == 0 {
        return None;
    }
    let mut end = name;
    if rest.get(end) == Some(&b':') {
        let digits = rest[end + 1..]
            .iter()
            .take_while(|b| b.is_ascii_digit())
            .count();
        if digits == 0 {
            return None;
        }
        end += 1 + digits;
    }
    rest[end..].starts_with(b"}}").then_some(2 + end + 2)
}

/// The placeholders in `text`, as (offset, length), left to right.
fn placeholders(text: &str) -> impl Iterator<Item = (usize, usize)> + '_ {
    let bytes = text.as_bytes();
    let mut from = 0;
    std::iter::from_fn(move || {
        while let Some(offset) = text.get(from..)?.find('{') {
            let at = from + offset;
            if let Some(len) = placeholder_len(&bytes[at..]) {
                from = at + len;
                return Some((at, len));
            }
            from = at + 1;
        }
        None
    })
}

/// `text` with every stretch that would read as a placeholder escaped (its `{{` recorded as
/// [`LBRACE`]); borrowed when there is none.
fn escape_literals(text: &str) -> Cow<'_, str> {
    let mut out = String::new();
    let mut copied = 0;
    for (at, _) in placeholders(text) {
        out.push_str(&text[copied..at]);
        out.push_str(LBRACE);
        copied = at + 2;
    }
    if copied == 0 {
        return Cow::Borrowed(text);
    }
    out.push_str(&text[copied..]);
    Cow::Owned(out)
}

/// The number a whole-string time, duration or numeric placeholder stands for; the clock is read
/// at most once into `now` for all of a message's times.
fn time_number(text: &str, now: &mut Option<Duration>) -> Option<u128> {
    if !text.starts_with("{{") || !text.ends_with("}}") {
        return None;
    }
    let mut now = || {
        *now.get_or_insert_with(|| {
            SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .unwrap_or_default()
        })
    };
    match text {
        TIME_MS => Some(now().as_millis()),
        TIME_S => Some(u128::from(now().as_secs())),
        DURATION => Some(0),
        "{{pid_number}}" => Some(u128::from(std::process::id())),
        other if other.ends_with("_number}}") && placeholder_len(other.as_bytes()).is_some() => {
            Some(0)
        }
        _ => None,
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

    #[test]
    fn fill_binds_fresh_values_consistently_and_unfill_reverses_them() {
        let mut bindings = Bindings::new();
        bindings.bind(WORKSPACE, "/replay/ws");
        let mut counter = 0;
        let mut fresh = |placeholder: &str| {
            counter += 1;
            format!(
                "fresh-{}-{counter}",
                placeholder
                    .trim_matches(|c| c == '{' || c == '}')
                    .replace(':', "-")
            )
        };
        let mut value = json!({"a": "{{thread:1}}", "b": "{{thread:1}} in {{workspace}}/x", "t": "{{duration_ms}}"});
        bindings.fill(&mut value, &mut fresh);
        assert_eq!(
            value,
            json!({"a": "fresh-thread-1-1", "b": "fresh-thread-1-1 in /replay/ws/x", "t": 0})
        );
        let mut sent = json!({"threadId": "fresh-thread-1-1", "cwd": "/replay/ws/sub"});
        bindings.unfill(&mut sent);
        assert_eq!(
            sent,
            json!({"threadId": "{{thread:1}}", "cwd": "{{workspace}}/sub"})
        );
    }

    #[test]
    fn only_the_placeholder_grammar_is_a_placeholder() {
        let found = |text: &str| -> Vec<String> {
            placeholders(text)
                .map(|(at, len)| text[at..at + len].to_owned())
                .collect()
        };
        assert_eq!(
            found("{{thread:12}} {{ user }} {{}} {{a:}} {{A}} {{{{x}} {{time_ms}}"),
            ["{{thread:12}}", "{{x}}", "{{time_ms}}"]
        );
    }

    #[test]
    fn escaped_literals_fill_back_to_the_original_text() {
        let mut bindings = Bindings::new();
        bindings.bind("{{name}}", "bound");
        let mut fresh = |p: &str| format!("fresh{p}");
        for text in [
            "{{name}}",
            "{{{{x}}",
            "{{lbrace}}",
            "a {{ b }} {{}} }}{{",
            "no braces",
            "{{{{{{time_ms}}}}}}",
        ] {
            let escaped = escape_literals(text);
            assert_eq!(bindings.fill_text(&escaped, &mut fresh), text, "{escaped}");
        }
        assert_eq!(escape_literals("{{name}}"), "{{lbrace}}name}}");
        assert!(matches!(escape_literals("{{ x }}"), Cow::Borrowed(_)));
    }

    #[test]
    fn unfills_to_agrees_with_unfilling_a_copy() {
        let mut bindings = Bindings::new();
        bindings.bind(WORKSPACE, "/replay/ws");
        bindings.bind("{{thread:1}}", "t-1");
        let recorded = json!({"threadId": "{{thread:1}}", "cwd": "{{workspace}}/a", "n": [1, "{{lbrace}}x}}"]});
        let sent = [
            json!({"threadId": "t-1", "cwd": "/replay/ws/a", "n": [1, "{{x}}"]}),
            json!({"threadId": "t-2", "cwd": "/replay/ws/a", "n": [1, "{{x}}"]}),
            json!({"threadId": "t-1", "cwd": "/replay/ws/a", "n": [1, "{{x}}"], "extra": 1}),
            json!({"threadId": "t-1", "cwd": "/replay/ws/a", "n": [2, "{{x}}"]}),
            json!({"threadId": "t-1", "cwd": "/elsewhere/a", "n": [1, "{{x}}"]}),
            json!({"threadId": "t-1", "cwd": "/replay/ws/a", "n": [1, "{{y}}"]}),
        ];
        let verdicts: Vec<bool> = sent
            .iter()
            .map(|s| bindings.unfills_to(s, &recorded))
            .collect();
        for (s, verdict) in sent.iter().zip(&verdicts) {
            let mut copy = s.clone();
            bindings.unfill(&mut copy);
            assert_eq!(copy == recorded, *verdict, "{s}");
        }
        assert_eq!(verdicts, [true, false, false, false, false, false]);
    }
}
