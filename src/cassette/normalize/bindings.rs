//! The replay side of normalisation: [`Bindings`] give placeholders fresh values in what the
//! server says, and turn those values back into placeholders in what the client sends.

use std::borrow::Cow;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::{Map, Value};

use super::redact::redact_with;
use super::rules::Rules;
use super::volatile::{self, Numbering};
use crate::cassette::normalize::fnv::ShortKeys;
use crate::cassette::normalize::placeholder::{
    DURATION, Placeholder, TIME_MS, TIME_S, escape_literals, replace_placeholders,
};

/// Fresh values for placeholders at replay time.
#[derive(Debug, Clone, Default)]
pub(crate) struct Bindings {
    /// placeholder → value
    values: ShortKeys<String, String>,
    /// value → placeholder (the first one bound to it), for what the client sends
    exact: ShortKeys<String, String>,
    /// Values by their first two bytes, to find the few that can occur in a string without
    /// searching for each one.
    by_prefix: ShortKeys<[u8; 2], Vec<String>>,
    /// Which bytes some value starts with.
    first_bytes: [u64; 4],
    /// The project's rules: volatile values matched by pattern, its own secrets redacted.
    rules: Rules,
    /// The volatile values bound so far, numbered per rule.
    volatile: Numbering,
}

impl Bindings {
    /// Empty bindings that compare what the client sends under `rules`.
    pub(crate) fn with_rules(rules: Rules) -> Self {
        Self {
            rules,
            ..Self::default()
        }
    }

    /// Binds each volatile value the client sent in `sent` (a client message that matched its
    /// recording) that no earlier message sent, to the placeholder the match numbered it with:
    /// server text recorded with `{{run_id:2}}` then says the second run id sent now. The
    /// request id is never read for values.
    pub(crate) fn bind_volatile(&mut self, sent: &Map<String, Value>) {
        if self.rules.volatile.is_empty() {
            return;
        }
        let mut pending = None;
        for (key, value) in sent {
            if !volatile::ENVELOPE.contains(&key.as_str()) {
                each_string(value, &mut |text| {
                    let _ = self.unfill_string(text, &mut pending);
                });
            }
        }
        let Some(numbering) = pending else {
            return;
        };
        let new = numbering.values()[self.volatile.len()..].to_vec();
        for (placeholder, value) in new {
            self.bind(&placeholder, &value);
            if let Some(alias) = volatile::legacy_alias(&placeholder) {
                self.values.entry(alias).or_insert(value);
            }
        }
        self.volatile = numbering;
    }

    /// Binds `placeholder` to `value` both ways.
    pub(crate) fn bind(&mut self, placeholder: &str, value: &str) {
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
    pub(crate) fn get(&self, placeholder: &str) -> Option<&str> {
        self.values.get(placeholder).map(String::as_str)
    }

    /// Replaces placeholders in `value` with bound values; ids without a binding get a fresh
    /// deterministic value from `fresh`. Time placeholders become the current time, durations 0.
    /// Text recorded as [`LBRACE`](super::placeholder::LBRACE) becomes `{{` again.
    pub(crate) fn fill(&mut self, value: &mut Value, fresh: &mut dyn FnMut(&str) -> String) {
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
    pub(crate) fn fill_text<'a>(
        &mut self,
        text: &'a str,
        fresh: &mut dyn FnMut(&str) -> String,
    ) -> Cow<'a, str> {
        replace_placeholders(text, |placeholder, out| {
            if let Some(value) = self.values.get(placeholder) {
                out.push_str(value);
            } else {
                let value = fresh(placeholder);
                out.push_str(&value);
                self.bind(placeholder, &value);
            }
        })
    }

