//! Browser tier: the page `prompt-diary view` writes, opened from `file://` in headless Chromium
//! (Debian's package, installed by `scripts/browser-env.sh`). The DOM after the page's own
//! script ran is read back: the prompt, reply, command and file contents are there, a search
//! given in the URL hides what does not match, text from the cassette stays text, and the
//! console shows no error. In CI (or with `PROMPT_DIARY_REQUIRE_BROWSER=1`) a missing Chromium
//! fails; elsewhere the test says it skipped and how to enable it.

use std::path::{Path, PathBuf};
use std::process::Command;

use prompt_diary::testing::conformance::announce_skip;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

fn chromium() -> Option<PathBuf> {
    let found = std::env::var_os("PROMPT_DIARY_CHROMIUM")
        .map(PathBuf::from)
        .or_else(|| Some(PathBuf::from("/usr/bin/chromium")))
        .filter(|path| path.is_file());
    let required = std::env::var("PROMPT_DIARY_REQUIRE_BROWSER").is_ok_and(|v| v == "1")
        || std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "0" && v != "false");
    if found.is_none() && required {
        panic!("Chromium is required here but missing: run `bash scripts/browser-env.sh`");
    }
    if found.is_none() {
        announce_skip(
            "browser tests: no Chromium; run `bash scripts/browser-env.sh` (or set PROMPT_DIARY_CHROMIUM)",
        );
    }
    found
}

/// Writes the page of `cassette` into `dir` with the `prompt-diary` binary.
fn page(cassette: &Path, dir: &Path) -> PathBuf {
    let out = dir.join("page.html");
    let status = Command::new(env!("CARGO_BIN_EXE_prompt-diary"))
        .args([
            "view",
            cassette.to_str().unwrap(),
            "-o",
            out.to_str().unwrap(),
        ])
        .status()
        .unwrap();
    assert!(status.success());
    out
}

/// The DOM after the page's script ran, and what Chromium logged (console messages included).
/// Bounded: Chromium is stopped after 60 s.
fn load(chromium: &Path, url: &str) -> (String, String) {
    let profile = tempfile::tempdir().unwrap();
    let out = Command::new("timeout")
        .arg("60")
        .arg(chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--enable-logging=stderr",
            "--v=0",
            "--dump-dom",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg(url)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "chromium: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn console_errors(log: &str) -> Vec<&str> {
    log.lines()
        .filter(|line| {
            line.contains("CONSOLE") && (line.contains("Uncaught") || line.contains("rror"))
        })
        .collect()
}

#[test]
fn a_cassette_page_shows_prompt_reply_command_and_file_and_searches() {
    let Some(chromium) = chromium() else { return };
    let dir = tempfile::tempdir().unwrap();
    let page = page(
        &Path::new(ROOT).join("cassettes/tool_artifact.jsonl"),
        dir.path(),
    );
    let (dom, log) = load(&chromium, &format!("file://{}", page.display()));
    for shown in [
        "Write artifact.md with a title and one line.",
        "Wrote artifact.md.",
        "exit code 0",
        "written by the agent",
    ] {
        assert!(dom.contains(shown), "{shown:?} missing from the page");
    }
    assert!(
        dom.contains("class=\"turn\" data-status=\"completed\" open"),
        "the turn is expanded"
    );
    assert!(
        console_errors(&log).is_empty(),
        "{:?}",
        console_errors(&log)
    );

    // A search in the URL: the turns of other conversations hide, the match stays.
    let page = page_of("concurrent_runners", dir.path());
    let (dom, log) = load(
        &chromium,
        &format!("file://{}#search=three", page.display()),
    );
    assert_eq!(
        dom.matches("class=\"turn hidden\"").count(),
        3,
        "three turns hidden"
    );
    assert!(dom.contains("RUNNER-3"), "the matching conversation stays");
    assert!(
        console_errors(&log).is_empty(),
        "{:?}",
        console_errors(&log)
    );
}

fn page_of(name: &str, dir: &Path) -> PathBuf {
    let sub = dir.join(name);
    std::fs::create_dir_all(&sub).unwrap();
    page(
        &Path::new(ROOT).join(format!("cassettes/{name}.jsonl")),
        &sub,
    )
}

#[test]
fn text_from_the_cassette_shows_as_text_and_runs_nothing() {
    let Some(chromium) = chromium() else { return };
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(Path::new(ROOT).join("cassettes/single_turn.jsonl"))
        .unwrap()
        .replace(
            "Say hello.",
            "<script>document.title='pwned'</script></textarea><b id=injected>x</b>",
        );
    let cassette = dir.path().join("hostile.jsonl");
    std::fs::write(&cassette, text).unwrap();
    let page = page(&cassette, dir.path());
    let (dom, log) = load(&chromium, &format!("file://{}", page.display()));
    assert!(
        !dom.contains("<title>pwned"),
        "a script from the cassette ran"
    );
    assert!(
        !dom.contains("id=\"injected\""),
        "markup from the cassette became an element"
    );
    assert!(
        dom.contains("&lt;script&gt;document.title='pwned'&lt;/script&gt;"),
        "shown as text"
    );
    assert!(
        console_errors(&log).is_empty(),
        "{:?}",
        console_errors(&log)
    );
}

#[test]
fn a_divergence_page_marks_where_the_replay_left_the_cassette() {
    let Some(chromium) = chromium() else { return };
    let dir = tempfile::tempdir().unwrap();
    let cassette = dir.path().join("tool_artifact.jsonl");
    // The server's echo of the prompt is edited, the recorded `turn/start` is not: the replayed
    // client sends the echoed prompt, which the recording did not.
    let committed =
        std::fs::read_to_string(Path::new(ROOT).join("cassettes/tool_artifact.jsonl")).unwrap();
    let mut text = String::new();
    for line in committed.lines() {
        if line.contains("\"userMessage\"") {
            text.push_str(&line.replace("with a title", "with a heading"));
        } else {
            text.push_str(line);
        }
        text.push('\n');
    }
    std::fs::write(&cassette, text).unwrap();
    let out = dir.path().join("divergence.html");
    let replay = Command::new(env!("CARGO_BIN_EXE_prompt-diary"))
        .args([
            "replay",
            cassette.to_str().unwrap(),
            "--html",
            out.to_str().unwrap(),
        ])
        .env_remove("CI")
        .env("PROMPT_DIARY_DIVERGENCE_HTML", dir.path().join("left"))
        .output()
        .unwrap();
    assert!(!replay.status.success(), "the edited cassette diverges");
    // The test kit's replay also left its page where the environment asked.
    assert!(
        dir.path()
            .join("left/tool_artifact.divergence.html")
            .is_file()
    );
    let (dom, log) = load(&chromium, &format!("file://{}", out.display()));
    assert!(dom.contains("replay diverged at"), "the divergence panel");
    assert!(dom.contains("$.params.input[0].text"), "the differing path");
    assert!(
        dom.contains("with a heading") && dom.contains("with a title"),
        "both sides"
    );
    assert!(
        dom.contains("class=\"turn diverged\""),
        "the turn is marked"
    );
    assert!(
        console_errors(&log).is_empty(),
        "{:?}",
        console_errors(&log)
    );
}
