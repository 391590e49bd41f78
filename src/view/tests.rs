//! The page without a browser: self-contained, escaped, faithful to the cassette, small. The
//! browser tier (`tests/cli/view_browser.rs`) opens the same pages in headless Chromium.

use std::path::Path;

use serde_json::{Value, json};

use super::page::SCRIPT_BLOCKS;
use super::{PendingNote, render, render_pending};
use crate::cassette::{Cassette, Timeline};

const COMMITTED: [&str; 14] = [
    "apply_patch",
    "approval_declined",
    "concurrent_runners",
    "diary_workflow",
    "mcp_tool_call",
    "model_error_retry",
    "realistic_stream",
    "repair_missing_artifact",
    "single_turn",
    "structured_output_turn",
    "timeout_resume",
    "tool_artifact",
    "validation_feedback",
    "web_search",
];

fn text_of(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("cassettes/{name}.jsonl"));
    std::fs::read_to_string(path).unwrap()
}

fn committed(name: &str) -> Cassette {
    Cassette::parse(
        Path::new(&format!("cassettes/{name}.jsonl")),
        &text_of(name),
    )
    .unwrap()
}

/// The text between `<script ... id="ID">` and the next `</script>`.
fn block<'a>(html: &'a str, id: &str) -> &'a str {
    let open = format!("id=\"{id}\">");
    let start = html.find(&open).unwrap() + open.len();
    let len = html[start..].find("</script>").unwrap();
    &html[start..start + len]
}

fn model(html: &str) -> Value {
    serde_json::from_str(block(html, "pd-model")).unwrap()
}

/// `tool_artifact` with `evil` in its prompt (the client's and the server's echo), in the file
/// the turn wrote, and in the scenario name.
fn with_evil_text(evil: &str) -> Cassette {
    let quoted = serde_json::to_string(evil).unwrap();
    let inner = &quoted[1..quoted.len() - 1];
    let text = text_of("tool_artifact")
        .replace("Write artifact.md with a title and one line.", inner)
        .replace("written by the agent\\n\"", &format!("{inner}\\n\""));
    let mut cassette = Cassette::parse(Path::new("evil.jsonl"), &text).unwrap();
    cassette.header.scenario = evil.to_owned();
    cassette
}

#[test]
fn every_committed_cassette_gives_a_page_that_loads_nothing() {
    for name in COMMITTED {
        let html = render(&committed(name));
        assert!(html.starts_with("<!DOCTYPE html>"), "{name}");
        assert!(
            !html.contains("http://") && !html.contains("https://"),
            "{name}: the page holds an address"
        );
        for attr in [
            "src=", "href=", "url(", "@import", "<link", "<iframe", "<img",
        ] {
            assert!(!html.contains(attr), "{name}: the page names {attr}");
        }
        assert!(
            html.contains("Content-Security-Policy\" content=\"default-src 'none';"),
            "{name}: the policy forbids every fetch"
        );
        assert_eq!(html.matches("<script").count(), SCRIPT_BLOCKS, "{name}");
    }
}

#[test]
fn addresses_in_the_cassette_do_not_become_addresses_in_the_page() {
    let mut cassette =
        with_evil_text("see https://example.invalid/x.js and http://example.invalid/y.css");
    cassette.header.record_command = "curl https://example.invalid/record".into();
    let html = render(&cassette);
    assert!(!html.contains("https://") && !html.contains("http://"));
    // Still there for a reader: as an escape the browser's JSON parser and HTML parser undo.
    assert!(html.contains("https:\\/\\/example.invalid/x.js"));
    assert!(html.contains("curl https:&#47;&#47;example.invalid/record"));
}

#[test]
fn the_embedded_lines_are_the_cassette_lines_and_the_index_has_a_lane_per_conversation() {
    let file = text_of("concurrent_runners");
    let html = render(&committed("concurrent_runners"));
    let embedded: Vec<&str> = block(&html, "pd-lines").lines().collect();
    let original: Vec<&str> = file.lines().collect();
    assert_eq!(embedded.len(), original.len());
    for (got, want) in embedded.iter().zip(&original) {
        let got: Value = serde_json::from_str(got).unwrap();
        let want: Value = serde_json::from_str(want).unwrap();
        assert_eq!(got, want);
    }
    let timeline = Timeline::of(&committed("concurrent_runners"));
    let lanes = model(&html)["lanes"].as_array().unwrap().clone();
    assert_eq!(lanes.len(), timeline.conversations.len(), "a lane a runner");
    assert!(lanes.len() > 1);
    for (lane, conversation) in lanes.iter().zip(&timeline.conversations) {
        assert_eq!(lane["label"], conversation.label.as_str());
        assert_eq!(
            lane["turns"].as_array().unwrap().len(),
            conversation.turns.len()
        );
    }
}

