//! The page: a static header, the embedded index and cassette lines, the inline style and
//! script, and a Content-Security-Policy that lets nothing else load or run.

use std::fmt::Write as _;

use sha2::{Digest, Sha256};

use super::Marks;
use super::escape;
use super::model::Model;
use crate::cassette::Cassette;
#[cfg(feature = "cli")]
use {super::PendingNote, crate::cassette::ExecCassette};

const STYLE: &str = include_str!("assets/viewer.css");
const SCRIPT: &str = include_str!("assets/viewer.js");

/// The number of `<script` blocks every page holds: the index, the lines and the page's own
/// script. Nothing from the cassette can add one.
#[cfg(test)]
pub(super) const SCRIPT_BLOCKS: usize = 3;

/// Renders `cassette` as one self-contained HTML page (CSS and script inline, nothing fetched),
/// with what `marks` asks to mark.
///
/// Every text from the cassette reaches the page escaped: in the header as HTML text, in the
/// embedded data as JSON whose `<`, `>`, `&`, U+2028, U+2029 and `://` are escapes, and on screen
/// through the DOM's text nodes only.
pub(super) fn render(cassette: &Cassette, marks: &Marks<'_>) -> String {
    let model = Model::of(cassette, marks);
    let model_json = serde_json::to_string(&model).unwrap_or_else(|_| "{}".to_owned());
    let mut lines = Vec::with_capacity(cassette.entries.len() + 1);
    lines.push(serde_json::to_string(&cassette.header).unwrap_or_default());
    for (line, entry) in &cassette.entries {
        // Keep line numbers: the cassette's line N is the embedded line N.
        while lines.len() + 1 < *line {
            lines.push(String::new());
        }
        lines.push(serde_json::to_string(entry).unwrap_or_default());
    }
    let h = &cassette.header;
    let rows = [
        ("cassette", cassette.path.display().to_string()),
        ("Codex", h.codex_version.clone()),
        (
            "protocol schema",
            h.schema_fingerprint().unwrap_or_default().to_owned(),
        ),
        ("recorded", h.recorded_at.clone()),
        ("format", h.format.to_string()),
        ("redactions", h.redactions.join(", ")),
        ("re-record with", h.record_command.clone()),
    ];
    page(&h.scenario, &rows, &model_json, &lines)
}

/// [`render`] for the app-server cassette at `path` (its `text`, taken so it is dropped once
/// read): the cassette is read line by line ([`Model::read`]), so the page costs its lines and
/// itself, not the cassette's parsed trees.
#[cfg(feature = "cli")]
pub(super) fn render_file(
    path: &std::path::Path,
    text: String,
) -> Result<String, crate::cassette::CassetteError> {
    let mut header = None;
    let mut lines = Vec::new();
    let model = Model::read(path, &text, &mut header, &mut lines)?;
    drop(text);
    let model_json = serde_json::to_string(&model).unwrap_or_else(|_| "{}".to_owned());
    let h = model.header();
    let rows = [
        ("cassette", path.display().to_string()),
        ("Codex", h.codex_version.clone()),
        (
            "protocol schema",
            h.schema_fingerprint().unwrap_or_default().to_owned(),
        ),
        ("recorded", h.recorded_at.clone()),
        ("format", h.format.to_string()),
        ("redactions", h.redactions.join(", ")),
        ("re-record with", h.record_command.clone()),
    ];
    Ok(page(&h.scenario, &rows, &model_json, &lines))
}

/// The page of an exec cassette: its runs as the turns of one lane (see [`super::exec`]).
/// `pending` names the committed cassette when the page is of a pending re-recording.
#[cfg(feature = "cli")]
pub(super) fn render_exec(cassette: &ExecCassette, pending: Option<&PendingNote>) -> String {
    let (model, lines) = super::exec::model_and_lines(cassette, pending);
    let model_json = serde_json::to_string(&model).unwrap_or_else(|_| "{}".to_owned());
    let h = &cassette.header;
    let rows = [
        ("cassette", cassette.path.display().to_string()),
        ("kind", "codex exec runs".to_owned()),
        ("Codex", h.codex_version.clone()),
        ("recorded", h.recorded_at.clone()),
        ("format", h.format.to_string()),
        ("redactions", h.redactions.join(", ")),
        ("re-record with", h.record_command.clone()),
    ];
    page(&h.scenario, &rows, &model_json, &lines)
}

/// The page around a header (`rows`), the index (`model_json`) and the cassette's `lines`
/// (line N of the cassette is `lines[N - 1]`).
fn page(scenario: &str, rows: &[(&str, String)], model_json: &str, lines: &[String]) -> String {
    let size: usize = lines.iter().map(|l| l.len() + 1).sum();

    let mut out = String::with_capacity(size + model_json.len() + SCRIPT.len() + 8192);
    out.push_str("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    let _ = writeln!(
        out,
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; \
         script-src 'sha256-{}'; style-src 'sha256-{}'; img-src data:\">",
        escape::base64(&Sha256::digest(SCRIPT.as_bytes())),
        escape::base64(&Sha256::digest(STYLE.as_bytes())),
    );
    out.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    out.push_str("<title>");
    escape::html(&mut out, &format!("{scenario} · prompt-diary"));
    out.push_str("</title>\n<style>");
    out.push_str(STYLE);
    out.push_str("</style>\n</head>\n<body>\n");
    header(&mut out, scenario, rows);
    out.push_str(
        "<div id=\"banner\"></div>\n<nav id=\"toolbar\">\
         <input id=\"q\" type=\"search\" placeholder=\"search the cassette\" \
         aria-label=\"search\"> <span id=\"kinds\"></span> <span id=\"status\"></span></nav>\n\
         <noscript><p>This page draws the cassette with its script; enable JavaScript, or read \
         the cassette with <code>prompt-diary inspect</code>.</p></noscript>\n\
         <main id=\"lanes\"></main>\n",
    );
    out.push_str("<script type=\"application/json\" id=\"pd-model\">");
    escape::script_json(&mut out, model_json);
    out.push_str("</script>\n<script type=\"application/x-ndjson\" id=\"pd-lines\">");
    for line in lines {
        escape::script_json(&mut out, line);
        out.push('\n');
    }
    out.push_str("</script>\n<script>");
    out.push_str(SCRIPT);
    out.push_str("</script>\n</body>\n</html>\n");
    out
}

/// The cassette's header as static HTML (readable before the script runs).
fn header(out: &mut String, scenario: &str, rows: &[(&str, String)]) {
    out.push_str("<header id=\"pd-header\"><h1>");
    escape::html(out, scenario);
    out.push_str("</h1><dl>");
    for (name, value) in rows {
        out.push_str("<div><dt>");
        escape::html(out, name);
        out.push_str("</dt><dd><code>");
        escape::html(out, value);
        out.push_str("</code></dd></div>");
    }
    out.push_str("</dl></header>\n");
}
