//! The index the page is drawn from: conversations, turns and events with their cassette lines,
//! built from the [`Timeline`]. Message texts stay in the embedded cassette lines; the index
//! holds only what a collapsed turn shows, so nothing large is embedded twice.

use std::collections::HashMap;
use std::path::PathBuf;

use serde::Serialize;
use serde_json::{Map, Value};
use similar::TextDiff;

use super::{Marks, PendingNote};
use crate::cassette::{
    Cassette, Divergence, DivergenceLocation, Effect, Entry, Header, Timeline, unescape_literals,
};

/// The whole index, serialised into the page.
#[derive(Serialize)]
pub(super) struct Model<'a> {
    file: String,
    header: &'a Header,
    lanes: Vec<Lane>,
    /// The event kinds the cassette holds, for the filter.
    kinds: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    exit: Option<Exit>,
    /// Diffs of files a turn changed after an earlier turn of the same conversation wrote them.
    diffs: Vec<FileDiff>,
    #[serde(skip_serializing_if = "Option::is_none")]
    divergence: Option<Marked<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pending: Option<&'a PendingNote>,
}

#[derive(Serialize)]
struct Lane {
    label: String,
    line: usize,
    #[serde(skip_serializing_if = "Map::is_empty")]
    settings: Map<String, Value>,
    turns: Vec<Turn>,
    /// Where the conversation was released (`close`), when it was.
    #[serde(skip_serializing_if = "Option::is_none")]
    released: Option<Released>,
}

/// A conversation's release as the cassette holds it: the client's `thread/unsubscribe` and
/// the app-server's `thread/closed` that confirmed it (absent when it never came).
#[derive(Serialize)]
struct Released {
    /// The line of the `thread/unsubscribe`.
    unsubscribe: usize,
    /// The line of the `thread/closed`.
    #[serde(skip_serializing_if = "Option::is_none")]
    closed: Option<usize>,
}

#[derive(Serialize)]
struct Turn {
    i: u32,
    line: usize,
    /// The last line of the turn.
    end: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    status: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    ms: Option<u64>,
    /// Events as `[line, kind, summary]`.
    ev: Vec<(usize, String, String)>,
    /// The lines of the turn's workspace effects.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    files: Vec<usize>,
}

#[derive(Serialize)]
struct Exit {
    status: String,
    stderr: Vec<String>,
}

#[derive(Serialize)]
struct FileDiff {
    line: usize,
    path: String,
    diff: String,
}

/// A divergence as the page marks it.
#[derive(Serialize)]
struct Marked<'a> {
    cassette: PathBuf,
    line: usize,
    /// The conversation's label (an exec run: the run, as the report names it).
    conversation: String,
    turn: Option<u32>,
    /// The differing paths without their `(new)` / `(missing now)` notes.
    paths: Vec<&'a str>,
    notes: &'a [String],
    recorded: &'a Option<Value>,
    sent: &'a Value,
    diff: &'a str,
    record_command: &'a str,
}

impl<'a> Model<'a> {
    /// The index of `cassette`, with what `marks` asks to mark.
    pub(super) fn of(cassette: &'a Cassette, marks: &Marks<'a>) -> Self {
        let parts = Parts {
            timeline: Timeline::of(cassette),
            spans: spans(cassette),
            diffs: diffs(cassette),
            releases: releases(cassette),
        };
        Self::from_parts(
            cassette.path.display().to_string(),
            &cassette.header,
            parts,
            marks,
        )
    }

    /// The index of the cassette at `path` (its `text`), read line by line: each entry is parsed,
    /// folded into the index and the page's lines (`lines[N - 1]` is line N, as written again),
    /// and dropped, so the page costs its lines, not the cassette's trees.
    #[cfg(feature = "cli")]
    pub(super) fn read(
        path: &std::path::Path,
        text: &str,
        header: &'a mut Option<Header>,
        lines: &mut Vec<String>,
    ) -> Result<Self, crate::cassette::CassetteError> {
        let timeline = Timeline::read(path, text)?;
        let mut spans = HashMap::new();
        let mut diffs = Diffs::default();
        let mut releases = HashMap::new();
        lines.clear();
        lines.push(String::new()); // line 1, the header, once it is read
        let read = Cassette::read_each(path, text, |line, entry| {
            span_entry(&mut spans, line, &entry);
            release_entry(&mut releases, line, &entry);
            diffs.entry(line, &entry);
            while lines.len() + 1 < line {
                lines.push(String::new());
            }
            lines.push(serde_json::to_string(&entry).unwrap_or_default());
        })?;
        lines[0] = serde_json::to_string(&read).unwrap_or_default();
        let parts = Parts {
            timeline,
            spans,
            diffs: diffs.out,
            releases,
        };
        let header = &*header.insert(read);
        Ok(Self::from_parts(
            path.display().to_string(),
            header,
            parts,
            &Marks::default(),
        ))
    }

