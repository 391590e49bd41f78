//! The viewer's pages as the command line writes them, without a browser: `view` on a large
//! cassette made with the recorder (size), `replay --html` and `PROMPT_DIARY_DIVERGENCE_HTML` on
//! a divergence, `review --html` on a pending re-recording. The browser tier
//! (`tests/cli/view_browser.rs`) opens the same pages in headless Chromium.

use crate::synthetic;

use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

fn prompt_diary(cwd: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_prompt-diary"))
        .current_dir(cwd)
        .args(args)
        .env_remove("CI")
        .env_remove("PROMPT_DIARY_DIVERGENCE_HTML")
        .output()
        .unwrap()
}

fn ok(out: &Output) {
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The page's index (the JSON between `<script ... id="pd-model">` and `</script>`).
fn model(html: &str) -> Value {
    let open = "id=\"pd-model\">";
    let start = html.find(open).unwrap() + open.len();
    let len = html[start..].find("</script>").unwrap();
    serde_json::from_str(&html[start..start + len]).unwrap()
}

fn committed(name: &str) -> String {
    std::fs::read_to_string(Path::new(ROOT).join(format!("cassettes/{name}.jsonl"))).unwrap()
}

/// `single_turn` with its recorded `turn/start` edited by hand: the replay's client sends the
/// prompt the server echoed, so it diverges there.
fn diverging(dir: &Path) {
    let text = committed("single_turn").replacen(
        "\"input\":[{\"text\":\"Say hello.\"",
        "\"input\":[{\"text\":\"Say hello. (edited by hand)\"",
        1,
    );
    std::fs::write(dir.join("single_turn.jsonl"), text).unwrap();
}

#[test]
fn a_page_of_a_large_recorded_cassette_is_at_most_one_and_a_half_times_its_size() {
    let dir = tempfile::tempdir().unwrap();
    let cassette = synthetic::session(dir.path(), 4, 160).unwrap();
    let text = cassette.to_text();
    assert!(
        text.lines().count() > 8_000,
        "{} lines",
        text.lines().count()
    );
    std::fs::write(dir.path().join("synthetic.jsonl"), &text).unwrap();
    ok(&prompt_diary(
        dir.path(),
        &["view", "synthetic.jsonl", "-o", "synthetic.html"],
    ));
    let html = std::fs::read_to_string(dir.path().join("synthetic.html")).unwrap();
    let ratio = html.len() as f64 / text.len() as f64;
    assert!(
        ratio <= 1.5,
        "page {} bytes for a {}-byte cassette: {ratio:.2}x",
        html.len(),
        text.len()
    );
    assert!(!html.contains("http://") && !html.contains("https://"));
    let lanes = model(&html)["lanes"].as_array().unwrap().clone();
    assert_eq!(lanes.len(), 4);
    assert!(
        lanes
            .iter()
            .all(|l| l["turns"].as_array().unwrap().len() == 160)
    );
}

#[test]
fn replay_html_writes_the_page_with_the_divergence_marked() {
    let dir = tempfile::tempdir().unwrap();
    diverging(dir.path());
    let out = prompt_diary(
        dir.path(),
        &[
            "replay",
            "single_turn.jsonl",
            "--html",
            "pages/diverged.html",
        ],
    );
    assert!(!out.status.success(), "the edited cassette diverges");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("divergence page: pages/diverged.html"),
        "{stderr}"
    );
    let html = std::fs::read_to_string(dir.path().join("pages/diverged.html")).unwrap();
    let marked = &model(&html)["divergence"];
    assert_eq!(marked["conversation"], "c1");
    assert_eq!(marked["turn"], 0);
    assert_eq!(
        marked["paths"],
        serde_json::json!(["$.params.input[0].text"])
    );
    assert_eq!(
        marked["recorded"]["params"]["input"][0]["text"],
        "Say hello. (edited by hand)"
    );
    assert_eq!(marked["sent"]["params"]["input"][0]["text"], "Say hello.");
}

