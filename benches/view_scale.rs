//! Bench 6: the viewer at scale. A cassette of about 100,000 lines, recorded with the crate's own
//! `Recorder` from generated traffic (`tests/support/synthetic.rs`), is written as a page by
//! `prompt-diary view`; the page's size is compared with the cassette's, and the page is opened
//! from `file://` in headless Chromium (Debian's, driven by playwright-core through
//! `scripts/browser/drive.js`) several times, each time measuring how long it takes to become
//! usable: from navigation start until the page has parsed its data, drawn the first page of
//! turns of every lane and answers input (`window.pdReadyMs`, the page's own
//! `performance.now()` when it marks `html[data-ready]`).
//!
//! Knobs: `PROMPT_DIARY_BENCH_LINES` (default 100000), `PROMPT_DIARY_BENCH_CONVERSATIONS`
//! (default 16), `PROMPT_DIARY_BENCH_REPS` (browser loads, default 7). The browser part needs
//! `bash scripts/browser-env.sh`.

#[path = "../tests/support/browser.rs"]
mod browser;
mod common;
#[path = "../tests/support/synthetic.rs"]
mod synthetic;

use std::path::Path;
use std::process::Command;
use std::time::Instant;

use common::{ROOT, Summary, knob, ms, publish, table};
use serde_json::json;

const BENCH: &str = "view_scale";

fn main() {
    let lines = knob("LINES", 100_000);
    let conversations = knob("CONVERSATIONS", 16).max(1);
    let reps = knob("REPS", 7).max(1);
    let turns = (lines / conversations / synthetic::LINES_PER_TURN).max(1);
    let dir = Path::new(ROOT).join("target/view-scale");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("target/view-scale");

    let cassette = synthetic::session(&dir, conversations, turns).expect("the synthetic cassette");
    let text = cassette.to_text();
    let cassette_path = dir.join("synthetic.jsonl");
    std::fs::write(&cassette_path, &text).expect("the cassette is written");
    let line_count = text.lines().count();

    let page = dir.join("synthetic.html");
    let mut view_ms = Vec::new();
    for _ in 0..3 {
        let started = Instant::now();
        let out = Command::new(env!("CARGO_BIN_EXE_prompt-diary"))
            .arg("view")
            .arg(&cassette_path)
            .arg("-o")
            .arg(&page)
            .output()
            .expect("prompt-diary view runs");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        view_ms.push(ms(started.elapsed()));
    }
    let page_len = std::fs::metadata(&page).expect("the page").len() as usize;
    let ratio = page_len as f64 / text.len() as f64;
    let mib = |n: usize| format!("{:.1}", n as f64 / (1024.0 * 1024.0));

    let (ready, wall, note) = match browser::find_browser() {
        Ok(browser) => {
            let plan = json!({"page": page, "measure": reps, "timeout": 60_000});
            match browser.drive(&plan) {
                Ok(report) => {
                    let take = |key: &str| -> Vec<f64> {
                        report[key]
                            .as_array()
                            .map(|v| v.iter().filter_map(|x| x.as_f64()).collect())
                            .unwrap_or_default()
                    };
                    let errors = report["consoleErrors"].as_array().map_or(0, Vec::len)
                        + report["pageErrors"].as_array().map_or(0, Vec::len);
                    (
                        Summary::of(&take("readyMs")).range(0),
                        Summary::of(&take("wallMs")).range(0),
                        format!(
                            "Chromium ({}) headless, {reps} loads of the page from `file://`, \
                             each in a fresh tab of one browser; {errors} console errors.",
                            browser.chromium.display()
                        ),
                    )
                }
                Err(err) => (
                    "-".into(),
                    "-".into(),
                    format!("The browser run failed: {err}"),
                ),
            }
        }
        Err(missing) => (
            "-".into(),
            "-".into(),
            format!("No browser ({missing}); run `bash scripts/browser-env.sh`."),
        ),
    };

    let rows = vec![vec![
        line_count.to_string(),
        format!("{conversations} × {turns}"),
        mib(text.len()),
        mib(page_len),
        format!("**{ratio:.2}×**"),
        Summary::of(&view_ms).range(0),
        format!("**{ready}**"),
        wall,
    ]];
    let table = table(
        &[
            "cassette lines",
            "conversations × turns",
            "cassette MiB",
            "page MiB",
            "page / cassette",
            "`prompt-diary view`, ms (3 runs)",
            "time to usable in Chromium, ms",
            "load incl. navigation, ms",
        ],
        &rows,
    );
    let notes = format!(
        "Targets: page ≤ 1.5× the cassette, usable in < 2 s. Time to usable is the page's own \
         `performance.now()` when it has parsed its data and drawn the first page of turns of \
         every lane (it marks `html[data-ready]`); the load column is the driver's wall time \
         from `goto` to that mark. Medians with (min–max). `prompt-diary view` is the release \
         binary reading the cassette and writing the page. {note}"
    );
    publish(BENCH, "Viewer at scale (`view_scale`)", &table, &notes);
}
