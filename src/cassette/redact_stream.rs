//! Redaction that sees what a reader sees: a secret a stream splits across its chunks is found in
//! the text the chunks add up to, and removed from every chunk that carries part of it.
//!
//! A stream is the deltas of one item (`item/agentMessage/delta`, `item/reasoning/textDelta`,
//! `item/commandExecution/outputDelta`, … keyed by method, item and index), the text lines one
//! exec run printed, or a stderr tail. Its chunks are joined (deltas end to end, lines with a
//! newline), searched with every rule, and each secret's bytes are cut out of the chunks that hold
//! them: the chunk where a secret starts gets `{{redacted}}` in its place, later chunks simply
//! lose their part (a chunk wholly inside a secret becomes empty), so the joined text reads as the
//! whole text redacted would.
//!
//! Then every string is redacted whole, and last every string loses any fragment of 8 or more
//! characters of a secret found anywhere (a prefix a progress update printed before the secret
//! was complete, a file snapshot taken mid-write).

use std::collections::{BTreeMap, HashSet};
use std::ops::Range;

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::cassette::app_server::format::Entry;
use crate::cassette::effects::Effect;
use crate::cassette::exec::format::{ExecInvocation, StdoutLine};
use crate::cassette::normalize::HOME;
use crate::cassette::normalize::redact::{
    ARGV_ENVELOPE, REDACTED, is_secret_field, is_session_field,
};
use crate::cassette::normalize::secret_kinds::{self, UserPatterns};
use crate::cassette::normalize::volatile::literal_segments;

/// How [`secret_kinds::find`] names what a project's own pattern found.
const USER_HIT: &str = "a match of the pattern";

/// The shortest fragment of a secret that may not survive anywhere.
pub(crate) const FRAGMENT: usize = 8;

/// Redacts one recording: its streams, then each string, then fragments of what it found.
pub(crate) struct Redactor<'a> {
    /// The user's home directory (becomes `{{home}}`).
    home: Option<&'a str>,
    /// A project's own patterns besides the built-in kinds (the hook for a `[[redact]]` key).
    pub extra: &'a UserPatterns,
    /// The secrets found so far (their cores), whose fragments go everywhere, each with whether
    /// a built-in kind found it (a project's pattern's fragments stay out of the envelope).
    found: Vec<(String, bool)>,
}

impl<'a> Redactor<'a> {
    /// A redactor for a recording made under `home`.
    pub(crate) fn new(home: Option<&'a str>) -> Self {
        Self {
            home: home.filter(|h| h.len() > 1),
            extra: &[],
            found: Vec::new(),
        }
    }

    /// App-server entries (one conversation, or the exit line): their delta streams, the stderr
    /// tail as one stream, then every string whole.
    pub(crate) fn entries(&mut self, entries: &mut [Entry]) {
        let mut streams: BTreeMap<String, Vec<&mut String>> = BTreeMap::new();
        let mut tails: Vec<Vec<&mut String>> = Vec::new();
        for entry in entries.iter_mut() {
            match entry {
                Entry::S2c { msg, .. } => {
                    if let Some(key) = delta_key(msg) {
                        if let Some(Value::String(delta)) = msg.pointer_mut("/params/delta") {
                            streams.entry(key).or_default().push(delta);
                        }
                    }
                }
                Entry::Exit { stderr_tail, .. } => tails.push(stderr_tail.iter_mut().collect()),
                _ => {}
            }
        }
        for mut chunks in streams.into_values() {
            self.stream(&mut chunks, "");
        }
        for mut chunks in tails {
            self.stream(&mut chunks, "\n");
        }
        for entry in entries.iter_mut() {
            each_entry_text(entry, &mut |field, text| {
                self.whole(field, text, is_session_field(field));
            });
        }
    }

