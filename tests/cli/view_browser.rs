//! Browser tier: the pages `prompt-diary view`, `replay --html` and `review --html` write, opened
//! from `file://` in Debian's headless Chromium driven by npm's playwright-core
//! (`scripts/browser/drive.js`; both installed by `bash scripts/browser-env.sh`). Each test
//! expands a turn, searches for a word, checks what a reader must see is visible, and that the
//! console shows no error, the page asked for nothing and no dialog opened. In CI (or with
//! `PROMPT_DIARY_REQUIRE_BROWSER=1`) a missing browser fails; elsewhere the tests say they
//! skipped and how to enable them.
//!
//! Every check waits for a selector or a condition with a bounded timeout; nothing sleeps.
//! `PROMPT_DIARY_UPDATE_SCREENSHOTS=1` copies the screenshots the tests take to `docs/`.

use crate::browser;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::Mutex;

use browser::{Browser, browser_for_tests};
use prompt_diary::codex_bin::PINNED_CODEX_VERSION;
use serde_json::{Value, json};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// One Chromium at a time: the machine may have two cores shared with builds.
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

fn committed(name: &str) -> String {
    std::fs::read_to_string(Path::new(ROOT).join(format!("cassettes/{name}.jsonl"))).unwrap()
}

/// Runs `prompt-diary` in `cwd` (so the pages name their cassettes by relative paths).
fn prompt_diary(cwd: &Path, args: &[&Path]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_prompt-diary"))
        .current_dir(cwd)
        .args(args)
        .env_remove("CI")
        .env_remove("PROMPT_DIARY_DIVERGENCE_HTML")
        .output()
        .unwrap()
}

