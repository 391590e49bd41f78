//! The steps of [`Recorder::build`]: captured traffic becomes normalised, ordered, redacted
//! cassette lines.

use std::borrow::Cow;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde_json::Value;

use super::{Raw, Recorder};
use crate::cassette::app_server::format::{BACKEND, Cassette, Entry, Header};
use crate::cassette::app_server::replay::replayer::thread_of;
use crate::cassette::app_server::request_ids::RequestIds;
use crate::cassette::effects::Effect;
use crate::cassette::envelope::today;
use crate::cassette::header::Kind;
use crate::cassette::normalize::volatile::{self, Numbering};
use crate::cassette::normalize::{CODEX_HOME, HOME, Scope, WORKSPACE};
use crate::cassette::normalize::{redact, threads};
use crate::cassette::redact_stream::substitute_streams;
use crate::cassette::{CassetteError, RedactRule, VolatileRule};

impl Recorder {
    /// Step: the captured lines of conversation `conv`, in arrival order.
    pub(super) fn captured(&self, conv: usize) -> Vec<&Raw> {
        self.raw
            .iter()
            .filter(|r| self.final_conv(r) == conv)
            .collect()
    }

    /// The conversation of a raw entry, looking again at thread-scoped messages that arrived
    /// before their thread's `thread/start` response named the thread.
    fn final_conv(&self, raw: &Raw) -> usize {
        match raw {
            Raw::Msg { conv: 0, msg, .. } => msg
                .get("params")
                .and_then(thread_of)
                .and_then(|t| self.threads.get(t))
                .copied()
                .unwrap_or(0),
            Raw::Msg { conv, .. } | Raw::Effects { conv, .. } => *conv,
        }
    }

    /// Step: a scope that knows the paths no cassette keeps: the working directory `cwd` (if
    /// any), the Codex home and the user's `home`.
    pub(super) fn path_scope(&self, cwd: Option<&Path>, home: Option<&str>) -> Scope {
        let mut scope = Scope::new();
        if let Some(cwd) = cwd {
            scope.bind_path(&cwd.display().to_string(), WORKSPACE);
        }
        if let Some(codex_home) = &self.codex_home {
            scope.bind_path(codex_home, CODEX_HOME);
        }
        if let Some(home) = home {
            scope.bind_path(home, HOME);
        }
        scope
    }

    /// Step: the header line (versions, scenario, today's date, redaction rules).
    pub(super) fn header(&self) -> Header {
        let kind = Kind::AppServer {
            schema_fingerprint: self
                .options
                .schema_fingerprint
                .clone()
                .unwrap_or_else(|| "unknown".to_owned()),
            backend_overrides: self.options.backend_overrides.clone(),
        };
        let codex_version = self.codex_version.as_deref().unwrap_or("unknown");
        let mut header = Header::new(kind, &self.options.scenario, codex_version, today());
        header.redactions = redact::rule_names(&self.options.redact);
        header
            .record_command
            .clone_from(&self.options.record_command);
        header.volatile.clone_from(&self.options.volatile);
        header
    }
}

/// Step: the project's volatile values in one conversation's `entries`: each distinct value
/// the `rules` match in the client's lines gets a placeholder of its own (`{{run_id:1}}`,
/// `{{run_id:2}}`, ...; [`volatile::client_text`]), and becomes it where the server's lines
/// (streams included) and the files its turns wrote repeat it verbatim after the client first
/// sent it, so a replay says the value sent then. Runs after redaction (a rule never hides part
/// of a secret from it) and after the ids became placeholders (a rule never matches into one).
pub(super) fn volatile_values(rules: &[VolatileRule], entries: &mut [Entry]) {
    if rules.is_empty() {
        return;
    }
    let mut numbering = Numbering::default();
    // The entry that first sent each value, in the numbering's order (so never decreasing).
    let mut sent_at: Vec<usize> = Vec::new();
    for (index, entry) in entries.iter_mut().enumerate() {
        if let Entry::C2s { msg, .. } = entry {
            let known = numbering.values().to_vec();
            rewrite_session_strings(msg, &mut |text| {
                volatile::client_text(rules, &known, text, &mut numbering)
            });
            sent_at.resize(numbering.len(), index);
        }
    }
    let values = numbering.values();
    if values.is_empty() {
        return;
    }
    // Streams value by value, the longest first, each from where it was sent.
    let mut longest_first: Vec<usize> = (0..values.len()).collect();
    longest_first.sort_by(|&a, &b| values[b].1.len().cmp(&values[a].1.len()));
    for at in longest_first {
        substitute_streams(
            &mut entries[sent_at[at]..],
            std::slice::from_ref(&values[at]),
        );
    }
    for (index, entry) in entries.iter_mut().enumerate() {
        let known = &values[..sent_at.partition_point(|&sent| sent < index)];
        match entry {
            Entry::S2c { msg, .. } => {
                rewrite_session_strings(msg, &mut |text| volatile::substitute(known, text));
            }
            Entry::Effects { effects, .. } => {
                for effect in effects {
                    if let Effect::Write { text, .. } = effect {
                        if let Cow::Owned(changed) = volatile::substitute(known, text) {
                            *text = changed;
                        }
                    }
                }
            }
            Entry::C2s { .. } | Entry::Exit { .. } => {}
        }
    }
}