    /// One exec run: its text stdout lines and its stderr tail as streams, then every string.
    pub(crate) fn invocation(&mut self, run: &mut ExecInvocation) {
        let mut lines: Vec<&mut String> = run
            .stdout
            .iter_mut()
            .filter_map(|line| match line {
                StdoutLine::Text(text) => Some(text),
                StdoutLine::Json(_) => None,
            })
            .collect();
        self.stream(&mut lines, "\n");
        self.stream(
            &mut run.exit.stderr_tail.iter_mut().collect::<Vec<_>>(),
            "\n",
        );
        each_run_text(run, &mut |field, text| {
            self.whole(field, text, is_session_field(field));
        });
    }

    /// Removes fragments of every secret found so far from `entries`.
    pub(crate) fn strip_entries(&self, entries: &mut [Entry]) {
        let (all, built_in) = (self.windows(true), self.windows(false));
        if all.is_empty() {
            return;
        }
        for entry in entries {
            each_entry_text(entry, &mut |field, text| {
                strip_field(field, text, &all, &built_in);
            });
        }
    }

    /// Removes fragments of every secret found so far from `runs`.
    pub(crate) fn strip_runs(&self, runs: &mut [ExecInvocation]) {
        let (all, built_in) = (self.windows(true), self.windows(false));
        if all.is_empty() {
            return;
        }
        for run in runs {
            each_run_text(run, &mut |field, text| {
                strip_field(field, text, &all, &built_in);
            });
        }
    }

    /// A cassette header with every field redacted of the built-in secret kinds, fragments of the
    /// secrets found so far included; the project's own patterns touch only `record_command`
    /// (it carries the prompt), never the envelope (`kind`, versions, dates, fingerprints).
    pub(crate) fn header<H: Serialize + DeserializeOwned + Clone>(&mut self, header: &H) -> H {
        let Ok(mut value) = serde_json::to_value(header) else {
            return header.clone();
        };
        let session = |field: Option<&str>| field == Some("record_command");
        walk(&mut value, None, &mut |field, text| {
            self.whole(field, text, session(field));
        });
        let (all, built_in) = (self.windows(true), self.windows(false));
        walk(&mut value, None, &mut |field, text| {
            strip(text, if session(field) { &all } else { &built_in });
        });
        serde_json::from_value(value).unwrap_or_else(|_| header.clone())
    }

    /// Redacts the secrets (and the home directory) of the text `chunks` add up to, joined by
    /// `sep`, in every chunk that carries part of one.
    fn stream(&mut self, chunks: &mut [&mut String], sep: &str) {
        if chunks.len() < 2 {
            return;
        }
        if let Some(home) = self.home {
            let joined = join(chunks, sep);
            let at: Vec<Range<usize>> = joined
                .match_indices(home)
                .map(|(i, m)| i..i + m.len())
                .collect();
            cut(chunks, sep, &at, HOME);
        }
        let joined = join(chunks, sep);
        let hits = secret_kinds::find(&joined, self.extra);
        if hits.is_empty() {
            return;
        }
        self.found.extend(hits.iter().map(|h| {
            (
                joined[h.core.clone()].to_owned(),
                !h.what.starts_with(USER_HIT),
            )
        }));
        let ranges: Vec<Range<usize>> = hits.into_iter().map(|h| h.range).collect();
        cut(chunks, sep, &ranges, REDACTED);
    }

    /// Redacts one string as a whole: a credential field's value (`field` names it) entirely,
    /// else the home directory and every secret in it (the project's own patterns only when
    /// `session`: the string is session text).
    fn whole(&mut self, field: Option<&str>, text: &mut String, session: bool) {
        if field.is_some_and(is_secret_field) && !text.is_empty() && !text.starts_with("{{") {
            self.found
                .push((std::mem::replace(text, REDACTED.to_owned()), true));
            return;
        }
        if let Some(home) = self.home {
            if text.contains(home) {
                *text = text.replace(home, HOME);
            }
        }
        let hits = secret_kinds::find(text, if session { self.extra } else { &[] });
        if hits.is_empty() {
            return;
        }
        self.found.extend(hits.iter().map(|h| {
            (
                text[h.core.clone()].to_owned(),
                !h.what.starts_with(USER_HIT),
            )
        }));
        let ranges: Vec<Range<usize>> = hits.into_iter().map(|h| h.range).collect();
        cut(&mut [text], "", &ranges, REDACTED);
    }

