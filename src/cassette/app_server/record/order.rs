//! The canonical order of a recorded conversation: where the server's racing messages go, so
//! that two recordings of the same session come out line for line the same.

use serde_json::Value;

use crate::cassette::app_server::format::Entry;

/// Notifications the server emits on its own schedule, racing with the client's next message.
/// Their position is made canonical so re-recordings compare equal; replay emits them early,
/// which no client can tell from live.
const UNORDERED: &[&str] = &["thread/started", "mcpServer/startupStatus/updated"];

fn notification_method(entry: &Entry) -> Option<&str> {
    match entry {
        Entry::S2c { msg, .. } if msg.get("id").is_none() => {
            msg.get("method").and_then(Value::as_str)
        }
        _ => None,
    }
}

/// Backend section: every notification moves to the end (after the handshake), grouped by
/// method. Conversation: the racing notifications move right after the `thread/start` response.
pub(super) fn canonical_order(entries: &mut Vec<Entry>, backend: bool) {
    let floats = |entry: &Entry| match notification_method(entry) {
        Some(method) => backend || UNORDERED.contains(&method),
        None => false,
    };
    let (mut moved, kept): (Vec<Entry>, Vec<Entry>) =
        std::mem::take(entries).into_iter().partition(floats);
    moved.sort_by(|a, b| notification_method(a).cmp(&notification_method(b)));
    let at = if backend {
        kept.len()
    } else {
        kept.iter()
            .position(
                |e| matches!(e, Entry::S2c { msg, .. } if msg.pointer("/result/thread").is_some()),
            )
            .map_or(0, |i| i + 1)
    };
    let mut kept = kept;
    let tail = kept.split_off(at);
    let anchor_turn = kept.last().and_then(|e| match e {
        Entry::C2s { turn, .. } | Entry::S2c { turn, .. } => *turn,
        _ => None,
    });
    for entry in &mut moved {
        if let Entry::S2c { turn, .. } = entry {
            *turn = anchor_turn;
        }
    }
    kept.extend(moved);
    kept.extend(tail);
    *entries = responses_first(kept);
}

/// Puts the response to the latest client request right after that request: the server races
/// it with notifications the same request caused.
fn responses_first(entries: Vec<Entry>) -> Vec<Entry> {
    let mut out: Vec<Entry> = Vec::with_capacity(entries.len());
    // (index just past the request and the responses already moved there, request id)
    let mut open: Option<(usize, Value)> = None;
    for entry in entries {
        match &entry {
            Entry::C2s { msg, .. } => {
                open = match (msg.get("method"), msg.get("id")) {
                    (Some(_), Some(id)) => Some((out.len() + 1, id.clone())),
                    _ => None,
                };
            }
            Entry::S2c { msg, .. } if msg.get("method").is_none() => {
                if let Some((at, id)) = &mut open {
                    if msg.get("id") == Some(id) {
                        out.insert(*at, entry);
                        open = None;
                        continue;
                    }
                }
            }
            _ => {}
        }
        out.push(entry);
    }
    out
}
