//! Seeing a session: a cassette as one self-contained HTML page (`prompt-diary view`), read
//! through the cassette's [`Timeline`](crate::cassette::Timeline).
//!
//! The page opens from disk (`file://`) in any browser and loads nothing: its CSS and script are
//! inline and a Content-Security-Policy forbids every fetch and lets only its own script run. It
//! shows the header (Codex version, protocol schema, scenario, recording date, the command that
//! re-records), each conversation as a lane, turns as collapsible blocks (prompt, agent
//! messages, reasoning, commands with output and exit codes, file changes and the files each
//! turn wrote with a diff where it rewrote one, MCP tool calls, approvals and the answer sent,
//! errors, retries, interrupts, durations), every block linked to its cassette line with the raw
//! line one click away, a filter by kind and a text search.
//!
//! The cassette is embedded once, as its lines (every `<`, `>`, `&`, U+2028 and U+2029 a JSON
//! escape, so no text of the cassette can end the block it sits in), beside a small index of
//! conversations, turns and events; the script draws a turn's body only when it is opened and
//! shows long lanes a page of turns at a time, so a cassette of 100,000 lines opens in well
//! under two seconds (BENCHMARKS.md, `view_scale`).
//!
//! An exec cassette (the `codex exec` runs of one thread) is drawn the same way, its runs as the
//! turns of one lane ([`render_exec`]).
//!
//! A failed replay is shown with its [`Divergence`] marked ([`render_divergence`]), a pending
//! `.new` re-recording with the committed cassette it would replace and the change by meaning
//! ([`render_pending`]).

mod escape;
#[cfg(feature = "cli")]
mod exec;
mod model;
mod page;

use std::path::PathBuf;

use serde::Serialize;

#[cfg(feature = "cli")]
use crate::cassette::{AnyCassette, CassetteError, ExecCassette, PendingRecording};
use crate::cassette::{Cassette, Divergence};

/// What a page marks besides the cassette.
#[derive(Default)]
struct Marks<'a> {
    /// A replay's divergence: the turn where it happened opens with both messages.
    divergence: Option<&'a Divergence>,
    /// The page is of a pending re-recording.
    pending: Option<&'a PendingNote>,
}

/// A pending `.new` re-recording as its page names it: the committed cassette it would replace,
/// and what changed, by meaning (the text `review` prints).
#[derive(Debug, Serialize)]
pub(crate) struct PendingNote {
    /// The committed cassette.
    pub(crate) committed: PathBuf,
    /// The change by meaning; `None` for a cassette with nothing committed yet.
    pub(crate) meaning: Option<String>,
    /// The command that accepts the re-recording.
    pub(crate) accept: String,
}

/// The page of `cassette` (the command line reads a file through [`render_file`]; this one is
/// what that page must equal).
#[cfg(test)]
pub(crate) fn render(cassette: &Cassette) -> String {
    page::render(cassette, &Marks::default())
}

/// The page of the app-server cassette at `path` whose text is `text`, read line by line (a
/// page of a large cassette costs its lines, not the cassette's parsed trees).
#[cfg(feature = "cli")]
pub(crate) fn render_file(path: &std::path::Path, text: String) -> Result<String, CassetteError> {
    page::render_file(path, text)
}

/// The page of an exec cassette: its `codex exec` runs as the turns of one lane, each with the
/// stdin it was given, the items and errors it printed, the files it wrote and how it ended.
#[cfg(feature = "cli")]
pub(crate) fn render_exec(cassette: &ExecCassette) -> String {
    page::render_exec(cassette, None)
}

/// The page of `cassette` with `divergence` marked: a banner first (where), and the turn it
/// happened in opened, the recorded and the sent message side by side with the differing JSON
/// paths highlighted, the diff, and the command that re-records.
pub(crate) fn render_divergence(cassette: &Cassette, divergence: &Divergence) -> String {
    let marks = Marks {
        divergence: Some(divergence),
        ..Marks::default()
    };
    page::render(cassette, &marks)
}

/// The page of a pending re-recording `cassette`, with a banner naming the committed cassette
/// it would replace, the change by meaning and how to accept it.
#[cfg(feature = "cli")]
pub(crate) fn render_pending(cassette: &Cassette, note: &PendingNote) -> String {
    let marks = Marks {
        pending: Some(note),
        ..Marks::default()
    };
    page::render(cassette, &marks)
}

/// The page of the pending re-recording `item` and where it goes: beside the `.new` file, its
/// name with `.html` added (`NAME.jsonl.new.html`). `meaning` is the change as `review` says it
/// (`None` when nothing is committed yet), `accept` the command that accepts it.
#[cfg(feature = "cli")]
pub(crate) fn pending_page(
    item: &PendingRecording,
    meaning: Option<String>,
    accept: String,
) -> Result<(PathBuf, String), CassetteError> {
    let note = PendingNote {
        committed: item.committed.clone(),
        meaning,
        accept,
    };
    let html = match AnyCassette::load(&item.pending, "")? {
        AnyCassette::Exec(cassette) => page::render_exec(&cassette, Some(&note)),
        AnyCassette::AppServer(cassette) => render_pending(&cassette, &note),
    };
    let mut page = item.pending.clone().into_os_string();
    page.push(".html");
    Ok((PathBuf::from(page), html))
}

#[cfg(test)]
mod tests;