    /// The header of the cassette the index is of.
    #[cfg(feature = "cli")]
    pub(super) fn header(&self) -> &'a Header {
        self.header
    }

    /// The index from its parts, with what `marks` asks to mark.
    fn from_parts(file: String, header: &'a Header, parts: Parts, marks: &Marks<'a>) -> Self {
        let Parts {
            timeline,
            spans,
            diffs,
            mut releases,
        } = parts;
        let mut kinds: Vec<String> = Vec::new();
        let lanes = timeline
            .conversations
            .into_iter()
            .map(|conv| {
                let turns = conv
                    .turns
                    .into_iter()
                    .map(|turn| {
                        let key = (conv.label.clone(), turn.index);
                        let span = spans.get(&key);
                        for event in &turn.events {
                            if !kinds.contains(&event.kind) {
                                kinds.push(event.kind.clone());
                            }
                        }
                        Turn {
                            i: turn.index,
                            line: turn.line,
                            end: span.map_or(turn.line, |s| s.end),
                            status: turn.status,
                            error: turn.error,
                            ms: turn.duration_ms,
                            ev: turn
                                .events
                                .into_iter()
                                .map(|e| (e.line, e.kind, e.summary))
                                .collect(),
                            files: span.map(|s| s.effects.clone()).unwrap_or_default(),
                        }
                    })
                    .collect();
                Lane {
                    released: releases.remove(&conv.label),
                    label: conv.label,
                    line: conv.line,
                    settings: conv.settings,
                    turns,
                }
            })
            .collect();
        kinds.sort();
        Self {
            file,
            header,
            lanes,
            kinds,
            exit: timeline.exit.map(|e| Exit {
                status: e.status,
                stderr: e.stderr_tail,
            }),
            diffs,
            divergence: marks.divergence.map(Marked::of),
            pending: marks.pending,
        }
    }
}

impl<'a> Marked<'a> {
    fn of(d: &'a Divergence) -> Self {
        let (conversation, turn) = match &d.location {
            DivergenceLocation::Conversation { label, turn } => (label.clone(), *turn),
            other => (other.to_string(), None),
        };
        Self {
            cassette: d.cassette.clone(),
            line: d.line,
            conversation,
            turn,
            paths: d
                .paths
                .iter()
                .map(|p| p.split(" (").next().unwrap_or(p))
                .collect(),
            notes: &d.paths,
            recorded: &d.recorded,
            sent: &d.sent,
            diff: &d.diff,
            record_command: &d.record_command,
        }
    }
}

/// What the index is made of: the timeline, each turn's span, the diffs of rewritten files.
struct Parts {
    timeline: Timeline,
    spans: HashMap<(String, u32), Span>,
    diffs: Vec<FileDiff>,
    /// Each released conversation's release, by its label.
    releases: HashMap<String, Released>,
}

/// Where a turn's lines end, and the lines of its workspace effects.
#[derive(Default)]
struct Span {
    end: usize,
    effects: Vec<usize>,
}

fn spans(cassette: &Cassette) -> HashMap<(String, u32), Span> {
    let mut spans = HashMap::new();
    for (line, entry) in &cassette.entries {
        span_entry(&mut spans, *line, entry);
    }
    spans
}

/// Folds one entry into the turns' spans.
fn span_entry(spans: &mut HashMap<(String, u32), Span>, line: usize, entry: &Entry) {
    let (conv, turn) = match entry {
        Entry::C2s {
            conv,
            turn: Some(turn),
            ..
        }
        | Entry::S2c {
            conv,
            turn: Some(turn),
            ..
        } => (conv, *turn),
        Entry::Effects { conv, turn, .. } => (conv, *turn),
        _ => return,
    };
    let span = spans.entry((conv.clone(), turn)).or_default();
    span.end = line;
    if matches!(entry, Entry::Effects { .. }) {
        span.effects.push(line);
    }
}

/// Each released conversation's release, by its label.
fn releases(cassette: &Cassette) -> HashMap<String, Released> {
    let mut releases = HashMap::new();
    for (line, entry) in &cassette.entries {
        release_entry(&mut releases, *line, entry);
    }
    releases
}

/// Folds one entry into the releases: a `thread/unsubscribe` the client sent starts one, the
/// first `thread/closed` after it confirms it.
fn release_entry(releases: &mut HashMap<String, Released>, line: usize, entry: &Entry) {
    let (conv, msg, sent) = match entry {
        Entry::C2s { conv, msg, .. } => (conv, msg, true),
        Entry::S2c { conv, msg, .. } => (conv, msg, false),
        _ => return,
    };
    match (sent, msg.get("method").and_then(Value::as_str)) {
        (true, Some("thread/unsubscribe")) => {
            releases.insert(
                conv.clone(),
                Released {
                    unsubscribe: line,
                    closed: None,
                },
            );
        }
        (false, Some("thread/closed")) => {
            if let Some(release) = releases.get_mut(conv) {
                release.closed.get_or_insert(line);
            }
        }
        _ => {}
    }
}

/// A unified diff for every file a turn rewrote after an earlier turn of its conversation wrote
/// it (each conversation has a workspace of its own).
fn diffs(cassette: &Cassette) -> Vec<FileDiff> {
    let mut diffs = Diffs::default();
    for (line, entry) in &cassette.entries {
        diffs.entry(*line, entry);
    }
    diffs.out
}

/// The diffs so far, and each conversation's files as last written.
#[derive(Default)]
struct Diffs {
    last: HashMap<(String, String), String>,
    out: Vec<FileDiff>,
}

impl Diffs {
    /// Folds one entry in.
    fn entry(&mut self, line: usize, entry: &Entry) {
        let Entry::Effects { conv, effects, .. } = entry else {
            return;
        };
        for effect in effects {
            let key = (conv.clone(), effect.path().to_owned());
            match effect {
                Effect::Write { path, text } => {
                    // Shown as written: what the cassette keeps escaped reads as the file holds it.
                    let after = unescape_literals(text).into_owned();
                    if let Some(before) = self.last.insert(key, after.clone()) {
                        if before != after {
                            let diff = TextDiff::from_lines(before.as_str(), after.as_str())
                                .unified_diff()
                                .context_radius(3)
                                .header("before this turn", "after this turn")
                                .to_string();
                            self.out.push(FileDiff {
                                line,
                                path: path.clone(),
                                diff,
                            });
                        }
                    }
                }
                Effect::Hashed { .. } | Effect::Delete { .. } => {
                    self.last.remove(&key);
                }
            }
        }
    }
}