#[test]
fn the_index_links_every_event_to_its_cassette_line() {
    let cassette = committed("tool_artifact");
    let html = render(&cassette);
    let turn = &model(&html)["lanes"][0]["turns"][0];
    let timeline = Timeline::of(&cassette);
    let events = &timeline.conversations[0].turns[0].events;
    let indexed = turn["ev"].as_array().unwrap();
    assert_eq!(indexed.len(), events.len());
    for (got, event) in indexed.iter().zip(events) {
        assert_eq!(got, &json!([event.line, event.kind, event.summary]));
    }
    assert!(indexed.iter().any(|e| e[1] == "command"), "{turn}");
    assert_eq!(turn["files"].as_array().unwrap().len(), 1, "the files line");
}

#[test]
fn script_and_textarea_in_a_prompt_a_file_or_the_header_stay_text() {
    let evil = "</textarea><script>window.pwned=1</script><!-- & \u{2028}";
    let html = render(&with_evil_text(evil));
    assert!(
        !html.contains("<script>window"),
        "a cassette text opened a script"
    );
    assert!(!html.contains("</textarea>"));
    assert!(!html.contains("<!--"));
    assert_eq!(html.matches("<script").count(), SCRIPT_BLOCKS);
    assert_eq!(html.matches("</script>").count(), SCRIPT_BLOCKS);
    assert!(html.contains("<h1>&lt;/textarea&gt;&lt;script&gt;window.pwned=1"));
    // The embedded text is escaped and means the same once parsed.
    let lines = block(&html, "pd-lines");
    assert!(lines.contains("\\u003c/textarea\\u003e\\u003cscript\\u003ewindow.pwned=1"));
    let prompt = lines.lines().find(|l| l.contains("turn/start")).unwrap();
    let value: Value = serde_json::from_str(prompt).unwrap();
    assert_eq!(value["msg"]["params"]["input"][0]["text"], evil);
    let files = lines.lines().find(|l| l.contains("\"effects\"")).unwrap();
    let value: Value = serde_json::from_str(files).unwrap();
    assert!(value["effects"][0]["text"].as_str().unwrap().contains(evil));
}

#[test]
fn a_large_cassettes_page_is_at_most_one_and_a_half_times_its_size() {
    // Small cassettes carry the page's fixed style and script (about 24 KiB) on top.
    let text = text_of("diary_workflow");
    let ratio = render(&committed("diary_workflow")).len() as f64 / text.len() as f64;
    assert!(ratio <= 1.5, "the page is {ratio:.2} times the cassette");
}

#[test]
fn a_pending_re_recording_names_the_cassette_it_would_replace() {
    let note = PendingNote {
        committed: "cassettes/single_turn.jsonl".into(),
        meaning: Some("what the agent did: unchanged\n".into()),
        accept: "prompt-diary accept cassettes single_turn".into(),
    };
    let html = render_pending(&committed("single_turn"), &note);
    let pending = model(&html)["pending"].clone();
    assert_eq!(pending["committed"], "cassettes/single_turn.jsonl");
    assert_eq!(pending["meaning"], "what the agent did: unchanged\n");
    assert_eq!(
        pending["accept"],
        "prompt-diary accept cassettes single_turn"
    );
}