/// Writes `text` as `dir/NAME.jsonl` and its page with `prompt-diary view`.
fn page_of(dir: &Path, name: &str, text: &str) -> PathBuf {
    let cassette = dir.join(format!("{name}.jsonl"));
    std::fs::write(&cassette, text).unwrap();
    let page = dir.join(format!("{name}.html"));
    let out = prompt_diary(
        dir,
        &[
            Path::new("view"),
            Path::new(&format!("{name}.jsonl")),
            Path::new("-o"),
            &page,
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    page
}

fn drive(browser: &Browser, plan: Value) -> Value {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|p| p.into_inner());
    let mut plan = plan;
    plan["timeout"] = json!(30_000);
    let report = browser.drive(&plan).unwrap_or_else(|err| panic!("{err}"));
    for key in ["consoleErrors", "pageErrors", "dialogs", "requests"] {
        assert_eq!(report[key], json!([]), "{key}: {report}");
    }
    report
}

fn assert_visible(report: &Value) {
    let visible = report["visible"].as_object().unwrap();
    assert!(!visible.is_empty(), "{report}");
    for (text, seen) in visible {
        assert_eq!(seen, &json!(true), "not visible: {text:?} ({report})");
    }
}

/// The screenshot `name` the driver takes, copied to `docs/NAME` when
/// `PROMPT_DIARY_UPDATE_SCREENSHOTS=1`.
fn screenshot(name: &str) -> PathBuf {
    let shot = Path::new(ROOT).join("target/view-browser").join(name);
    std::fs::create_dir_all(shot.parent().unwrap()).unwrap();
    let _ = std::fs::remove_file(&shot);
    shot
}

fn keep_screenshot(shot: &Path, name: &str) {
    assert!(shot.is_file(), "no screenshot at {}", shot.display());
    if std::env::var("PROMPT_DIARY_UPDATE_SCREENSHOTS").is_ok_and(|v| v == "1") {
        std::fs::copy(shot, Path::new(ROOT).join("docs").join(name)).unwrap();
    }
}

/// The page of the committed `cassettes/NAME.jsonl`, written by `prompt-diary view` in the
/// project's folder (so the page names the cassette by its relative path).
fn committed_page(dir: &Path, name: &str) -> PathBuf {
    let page = dir.join(format!("{name}.html"));
    let cassette = format!("cassettes/{name}.jsonl");
    let out = prompt_diary(
        Path::new(ROOT),
        &[
            Path::new("view"),
            Path::new(&cassette),
            Path::new("-o"),
            &page,
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    page
}

/// Writes the edited cassette `text` as `dir/NAME.jsonl`, replays it (it must diverge) and
/// returns the divergence page `replay --html` wrote.
fn divergence_page(dir: &Path, name: &str, text: &str) -> PathBuf {
    let cassette = format!("{name}.jsonl");
    std::fs::write(dir.join(&cassette), text).unwrap();
    let page = dir.join("divergence.html");
    let out = prompt_diary(
        dir,
        &[
            Path::new("replay"),
            Path::new(&cassette),
            Path::new("--html"),
            &page,
        ],
    );
    assert!(!out.status.success(), "the edited cassette diverges");
    page
}

/// Lists the visible `pre.file` blocks' texts (the files the open turns wrote).
const VISIBLE_FILES: &str = "Array.from(document.querySelectorAll('pre.file')).filter(e => \
    e.offsetParent !== null).map(e => e.textContent)";

#[test]
fn a_committed_cassette_opens_from_disk_expands_and_finds_a_word() {
    let Some(browser) = browser_for_tests("view_browser") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let page = committed_page(dir.path(), "concurrent_runners");
    let report = drive(
        &browser,
        json!({
            "page": page,
            "steps": [
                {"expand": "#lanes .lane:nth-child(3) details.turn"},
                {"search": "three"},
            ],
            "expect": [
                "RUNNER-3: write out.md",
                "done 3",
                "6 out.md",
                "exit code",
                PINNED_CODEX_VERSION,
            ],
            "expectHidden": ["done 1"],
            "probe": VISIBLE_FILES,
        }),
    );
    assert_visible(&report);
    let status = report["status"].as_str().unwrap();
    assert!(status.contains("in 1 turns"), "{report}");
    assert_eq!(
        report["hidden"]["done 1"],
        json!(true),
        "other turns hide: {report}"
    );
    assert_eq!(
        report["probe"],
        json!(["three\n"]),
        "the file's contents: {report}"
    );
}

#[test]
fn concurrent_runners_show_as_lanes_and_a_raw_line_is_one_click_away() {
    let Some(browser) = browser_for_tests("view_browser") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("concurrent_runners.html");
    let cassette = Path::new("cassettes/concurrent_runners.jsonl");
    let out = prompt_diary(
        Path::new(ROOT),
        &[Path::new("view"), cassette, Path::new("-o"), &page],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let shot = screenshot("view.png");
    let report = drive(
        &browser,
        json!({
            "page": page,
            "steps": [
                {"expand": "#lanes .lane:nth-child(1) details.turn"},
                {"expand": "#lanes .lane:nth-child(2) details.turn"},
                {"raw": "#lanes .lane:nth-child(1) .body .ev.k-prompt button.ln"},
            ],
            "expect": ["RUNNER-1: write out.md", "done 2", "\"method\":\"turn/start\""],
            "probe": "[document.querySelectorAll('#lanes .lane').length, \
                       getComputedStyle(document.getElementById('lanes')).display]",
            "screenshot": shot,
        }),
    );
    assert_visible(&report);
    assert_eq!(
        report["probe"],
        json!([4, "flex"]),
        "four lanes side by side"
    );
    keep_screenshot(&shot, "view.png");
}

#[test]
fn the_kind_filter_hides_a_kind() {
    let Some(browser) = browser_for_tests("view_browser") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let page = page_of(dir.path(), "tool_artifact", &committed("tool_artifact"));
    let report = drive(
        &browser,
        json!({
            "page": page,
            "steps": [{"expand": "details.turn"}, {"uncheck": "message"}],
            "expect": ["written by the agent"],
            "expectHidden": ["Wrote artifact.md."],
        }),
    );
    assert_visible(&report);
    assert_eq!(
        report["hidden"]["Wrote artifact.md."],
        json!(true),
        "{report}"
    );
}

#[test]
fn script_and_textarea_from_the_cassette_show_as_text_and_run_nothing() {
    let Some(browser) = browser_for_tests("view_browser") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let evil = "</textarea><script>window.pwned=1</script><img src=x onerror=\"window.pwned=2\">";
    let quoted = serde_json::to_string(evil).unwrap();
    let inner = &quoted[1..quoted.len() - 1];
    let text = committed("tool_artifact")
        .replace("Write artifact.md with a title and one line.", inner)
        .replace("written by the agent\\n\"", &format!("{inner}\\n\""));
    let page = page_of(dir.path(), "tool_artifact", &text);
    let report = drive(
        &browser,
        json!({
            "page": page,
            "steps": [{"expand": "details.turn"}, {"search": "pwned"}],
            "expect": ["<script>window.pwned=1</script>"],
            "probe": "[typeof window.pwned, document.querySelectorAll('script').length, \
                       document.querySelectorAll('textarea, img').length, \
                       Array.from(document.querySelectorAll('pre.file')).map(e => e.textContent)]",
        }),
    );
    assert_visible(&report);
    assert_eq!(
        report["probe"],
        json!(["undefined", 3, 0, [format!("# Artifact\n\n{evil}\n")]]),
        "the file shows the markup as text: {report}"
    );
}

/// The divergence a page marks, from its embedded index.
fn marked_divergence(page: &Path) -> Value {
    let html = std::fs::read_to_string(page).unwrap();
    let open = "id=\"pd-model\">";
    let start = html.find(open).unwrap() + open.len();
    let len = html[start..].find("</script>").unwrap();
    let model: Value = serde_json::from_str(&html[start..start + len]).unwrap();
    model["divergence"].clone()
}

#[test]
fn a_divergence_page_from_replay_html_shows_recorded_and_sent_side_by_side() {
    let Some(browser) = browser_for_tests("view_browser") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    // The second runner's recorded `turn/start` is edited, the server's echo of its prompt is
    // not: the replayed client sends the echoed prompt, which the recording did not. Four
    // runners start at once and their threads look alike, so the replay may compare the
    // unmatched prompt with another runner's conversation; the page marks the one it names.
    let text = committed("concurrent_runners");
    let edited = text.replacen(
        "\"input\":[{\"text\":\"RUNNER-2: write out.md\"",
        "\"input\":[{\"text\":\"RUNNER-2: write out.md twice\"",
        1,
    );
    assert_ne!(edited, text);
    let page = divergence_page(dir.path(), "concurrent_runners", &edited);
    let marked = marked_divergence(&page);
    let conv = marked["conversation"].as_str().unwrap().to_owned();
    let recorded = marked["recorded"]["params"]["input"][0]["text"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        marked["sent"]["params"]["input"][0]["text"],
        "RUNNER-2: write out.md"
    );
    let k: usize = conv.trim_start_matches('c').parse().unwrap();
    assert!((1..=4).contains(&k), "{marked}");
    let word = ["one", "two", "three", "four"][k - 1];
    let report = drive(
        &browser,
        json!({
            "page": page,
            "steps": [{"expand": "details.turn.diverged"}, {"search": format!("RUNNER-{k}")}],
            "expect": [
                format!("The replay diverged: conversation {conv}, turn 0"),
                "The replay diverged here",
                format!("\"text\": \"{recorded}\","),
                "\"text\": \"RUNNER-2: write out.md\",",
                "$.params.input[0].text",
                format!("done {k}"),
                format!("{} out.md", word.len() + 1),
            ],
            "probe": format!("[Array.from(document.querySelectorAll('.divergence .hlp')).map(e => \
                e.textContent.trim()), {VISIBLE_FILES}]"),
        }),
    );
    assert_visible(&report);
    assert_eq!(
        report["probe"],
        json!([
            [
                format!("\"text\": \"{recorded}\","),
                "\"text\": \"RUNNER-2: write out.md\","
            ],
            [format!("{word}\n")]
        ]),
        "the differing path is highlighted on both sides, the file shown: {report}"
    );
}

/// The screenshot of a divergence for the README: one conversation, so the page is wide.
#[test]
fn a_single_conversation_divergence_page_for_the_readme() {
    let Some(browser) = browser_for_tests("view_browser") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let edited = committed("tool_artifact").replacen(
        "\"input\":[{\"text\":\"Write artifact.md with a title and one line.\"",
        "\"input\":[{\"text\":\"Write artifact.md with a heading and one line.\"",
        1,
    );
    let page = divergence_page(dir.path(), "tool_artifact", &edited);
    let shot = screenshot("divergence.png");
    let report = drive(
        &browser,
        json!({
            "page": page,
            "expect": [
                "The replay diverged: conversation c1, turn 0",
                "\"text\": \"Write artifact.md with a heading and one line.\",",
                "Wrote artifact.md.",
            ],
            "screenshot": shot,
        }),
    );
    assert_visible(&report);
    keep_screenshot(&shot, "divergence.png");
}

#[test]
fn a_pending_re_recording_page_from_review_html_says_what_changed() {
    let Some(browser) = browser_for_tests("view_browser") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let text = committed("tool_artifact");
    std::fs::write(dir.path().join("tool_artifact.jsonl"), &text).unwrap();
    let rerecorded = text.replace("written by the agent", "written again by the agent");
    std::fs::write(dir.path().join("tool_artifact.jsonl.new"), rerecorded).unwrap();
    let out = prompt_diary(
        dir.path(),
        &[Path::new("review"), Path::new("."), Path::new("--html")],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report = drive(
        &browser,
        json!({
            "page": dir.path().join("tool_artifact.jsonl.new.html"),
            "steps": [{"expand": "details.turn"}, {"search": "again"}],
            "expect": [
                "A pending re-recording of",
                "what the agent did: CHANGED",
                "written again by the agent",
                "Write artifact.md with a title and one line.",
            ],
        }),
    );
    assert_visible(&report);
}

/// An exec cassette (a `codex exec` run and its failed `resume`, `fixtures/view/`) draws as one
/// lane of runs: the command line, the stdin prompt, the command with its output, the reply and
/// the file written are visible in the first run, the failure in the second; text from the
/// cassette stays text.
#[test]
fn an_exec_cassette_shows_its_runs() {
    let Some(browser) = browser_for_tests("view_browser") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let text =
        std::fs::read_to_string(Path::new(ROOT).join("fixtures/view/exec_two_runs.jsonl")).unwrap();
    let page = page_of(dir.path(), "exec_two_runs", &text);
    let report = drive(
        &browser,
        json!({
            "page": page,
            "steps": [{"expand": "#lanes details.turn"}, {"search": "notes.md"}],
            "expect": [
                "codex exec · 2 runs",
                "codex exec --json --skip-git-repo-check -C {{workspace}} -",
                "Write notes.md <script>window.pwned=1</script>",
                "12 notes.md",
                "notes.md is written.",
            ],
            "probe": format!("[typeof window.pwned, document.scripts.length, {VISIBLE_FILES}]"),
        }),
    );
    assert_visible(&report);
    assert_eq!(
        report["probe"],
        json!(["undefined", 3, ["hello </textarea>"]]),
        "the cassette's text ran nothing; the file is shown: {report}"
    );
    let failed = drive(
        &browser,
        json!({
            "page": page,
            "steps": [{"expand": "#lanes details.turn:nth-child(2)"}],
            "expect": ["Fail now.", "the turn failed: unexpected status 500"],
        }),
    );
    assert_visible(&failed);
}