/// [`rewrite_strings`] on a message's session part: every field but its JSON-RPC envelope
/// ([`volatile::ENVELOPE`]).
fn rewrite_session_strings(msg: &mut Value, f: &mut dyn for<'t> FnMut(&'t str) -> Cow<'t, str>) {
    match msg {
        Value::Object(map) => map
            .iter_mut()
            .filter(|(key, _)| !volatile::ENVELOPE.contains(&key.as_str()))
            .for_each(|(_, child)| rewrite_strings(child, f)),
        other => rewrite_strings(other, f),
    }
}

/// Replaces every string in `value` (not keys) with what `f` makes of it.
fn rewrite_strings(value: &mut Value, f: &mut dyn for<'t> FnMut(&'t str) -> Cow<'t, str>) {
    match value {
        Value::String(text) => {
            if let Cow::Owned(changed) = f(text) {
                *text = changed;
            }
        }
        Value::Object(map) => map.values_mut().for_each(|v| rewrite_strings(v, f)),
        Value::Array(items) => items.iter_mut().for_each(|v| rewrite_strings(v, f)),
        _ => {}
    }
}

/// Step: every id the captured messages carry joins `scope`, numbered by first sight.
pub(super) fn learn_ids(scope: &mut Scope, captured: &[&Raw]) {
    for raw in captured {
        if let Raw::Msg { msg, .. } = raw {
            scope.learn(msg);
        }
    }
}

/// The label a conversation's entries carry until [`in_content_order`] relabels them.
pub(super) fn section_label(conv: usize) -> String {
    if conv == 0 {
        BACKEND.to_owned()
    } else {
        format!("#{conv}")
    }
}

/// Step: the captured lines as entries: messages normalised and their request ids numbered per
/// conversation (redacted next, streams whole: `Redactor::entries`); the files a turn wrote
/// substituted and redacted.
pub(super) fn entries(
    captured: &[&Raw],
    scope: &Scope,
    label: &str,
    home: Option<&str>,
) -> Vec<Entry> {
    let mut ids = RequestIds::default();
    let mut entries = Vec::new();
    for raw in captured {
        entries.push(match raw {
            Raw::Msg { c2s, turn, msg, .. } => {
                let mut msg = msg.clone();
                // Normalised first: the id placeholders are ours, not text to escape.
                scope.normalize(&mut msg);
                ids.rewrite(*c2s, &mut msg);
                if *c2s {
                    Entry::C2s {
                        conv: label.to_owned(),
                        turn: *turn,
                        msg,
                    }
                } else {
                    Entry::S2c {
                        conv: label.to_owned(),
                        turn: *turn,
                        msg,
                    }
                }
            }
            Raw::Effects { turn, effects, .. } => Entry::Effects {
                conv: label.to_owned(),
                turn: *turn,
                effects: written_files(effects, scope, home),
            },
        });
    }
    entries
}

/// The files a turn wrote, their text with placeholders in and secrets out.
fn written_files(effects: &[Effect], scope: &Scope, home: Option<&str>) -> Vec<Effect> {
    effects
        .iter()
        .map(|effect| match effect {
            Effect::Write { path, text } => Effect::Write {
                path: path.clone(),
                text: redact::redact(&scope.substitute(text), home).into_owned(),
            },
            other => other.clone(),
        })
        .collect()
}

/// Step: the backend section (first of `sections`), then the conversations sorted by what their
/// client sent and relabelled `c1`, `c2`, …, so scheduling does not change the file. Each section
/// comes with the recorder's number for its conversation; returned with the entries: that
/// number → the `N` of its label `cN`.
pub(super) fn in_content_order(
    mut sections: Vec<(usize, Vec<Entry>)>,
) -> (Vec<Entry>, HashMap<usize, usize>) {
    let (_, backend) = sections.remove(0);
    sections.sort_by_cached_key(|(_, entries)| {
        entries
            .iter()
            .filter_map(|e| match e {
                Entry::C2s { msg, .. } => Some(msg.to_string()),
                _ => None,
            })
            .collect::<Vec<_>>()
    });
    let mut entries = Vec::new();
    let mut numbers = HashMap::new();
    let all = std::iter::once((0, backend)).chain(sections);
    for (index, (conv, section)) in all.enumerate() {
        let label = if index == 0 {
            BACKEND.to_owned()
        } else {
            numbers.insert(conv, index);
            format!("c{index}")
        };
        for mut entry in section {
            set_conv(&mut entry, &label);
            entries.push(entry);
        }
    }
    (entries, numbers)
}