#[test]
fn an_exec_cassette_is_one_lane_of_runs_linked_to_their_lines_and_stays_text() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/view/exec_two_runs.jsonl");
    let text = std::fs::read_to_string(&path).unwrap();
    let cassette = crate::cassette::ExecCassette::parse(&path, &text).unwrap();
    let html = super::render_exec(&cassette);
    assert_eq!(html.matches("<script").count(), SCRIPT_BLOCKS);
    assert!(
        !html.contains("<script>window.pwned"),
        "the prompt stays text"
    );
    assert!(!html.contains("hello </textarea>"), "the file stays text");
    let index = model(&html);
    assert_eq!(index["exec"], true);
    let runs = index["lanes"][0]["turns"].as_array().unwrap();
    assert_eq!(runs.len(), 2);
    assert_eq!(
        runs[0]["ev"],
        json!([
            [
                5,
                "command",
                "/bin/bash -lc 'printf hello > notes.md && wc -c notes.md' → exit 0"
            ],
            [6, "message", "notes.md is written."]
        ])
    );
    assert_eq!(runs[0]["files"], json!([8]));
    assert_eq!(
        (runs[0]["line"].clone(), runs[0]["end"].clone()),
        (json!(2), json!(9))
    );
    assert_eq!(runs[1]["status"], "failed");
    assert_eq!(runs[1]["error"], "unexpected status 500");
    let lines: Vec<&str> = text.lines().collect();
    let embedded = block(&html, "pd-lines");
    assert_eq!(
        embedded.lines().count(),
        lines.len(),
        "one embedded line per cassette line"
    );
}

#[test]
fn a_page_read_line_by_line_is_the_page_of_the_parsed_cassette() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("cassettes");
    let mut seen = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let crate::cassette::ForPage::AppServer(text) =
            crate::cassette::AnyCassette::for_page(&path, "").unwrap()
        else {
            continue;
        };
        let whole = super::render(&Cassette::parse(&path, &text).unwrap());
        let streamed = super::render_file(&path, text).unwrap();
        if whole != streamed {
            let at = whole
                .bytes()
                .zip(streamed.bytes())
                .position(|(a, b)| a != b)
                .unwrap_or(whole.len().min(streamed.len()));
            let from = at.saturating_sub(80);
            panic!(
                "{} differs at byte {at}:\n{}\n---\n{}",
                path.display(),
                &whole[from..(at + 80).min(whole.len())],
                &streamed[from..(at + 80).min(streamed.len())]
            );
        }
        seen += 1;
    }
    assert!(
        seen >= 10,
        "expected the committed app-server cassettes, saw {seen}"
    );
}

/// The lines of `text` (1-based) whose message has `method`, in conversation `conv`.
fn lines_of(text: &str, conv: &str, method: &str) -> Vec<usize> {
    text.lines()
        .enumerate()
        .filter(|(_, line)| {
            let v: Value = serde_json::from_str(line).unwrap();
            v["conv"] == conv && v["msg"]["method"] == method
        })
        .map(|(i, _)| i + 1)
        .collect()
}

#[test]
fn a_released_conversation_is_shown_closed_at_its_unsubscribe_and_closed_lines() {
    let text = text_of("diary_workflow");
    let lanes = model(&render(&committed("diary_workflow")))["lanes"]
        .as_array()
        .unwrap()
        .clone();
    assert!(lanes.len() >= 6, "diary_workflow has a lane per phase");
    let mut released = 0;
    for lane in &lanes {
        let label = lane["label"].as_str().unwrap();
        let unsubscribe = lines_of(&text, label, "thread/unsubscribe");
        let closed = lines_of(&text, label, "thread/closed");
        if unsubscribe.is_empty() {
            assert!(lane.get("released").is_none(), "{label}: {lane}");
            continue;
        }
        released += 1;
        assert_eq!(
            lane["released"],
            json!({"unsubscribe": unsubscribe[0], "closed": closed[0]}),
            "{label}"
        );
    }
    assert_eq!(released, 6, "the workflow's six phases each close");
    // The first lane by hand: its release is lines 56 and 59 of the committed cassette.
    assert_eq!(
        lanes[0]["released"],
        json!({"unsubscribe": 56, "closed": 59})
    );

    // A conversation that never closed has no release; one whose close was never confirmed
    // shows the unsubscribe alone.
    let single = model(&render(&committed("single_turn")));
    assert!(single["lanes"][0].get("released").is_none());
    let unconfirmed: String = text
        .lines()
        .filter(|l| !l.contains("\"method\":\"thread/closed\""))
        .map(|l| format!("{l}\n"))
        .collect();
    let cassette = Cassette::parse(Path::new("unconfirmed.jsonl"), &unconfirmed).unwrap();
    let page = render(&cassette);
    let lane = &model(&page)["lanes"][0];
    assert_eq!(lane["released"], json!({"unsubscribe": 56}));
    assert!(
        page.contains("release not confirmed"),
        "the script names it"
    );
}