    /// Recorded text as it is to be said again (a prompt, a model's reply, a command line):
    /// bound placeholders get their values, text recorded as [`LBRACE`](super::placeholder::LBRACE) its `{{` back, and a
    /// placeholder nothing bound stays as written. Unlike [`fill_text`](Self::fill_text), it binds
    /// nothing and leaves times as text.
    #[cfg(any(feature = "rerecord", test))]
    pub(crate) fn resolve_text<'a>(&self, text: &'a str) -> Cow<'a, str> {
        replace_placeholders(text, |placeholder, out| {
            out.push_str(self.get(placeholder).unwrap_or(placeholder));
        })
    }

    /// [`resolve_text`](Self::resolve_text) on every string inside `value` (a tool call's
    /// arguments, a JSON answer, a turn's settings).
    #[cfg(any(feature = "rerecord", test))]
    pub(crate) fn resolve(&self, value: &mut Value) {
        match value {
            Value::String(text) => {
                if let Cow::Owned(said) = self.resolve_text(text) {
                    *text = said;
                }
            }
            Value::Object(map) => map.values_mut().for_each(|child| self.resolve(child)),
            Value::Array(items) => items.iter_mut().for_each(|item| self.resolve(item)),
            _ => {}
        }
    }

    /// Replaces bound values in what the client sent with their placeholders, so it can be
    /// compared with the recording; what a volatile rule matches becomes its value's placeholder
    /// (new values numbered after the bound ones).
    #[cfg(test)]
    pub(crate) fn unfill(&self, value: &mut Value) {
        self.unfill_like(value, &Value::Null, &mut None);
    }

    /// [`unfill`](Self::unfill) for a whole client message `body`, as it is compared with
    /// `recorded`: its envelope (request id, protocol version, method) left alone, and volatile
    /// values written unnumbered where `recorded` was recorded before the numbering.
    pub(crate) fn unfill_message(&self, body: &mut Value, recorded: &Value) {
        let mut pending = None;
        match body {
            Value::Object(map) => {
                let session = map
                    .iter_mut()
                    .filter(|(key, _)| !volatile::ENVELOPE.contains(&key.as_str()));
                for (key, child) in session {
                    let expected = recorded.get(key).unwrap_or(&Value::Null);
                    self.unfill_like(child, expected, &mut pending);
                }
            }
            other => self.unfill_like(other, recorded, &mut pending),
        }
    }

    /// [`unfill`](Self::unfill) with `recorded` walked alongside (for the legacy form) and new
    /// volatile values numbered in `pending`.
    fn unfill_like(&self, value: &mut Value, recorded: &Value, pending: &mut Option<Numbering>) {
        match value {
            Value::String(text) => {
                let mut unfilled = self.unfill_string(text, pending);
                if let Value::String(recorded) = recorded {
                    if volatile::is_legacy(&self.rules.volatile, recorded) {
                        unfilled = Cow::Owned(
                            volatile::legacy_form(&self.rules.volatile, &unfilled).into_owned(),
                        );
                    }
                }
                if unfilled != text.as_str() {
                    *text = unfilled.into_owned();
                }
            }
            Value::Object(map) => {
                for (key, child) in map.iter_mut() {
                    let expected = recorded.get(key).unwrap_or(&Value::Null);
                    self.unfill_like(child, expected, pending);
                }
            }
            Value::Array(items) => {
                for (index, item) in items.iter_mut().enumerate() {
                    let expected = recorded.get(index).unwrap_or(&Value::Null);
                    self.unfill_like(item, expected, pending);
                }
            }
            _ => {}
        }
    }

    /// One string of what the client sent, unfilled: a whole bound value becomes its
    /// placeholder; otherwise bound values become theirs, then what a volatile rule matches
    /// becomes its value's, a value no message sent before numbered in `pending` (the message's
    /// numbering, started from the bound values), as the recording numbered it.
    fn unfill_string<'a>(&'a self, text: &'a str, pending: &mut Option<Numbering>) -> Cow<'a, str> {
        if let Some(placeholder) = self.exact.get(text) {
            return Cow::Borrowed(placeholder);
        }
        let text = self.unfill_known(text);
        if self.rules.volatile.is_empty() {
            return text;
        }
        let numbering = pending.get_or_insert_with(|| self.volatile.clone());
        match volatile::apply(&self.rules.volatile, &text, numbering) {
            Cow::Owned(matched) => Cow::Owned(matched),
            Cow::Borrowed(_) => text,
        }
    }

    /// `text` escaped and redacted as the recording was, its bound values replaced.
    fn unfill_known<'a>(&'a self, text: &'a str) -> Cow<'a, str> {
        // Compared with the recording, where such text was escaped and secrets redacted.
        let mut text = escape_literals(text);
        if let Cow::Owned(redacted) = redact_with(&text, None, &self.rules.redact) {
            text = Cow::Owned(redacted);
        }
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

    /// Whether the client message `sent` is what `recorded` holds once unfilled, request ids
    /// aside, without copying either; compared as [`unfill_message`](Self::unfill_message)
    /// compares.
    pub(crate) fn message_unfills_to(
        &self,
        sent: &Map<String, Value>,
        recorded: &Map<String, Value>,
    ) -> bool {
        let fields = |m: &Map<String, Value>| m.len() - usize::from(m.contains_key("id"));
        let mut pending = None;
        fields(sent) == fields(recorded)
            && sent
                .iter()
                .filter(|(key, _)| *key != "id")
                .all(|(key, value)| {
                    recorded.get(key).is_some_and(|expected| {
                        // The envelope is compared as it is: no rule reads or rewrites it.
                        if volatile::ENVELOPE.contains(&key.as_str()) {
                            value == expected
                        } else {
                            self.unfills_to_in(value, expected, &mut pending)
                        }
                    })
                })
    }

    /// Whether `recorded` is what `sent` becomes once unfilled, without copying either.
    #[cfg(test)]
    pub(crate) fn unfills_to(&self, sent: &Value, recorded: &Value) -> bool {
        self.unfills_to_in(sent, recorded, &mut None)
    }

    fn unfills_to_in(
        &self,
        sent: &Value,
        recorded: &Value,
        pending: &mut Option<Numbering>,
    ) -> bool {
        match (sent, recorded) {
            (Value::String(sent), Value::String(recorded)) => {
                let unfilled = self.unfill_string(sent, pending);
                unfilled == *recorded
                    || (volatile::is_legacy(&self.rules.volatile, recorded)
                        && volatile::legacy_form(&self.rules.volatile, &unfilled) == *recorded)
            }
            (Value::Object(sent), Value::Object(recorded)) => {
                sent.len() == recorded.len()
                    && sent.iter().all(|(key, vs)| {
                        recorded
                            .get(key)
                            .is_some_and(|vr| self.unfills_to_in(vs, vr, pending))
                    })
            }
            (Value::Array(sent), Value::Array(recorded)) => {
                sent.len() == recorded.len()
                    && sent
                        .iter()
                        .zip(recorded)
                        .all(|(s, r)| self.unfills_to_in(s, r, pending))
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

/// Calls `f` on every string inside `value` (not on keys).
fn each_string(value: &Value, f: &mut dyn FnMut(&str)) {
    match value {
        Value::String(text) => f(text),
        Value::Object(map) => map.values().for_each(|child| each_string(child, f)),
        Value::Array(items) => items.iter().for_each(|item| each_string(item, f)),
        _ => {}
    }
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
        other
            if Placeholder::parse(other)
                .is_some_and(|p| p.number.is_none() && p.name.ends_with("_number")) =>
        {
            Some(0)
        }
        _ => None,
    }
}

#[cfg(test)]
#[path = "bindings_tests.rs"]
mod tests;