#[test]
fn a_replay_that_diverges_leaves_its_page_where_the_environment_says() {
    let dir = tempfile::tempdir().unwrap();
    diverging(dir.path());
    let out = Command::new(env!("CARGO_BIN_EXE_prompt-diary"))
        .current_dir(dir.path())
        .args(["replay", "single_turn.jsonl"])
        .env_remove("CI")
        .env("PROMPT_DIARY_DIVERGENCE_HTML", "left")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let page = dir.path().join("left/single_turn.divergence.html");
    let html = std::fs::read_to_string(&page).unwrap();
    assert_eq!(model(&html)["divergence"]["turn"], 0);
}

#[test]
fn review_html_writes_a_pending_re_recordings_page_beside_it() {
    let dir = tempfile::tempdir().unwrap();
    let text = committed("tool_artifact");
    std::fs::write(dir.path().join("tool_artifact.jsonl"), &text).unwrap();
    let rerecorded = text.replace("written by the agent", "written again by the agent");
    std::fs::write(dir.path().join("tool_artifact.jsonl.new"), &rerecorded).unwrap();
    for target in [".", "tool_artifact.jsonl.new", "tool_artifact.jsonl"] {
        let page = dir.path().join("tool_artifact.jsonl.new.html");
        let _ = std::fs::remove_file(&page);
        let out = prompt_diary(dir.path(), &["review", target, "--html"]);
        ok(&out);
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            stdout.contains("the re-recording as a page: ")
                && stdout.contains("tool_artifact.jsonl.new.html"),
            "{target}: {stdout}"
        );
        let html = std::fs::read_to_string(&page).unwrap();
        let pending = &model(&html)["pending"];
        assert!(
            pending["committed"]
                .as_str()
                .unwrap()
                .ends_with("tool_artifact.jsonl"),
            "{pending}"
        );
        let meaning = pending["meaning"].as_str().unwrap();
        assert!(meaning.contains("what the agent did: CHANGED"), "{meaning}");
        assert!(meaning.contains("written again by the agent"), "{meaning}");
        assert!(
            pending["accept"]
                .as_str()
                .unwrap()
                .contains("prompt-diary accept")
        );
        // The page is the re-recording's: its file contents are the new ones.
        assert!(html.contains("written again by the agent\\n"));
    }
    // Without --html, no page.
    std::fs::remove_file(dir.path().join("tool_artifact.jsonl.new.html")).unwrap();
    ok(&prompt_diary(dir.path(), &["review", "."]));
    assert!(!dir.path().join("tool_artifact.jsonl.new.html").exists());
}

#[test]
fn view_of_the_workflow_shows_every_phase_released_at_its_lines() {
    let dir = tempfile::tempdir().unwrap();
    let cassette = Path::new(ROOT).join("cassettes/diary_workflow.jsonl");
    let page = dir.path().join("workflow.html");
    ok(&prompt_diary(
        dir.path(),
        &[
            "view",
            cassette.to_str().unwrap(),
            "-o",
            page.to_str().unwrap(),
        ],
    ));
    let html = std::fs::read_to_string(&page).unwrap();
    let text = committed("diary_workflow");
    let lines: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let line_of = |conv: &Value, method: &str| {
        lines
            .iter()
            .position(|v| &v["conv"] == conv && v["msg"]["method"] == method)
            .map(|i| i + 1)
    };
    let lanes = model(&html)["lanes"].as_array().unwrap().clone();
    assert_eq!(lanes.len(), 6, "a lane per phase");
    for lane in &lanes {
        let released = &lane["released"];
        assert_eq!(
            released["unsubscribe"].as_u64().map(|n| n as usize),
            line_of(&lane["label"], "thread/unsubscribe"),
            "{lane}"
        );
        assert_eq!(
            released["closed"].as_u64().map(|n| n as usize),
            line_of(&lane["label"], "thread/closed"),
            "{lane}"
        );
    }
    assert!(html.contains("released: thread/unsubscribe "));
}