/// Step: in every server line, the ids of the threads the recording started (`threads`: id →
/// the recorder's conversation) that are still raw, because they are not the line's own
/// conversation's (a `thread/loaded/list` answer lists every conversation's), become
/// `{{conv_thread:N}}`, the thread of `cN` (`numbers`: the recorder's conversation → `N`), which
/// a replay fills with the thread it binds to `cN`. A client line keeps what it sent.
pub(super) fn name_other_threads(
    entries: &mut [Entry],
    threads: &HashMap<String, usize>,
    numbers: &HashMap<usize, usize>,
) {
    let named: HashMap<String, usize> = threads
        .iter()
        .filter_map(|(id, conv)| Some((id.clone(), *numbers.get(conv)?)))
        .collect();
    if named.is_empty() {
        return;
    }
    for entry in entries {
        if let Entry::S2c { msg, .. } = entry {
            threads::name_threads(msg, &named);
        }
    }
}

/// Step: the exit line: the status, and the stderr tail without timestamps, its paths replaced
/// through `scope`, redacted.
pub(super) fn exit(
    status: &str,
    stderr_tail: &[String],
    scope: &Scope,
    home: Option<&str>,
) -> Entry {
    let tail = stderr_tail
        .iter()
        .map(|line| {
            let line = strip_timestamp(line);
            redact::redact(&scope.substitute(line), home).into_owned()
        })
        .collect();
    Entry::Exit {
        status: status.to_owned(),
        stderr_tail: tail,
    }
}

/// Step: the cassette at `path`, each entry numbered by its line (the header is line 1).
pub(super) fn numbered(path: PathBuf, header: Header, entries: Vec<Entry>) -> Cassette {
    Cassette {
        path,
        header,
        entries: entries
            .into_iter()
            .enumerate()
            .map(|(i, e)| (i + 2, e))
            .collect(),
    }
}

/// Step: refuses the cassette if any line, or any stream its lines add up to, still looks like
/// a secret after redaction.
pub(super) fn refuse_secrets(
    cassette: &Cassette,
    extra: &[RedactRule],
) -> Result<(), CassetteError> {
    crate::cassette::normalize::secret_scan::refuse(&cassette.path, &cassette.to_text(), extra)
}

fn set_conv(entry: &mut Entry, label: &str) {
    match entry {
        Entry::C2s { conv, .. } | Entry::S2c { conv, .. } | Entry::Effects { conv, .. } => {
            *conv = label.to_owned()
        }
        Entry::Exit { .. } => {}
    }
}

/// Removes a leading RFC 3339 timestamp (as Codex's log lines have) from a stderr line.
fn strip_timestamp(line: &str) -> &str {
    let bytes = line.as_bytes();
    let looks_dated = bytes.len() > 20
        && bytes[..4].iter().all(u8::is_ascii_digit)
        && bytes[4] == b'-'
        && bytes[7] == b'-'
        && bytes[10] == b'T';
    if !looks_dated {
        return line;
    }
    match line.find(' ') {
        Some(end) => line[end..].trim_start(),
        None => line,
    }
}

#[cfg(test)]
mod envelope_tests {
    use serde_json::json;

    use super::*;

    fn c2s(msg: Value) -> Entry {
        Entry::C2s {
            conv: "c1".to_owned(),
            turn: None,
            msg,
        }
    }

    #[test]
    fn a_volatile_rule_never_rewrites_the_json_rpc_envelope() {
        // The rule matches the method's last word as well as the prompt's.
        let rules = [VolatileRule::new("word", "start|later").unwrap()];
        let mut entries = [
            c2s(json!({"id": 1, "method": "turn/start", "params": {"text": "later"}})),
            Entry::S2c {
                conv: "c1".to_owned(),
                turn: None,
                msg: json!({"method": "turn/started", "params": {"said": "later"}}),
            },
        ];
        volatile_values(&rules, &mut entries);
        let Entry::C2s { msg, .. } = &entries[0] else {
            panic!("a client line")
        };
        assert_eq!(msg["method"], "turn/start");
        assert_eq!(msg["params"]["text"], "{{word:1}}");
        let Entry::S2c { msg, .. } = &entries[1] else {
            panic!("a server line")
        };
        assert_eq!(msg["method"], "turn/started");
        assert_eq!(msg["params"]["said"], "{{word:1}}");
    }
}