    /// Every ASCII run of [`FRAGMENT`] bytes of a secret found so far (by a built-in kind only,
    /// unless `user`).
    fn windows(&self, user: bool) -> HashSet<&[u8]> {
        self.found
            .iter()
            .filter(|(_, built_in)| user || *built_in)
            .flat_map(|(secret, _)| secret.as_bytes().windows(FRAGMENT))
            .filter(|w| w.iter().all(|b| b.is_ascii() && !matches!(b, b'{' | b'}')))
            .collect()
    }
}

/// Replaces each of `values` ((placeholder, value) pairs: a conversation's volatile values) with
/// its placeholder where the delta streams of `entries` repeat it, even split across deltas (the
/// chunk where it starts gets the placeholder, later chunks lose their part).
pub(crate) fn substitute_streams(entries: &mut [Entry], values: &[(String, String)]) {
    let mut streams: BTreeMap<String, Vec<&mut String>> = BTreeMap::new();
    for entry in entries.iter_mut() {
        if let Entry::S2c { msg, .. } = entry {
            if let Some(key) = delta_key(msg) {
                if let Some(Value::String(delta)) = msg.pointer_mut("/params/delta") {
                    streams.entry(key).or_default().push(delta);
                }
            }
        }
    }
    for mut chunks in streams.into_values() {
        for (placeholder, value) in values {
            if value.len() < 2 {
                continue;
            }
            let joined = join(&chunks, "");
            let literal = literal_segments(&joined);
            let at: Vec<Range<usize>> = joined
                .match_indices(value.as_str())
                .map(|(i, m)| i..i + m.len())
                .filter(|r| literal.iter().any(|s| s.start <= r.start && r.end <= s.end))
                .collect();
            if !at.is_empty() {
                cut(&mut chunks, "", &at, placeholder);
            }
        }
    }
}

/// The stream a server message's `params.delta` belongs to: its method, item and index, or
/// `None` when it is not a text delta.
pub(crate) fn delta_key(msg: &Value) -> Option<String> {
    let method = msg.get("method")?.as_str()?;
    if msg.get("id").is_some() || !(method.ends_with("Delta") || method.ends_with("/delta")) {
        return None;
    }
    let params = msg.get("params")?;
    params.get("delta")?.as_str()?;
    let part = |key: &str| params.get(key).map(Value::to_string).unwrap_or_default();
    Some(format!(
        "{method} {} {} {}",
        part("itemId"),
        part("summaryIndex"),
        part("contentIndex")
    ))
}

/// The chunks joined by `sep`.
pub(crate) fn join(chunks: &[&mut String], sep: &str) -> String {
    let parts: Vec<&str> = chunks.iter().map(|c| c.as_str()).collect();
    parts.join(sep)
}

/// Which chunks the byte `range` of the joined text touches (by index), given their lengths.
pub(crate) fn chunks_touched(lens: &[usize], sep: usize, range: &Range<usize>) -> Vec<usize> {
    let mut start = 0;
    let mut out = Vec::new();
    for (index, len) in lens.iter().enumerate() {
        let end = start + len;
        if range.start < end && range.end > start {
            out.push(index);
        }
        start = end + sep;
    }
    out
}

