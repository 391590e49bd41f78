//! The index the page is drawn from: conversations, turns and events with their cassette lines,
//! built from the [`Timeline`]. Message texts stay in the embedded cassette lines; the index
//! holds only what a collapsed turn shows, so nothing large is embedded twice.

use std::collections::HashMap;
use std::path::PathBuf;

use serde::Serialize;
use serde_json::{Map, Value};
use similar::TextDiff;

use super::{Marks, PendingNote};
use crate::cassette::{Cassette, Divergence, Effect, Entry, Header, Timeline, unescape_literals};

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
    conversation: &'a str,
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
        let timeline = Timeline::of(cassette);
        let spans = spans(cassette);
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
                    label: conv.label,
                    line: conv.line,
                    settings: conv.settings,
                    turns,
                }
            })
            .collect();
        kinds.sort();
        Self {
            file: cassette.path.display().to_string(),
            header: &cassette.header,
            lanes,
            kinds,
            exit: timeline.exit.map(|e| Exit {
                status: e.status,
                stderr: e.stderr_tail,
            }),
            diffs: diffs(cassette),
            divergence: marks.divergence.map(Marked::of),
            pending: marks.pending,
        }
    }
}

impl<'a> Marked<'a> {
    fn of(d: &'a Divergence) -> Self {
        Self {
            cassette: d.cassette.clone(),
            line: d.line,
            conversation: &d.conversation,
            turn: d.turn,
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

/// Where a turn's lines end, and the lines of its workspace effects.
#[derive(Default)]
struct Span {
    end: usize,
    effects: Vec<usize>,
}

fn spans(cassette: &Cassette) -> HashMap<(String, u32), Span> {
    let mut spans: HashMap<(String, u32), Span> = HashMap::new();
    for (line, entry) in &cassette.entries {
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
            _ => continue,
        };
        let span = spans.entry((conv.clone(), turn)).or_default();
        span.end = *line;
        if matches!(entry, Entry::Effects { .. }) {
            span.effects.push(*line);
        }
    }
    spans
}

/// A unified diff for every file a turn rewrote after an earlier turn of its conversation wrote
/// it (each conversation has a workspace of its own).
fn diffs(cassette: &Cassette) -> Vec<FileDiff> {
    let mut last: HashMap<(String, String), String> = HashMap::new();
    let mut out = Vec::new();
    for (line, entry) in &cassette.entries {
        let Entry::Effects { conv, effects, .. } = entry else {
            continue;
        };
        for effect in effects {
            let key = (conv.clone(), effect.path().to_owned());
            match effect {
                Effect::Write { path, text } => {
                    // Shown as written: what the cassette keeps escaped reads as the file holds it.
                    let after = unescape_literals(text).into_owned();
                    if let Some(before) = last.insert(key, after.clone()) {
                        if before != after {
                            let diff = TextDiff::from_lines(before.as_str(), after.as_str())
                                .unified_diff()
                                .context_radius(3)
                                .header("before this turn", "after this turn")
                                .to_string();
                            out.push(FileDiff {
                                line: *line,
                                path: path.clone(),
                                diff,
                            });
                        }
                    }
                }
                Effect::Hashed { .. } | Effect::Delete { .. } => {
                    last.remove(&key);
                }
            }
        }
    }
    out
}
