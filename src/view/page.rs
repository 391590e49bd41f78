//! One self-contained HTML page for a cassette: CSS and script inline, nothing fetched, every
//! text from the cassette escaped. Conversations are lanes side by side, turns collapsible
//! blocks, every event linked to its cassette line with the raw line one click away, a filter by
//! kind and a text search.

use std::collections::BTreeSet;
use std::fmt::Write as _;

use crate::cassette::{Cassette, Divergence, Effect, Timeline};

/// The page's style and script (no network, works from `file://`).
const STYLE: &str = include_str!("page.css");
const SCRIPT: &str = include_str!("page.js");

/// Escapes text for HTML element content: `&`, `<` and `>` (quotes are harmless there, and JSON
/// is full of them).
pub(crate) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            other => out.push(other),
        }
    }
    out
}

/// Escapes text for a double-quoted attribute value: [`escape`] and the quotes.
pub(crate) fn escape_attr(text: &str) -> String {
    escape(text).replace('"', "&quot;").replace('\'', "&#39;")
}

/// The page for `cassette`.
pub(crate) fn render(cassette: &Cassette) -> String {
    render_with(cassette, None)
}

/// The page for `cassette` with `divergence` marked: a panel first (where, the differing JSON
/// paths, recorded and sent side by side, the diff), and the turn it happened in opened and
/// outlined.
pub(crate) fn render_divergence(cassette: &Cassette, divergence: &Divergence) -> String {
    render_with(cassette, Some(divergence))
}

fn divergence_panel(divergence: &Divergence) -> String {
    let pretty =
        |value: &serde_json::Value| serde_json::to_string_pretty(value).unwrap_or_default();
    let paths: String = divergence
        .paths
        .iter()
        .map(|path| format!("<li><code>{}</code></li>", escape(path)))
        .collect();
    let turn = divergence.turn.map_or_else(
        || "before the first turn".to_owned(),
        |t| format!("turn {t}"),
    );
    format!(
        "<section class=\"divergence\"><h2>replay diverged at <a href=\"#L{line}\">line {line}</a>: \
         conversation {conv}, {turn}</h2><p>differing JSON paths:</p><ul>{paths}</ul>\
         <div class=\"sides\"><div><b>recorded</b><pre>{recorded}</pre></div>\
         <div><b>sent now</b><pre>{sent}</pre></div></div>\
         <details><summary>diff</summary><pre>{diff}</pre></details>\
         <p>if the change is intended, re-record with <code>{command}</code></p></section>",
        line = divergence.line,
        conv = escape(&divergence.conversation),
        turn = escape(&turn),
        recorded = escape(
            &divergence
                .recorded
                .as_ref()
                .map(pretty)
                .unwrap_or_else(|| "(nothing expected)".to_owned())
        ),
        sent = escape(&pretty(&divergence.sent)),
        diff = escape(&divergence.diff),
        command = escape(&divergence.record_command),
    )
}