/// Cuts the byte `ranges` (of the chunks joined by `sep`, sorted, not overlapping) out of the
/// chunks: the first chunk a range touches gets `marker` in its place, the others lose their part.
fn cut(chunks: &mut [&mut String], sep: &str, ranges: &[Range<usize>], marker: &str) {
    let mut marked = vec![false; ranges.len()];
    let mut start = 0;
    for chunk in chunks.iter_mut() {
        let end = start + chunk.len();
        let next = end + sep.len();
        let touching: Vec<usize> = (0..ranges.len())
            .filter(|&i| ranges[i].start < end && ranges[i].end > start)
            .collect();
        if !touching.is_empty() {
            let mut out = String::with_capacity(chunk.len());
            let mut at = start;
            for i in touching {
                let (from, to) = (ranges[i].start.max(start), ranges[i].end.min(end));
                out.push_str(&chunk[at - start..from - start]);
                if !marked[i] {
                    out.push_str(marker);
                    marked[i] = true;
                }
                at = to;
            }
            out.push_str(&chunk[at - start..]);
            **chunk = out;
        }
        start = next;
    }
}

/// [`strip`] for the text of `field`: fragments of every secret (`all`) in session text, of the
/// built-in kinds' (`built_in`) in the envelope, where user patterns never reach.
fn strip_field(
    field: Option<&str>,
    text: &mut String,
    all: &HashSet<&[u8]>,
    built_in: &HashSet<&[u8]>,
) {
    strip(
        text,
        if is_session_field(field) {
            all
        } else {
            built_in
        },
    );
}

/// Replaces every run of `text` made of fragments in `windows` with `{{redacted}}`.
fn strip(text: &mut String, windows: &HashSet<&[u8]>) {
    let bytes = text.as_bytes();
    if bytes.len() < FRAGMENT {
        return;
    }
    let mut ranges: Vec<Range<usize>> = Vec::new();
    for (at, window) in bytes.windows(FRAGMENT).enumerate() {
        if !windows.contains(window) {
            continue;
        }
        match ranges.last_mut() {
            Some(last) if at <= last.end => last.end = at + FRAGMENT,
            _ => ranges.push(at..at + FRAGMENT),
        }
    }
    if !ranges.is_empty() {
        cut(&mut [text], "", &ranges, REDACTED);
    }
}

/// Calls `f` on every string of an entry, with the name of the field holding it.
fn each_entry_text(entry: &mut Entry, f: &mut dyn FnMut(Option<&str>, &mut String)) {
    match entry {
        Entry::C2s { msg, .. } | Entry::S2c { msg, .. } => walk(msg, None, f),
        Entry::Effects { effects, .. } => each_effect_text(effects, f),
        Entry::Exit { stderr_tail, .. } => stderr_tail.iter_mut().for_each(|l| f(None, l)),
    }
}

/// Calls `f` on every string of an exec run.
fn each_run_text(run: &mut ExecInvocation, f: &mut dyn FnMut(Option<&str>, &mut String)) {
    // The program and its flags are envelope; the values past them are session text.
    for (index, arg) in run.call.args.iter_mut().enumerate() {
        let envelope = index == 0 || arg.starts_with('-');
        f(envelope.then_some(ARGV_ENVELOPE), arg);
    }
    f(None, &mut run.call.stdin);
    if let Some(schema) = &mut run.call.output_schema {
        walk(schema, None, f);
    }
    for line in &mut run.stdout {
        match line {
            StdoutLine::Json(value) => walk(value, None, f),
            StdoutLine::Text(text) => f(None, text),
        }
    }
    each_effect_text(&mut run.effects, f);
    if let Some(text) = &mut run.last_message {
        f(None, text);
    }
    run.exit.stderr_tail.iter_mut().for_each(|l| f(None, l));
}

fn each_effect_text(effects: &mut [Effect], f: &mut dyn FnMut(Option<&str>, &mut String)) {
    for effect in effects {
        if let Effect::Write { text, .. } = effect {
            f(None, text);
        }
    }
}

/// Calls `f` on every string in `value`, with the name of the object field holding it.
fn walk(value: &mut Value, field: Option<&str>, f: &mut dyn FnMut(Option<&str>, &mut String)) {
    match value {
        Value::String(text) => f(field, text),
        Value::Array(items) => items.iter_mut().for_each(|v| walk(v, None, f)),
        Value::Object(map) => {
            for (key, v) in map.iter_mut() {
                walk(v, Some(key), f);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
#[path = "redact_stream_tests.rs"]
mod tests;