fn render_with(cassette: &Cassette, divergence: Option<&Divergence>) -> String {
    let timeline = Timeline::of(cassette);
    let header = &timeline.header;
    let mut kinds = BTreeSet::new();
    let mut lanes = String::new();
    for conversation in &timeline.conversations {
        let _ = write!(
            lanes,
            "<section class=\"lane\"><h2>conversation {} <a class=\"line\" href=\"#L{}\">line {}</a></h2>",
            escape(&conversation.label),
            conversation.line,
            conversation.line
        );
        if !conversation.settings.is_empty() {
            let settings = serde_json::Value::Object(conversation.settings.clone()).to_string();
            let _ = write!(lanes, "<p class=\"settings\">{}</p>", escape(&settings));
        }
        for turn in &conversation.turns {
            let status = turn.status.as_deref().unwrap_or("never completed");
            let diverged = divergence.is_some_and(|d| {
                d.conversation == conversation.label && d.turn == Some(turn.index)
            });
            let _ = write!(
                lanes,
                "<details class=\"turn{}\" data-status=\"{status}\"{}><summary>turn {} · {} \
                 <a class=\"line\" href=\"#L{}\">line {}</a></summary>",
                if diverged { " diverged" } else { "" },
                if diverged { " open" } else { "" },
                turn.index,
                escape(status),
                turn.line,
                turn.line,
                status = escape_attr(status)
            );
            let _ = write!(
                lanes,
                "<div class=\"block\" data-kind=\"prompt\"><b>prompt</b><pre>{}</pre></div>",
                escape(&turn.prompt)
            );
            for event in &turn.events {
                kinds.insert(event.kind.clone());
                let _ = write!(
                    lanes,
                    "<div class=\"block\" data-kind=\"{kind}\"><b>{kind}</b> <span>{}</span> \
                     <a class=\"line\" href=\"#L{line}\">line {line}</a></div>",
                    escape(&event.summary),
                    kind = escape_attr(&event.kind),
                    line = event.line
                );
            }
            for file in &turn.files {
                kinds.insert("file".to_owned());
                let _ = write!(
                    lanes,
                    "<div class=\"block\" data-kind=\"file\">{}</div>",
                    file_block(file)
                );
            }
            if let Some(error) = &turn.error {
                let _ = write!(
                    lanes,
                    "<div class=\"block error\" data-kind=\"error\"><b>error</b> {}</div>",
                    escape(error)
                );
            }
            lanes.push_str("</details>");
        }
        lanes.push_str("</section>");
    }
    let filters: String = std::iter::once("prompt".to_owned())
        .chain(kinds)
        .map(|kind| {
            format!(
                "<label><input type=\"checkbox\" class=\"kind\" value=\"{}\" checked> {}</label>",
                escape_attr(&kind),
                escape(&kind)
            )
        })
        .collect();
    let lines: String = cassette
        .entries
        .iter()
        .map(|(line, entry)| {
            let text = serde_json::to_string(entry).unwrap_or_default();
            format!(
                "<div id=\"L{line}\"><span class=\"n\">{line}</span> {}</div>",
                escape(&text)
            )
        })
        .collect();
    let exit = timeline
        .exit
        .as_ref()
        .map(|exit| format!("<p>server exit: {}</p>", escape(&exit.status)))
        .unwrap_or_default();
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <title>{title}</title><style>{STYLE}</style></head><body>\
         <header><h1>{title}</h1><table>\
         <tr><th>scenario</th><td>{scenario}</td></tr>\
         <tr><th>Codex</th><td>{codex}</td></tr>\
         <tr><th>protocol schema</th><td>{schema}</td></tr>\
         <tr><th>recorded</th><td>{date}</td></tr>\
         <tr><th>re-record with</th><td><code>{command}</code></td></tr></table>{exit}</header>\
         {panel}<nav><input id=\"search\" type=\"search\" placeholder=\"search\"> {filters} \
         <button id=\"expand\">expand all</button></nav>\
         <main class=\"lanes\">{lanes}</main>\
         <details class=\"raw\"><summary>all cassette lines</summary><div class=\"lines\">{lines}</div></details>\
         <script>{SCRIPT}</script></body></html>\n",
        title = escape(&cassette.path.display().to_string()),
        panel = divergence.map(divergence_panel).unwrap_or_default(),
        scenario = escape(&header.scenario),
        codex = escape(&header.codex_version),
        schema = escape(&header.schema_fingerprint),
        date = escape(&header.recorded_at),
        command = escape(&header.record_command),
    )
}

fn file_block(file: &Effect) -> String {
    match file {
        Effect::Write { path, text } => format!(
            "<b>file</b> wrote {}<pre>{}</pre>",
            escape(path),
            escape(text)
        ),
        Effect::Hashed { path, len, .. } => {
            format!(
                "<b>file</b> wrote {} ({len} bytes, binary or large)",
                escape(path)
            )
        }
        Effect::Delete { path } => format!("<b>file</b> deleted {}", escape(path)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn committed(name: &str) -> (String, Cassette) {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("cassettes/{name}.jsonl"));
        let text = std::fs::read_to_string(&path).unwrap();
        let cassette = Cassette::parse(&path, &text).unwrap();
        (text, cassette)
    }

    #[test]
    fn the_page_shows_the_prompt_the_reply_the_command_and_the_file() {
        let (_, cassette) = committed("tool_artifact");
        let page = render(&cassette);
        assert!(
            page.contains("Write artifact.md with a title and one line."),
            "prompt"
        );
        assert!(page.contains("Wrote artifact.md."), "reply");
        assert!(page.contains("exit code 0"), "command");
        assert!(page.contains("written by the agent"), "file contents");
        assert!(page.contains("re-record with"), "header");
    }

    #[test]
    fn nothing_is_fetched_from_the_network() {
        for name in ["tool_artifact", "mcp_tool_call", "realistic_stream"] {
            let page = render(&committed(name).1);
            assert!(
                !page.contains("http://") && !page.contains("https://"),
                "{name}"
            );
            assert!(!page.contains(" src="), "{name}: no external resources");
        }
    }

    #[test]
    fn text_from_the_cassette_is_escaped_and_runs_nothing() {
        let (text, _) = committed("single_turn");
        let hostile = text.replace(
            "Say hello.",
            "<script>alert(1)</script></textarea><img onerror=x>",
        );
        let path = Path::new("hostile.jsonl");
        let page = render(&Cassette::parse(path, &hostile).unwrap());
        assert!(
            !page.contains("<script>alert(1)"),
            "a script tag from the cassette"
        );
        assert!(
            !page.contains("</textarea>"),
            "a closing tag from the cassette"
        );
        assert!(!page.contains("<img"), "an element from the cassette");
        assert!(page.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
        assert_eq!(
            page.matches("<script>").count(),
            1,
            "only the page's own script"
        );
    }

    #[test]
    fn a_large_cassettes_page_is_at_most_one_and_a_half_times_its_size() {
        // Small cassettes carry the page's fixed style and script (about 4 KiB) on top.
        let (text, cassette) = committed("diary_workflow");
        let ratio = render(&cassette).len() as f64 / text.len() as f64;
        assert!(ratio <= 1.5, "the page is {ratio:.2} times the cassette");
    }
}
