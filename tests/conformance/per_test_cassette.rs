//! A cassette per test (`prompt_diary::test_cassette!`), as a user's test suite lives with it:
//! two tests of this file record their own cassettes (the real pinned Codex driven by the
//! scripted model) and replay them independently, a test renamed asks for its new cassette, and
//! a test whose prompt changed fails with the readable report (not a struct dump) and the
//! command that records it again, which, followed, makes the next replay pass.
//!
//! The "user tests" (`notes_a`, `notes_b`, and `notes_a_renamed`, the same body under a new
//! name) are `#[ignore]`d and written as the README's recipe (returning `Result<(), Box<dyn
//! Error>>`): the driver runs each in a process of its own, the way `cargo nextest` runs every
//! test (this test binary again, `--exact NAME --ignored`), in a temporary project folder: with
//! `PROMPT_DIARY_RECORD_MODE` set and `CI` unset (a developer recording), or with `CI=true` and
//! no Codex reachable (CI replaying).

use std::error::Error;
use std::path::{Path, PathBuf};
use std::process::{Output, Stdio};
use std::time::Duration;

use prompt_diary::testing::conformance::{ScriptedCodex, announce_skip, codex_for_conformance};

use crate::per_test_user::{PROJECT_ENV, PROMPT_ENV, project, writes_the_artifact};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");
/// No user test may take longer than this.
const RUN_BUDGET: Duration = Duration::from_secs(180);

#[tokio::test]
#[ignore = "a user test, run by the drivers below"]
async fn notes_a() -> Result<(), Box<dyn Error>> {
    let Some(project) = project("notes_a") else {
        return Ok(());
    };
    writes_the_artifact(prompt_diary::test_cassette!(project)?).await
}

#[tokio::test]
#[ignore = "a user test, run by the drivers below"]
async fn notes_b() -> Result<(), Box<dyn Error>> {
    let Some(project) = project("notes_b") else {
        return Ok(());
    };
    writes_the_artifact(prompt_diary::test_cassette!(project)?).await
}

#[tokio::test]
#[ignore = "a user test, run by the drivers below"]
async fn notes_a_renamed() -> Result<(), Box<dyn Error>> {
    let Some(project) = project("notes_a_renamed") else {
        return Ok(());
    };
    writes_the_artifact(prompt_diary::test_cassette!(project)?).await
}

/// How the driver runs a user test.
enum Run<'a> {
    /// A developer: `PROMPT_DIARY_RECORD_MODE` (`once`, `all`), `CI` unset, the real Codex on a
    /// scripted model.
    Record(&'a ScriptedCodex, &'a str),
    /// CI: `CI=true`, no mode asked, no Codex reachable.
    Replay,
}

/// Runs the user test `name` of this test binary alone in a process of its own, as
/// `cargo nextest` would.
async fn run_user_test(name: &str, project: &Path, run: Run<'_>, prompt: Option<&str>) -> Output {
    let exe = std::env::current_exe().unwrap();
    run_user_test_of(&exe, name, project, run, prompt).await
}

/// Runs the user test `name` of the test binary `exe` alone in a process of its own.
async fn run_user_test_of(
    exe: &Path,
    name: &str,
    project: &Path,
    run: Run<'_>,
    prompt: Option<&str>,
) -> Output {
    let mut command = tokio::process::Command::new(exe);
    command
        .args([
            &format!("per_test_cassette::{name}"),
            "--exact",
            "--ignored",
        ])
        .args(["--nocapture", "--test-threads=1"])
        .env(PROJECT_ENV, project)
        .env_remove("PROMPT_DIARY_RECORD_MODE")
        .env_remove("PROMPT_DIARY_CASSETTE_MODE")
        .env_remove(PROMPT_ENV)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    if let Some(prompt) = prompt {
        command.env(PROMPT_ENV, prompt);
    }
    match run {
        Run::Record(codex, mode) => {
            command
                .env_remove("CI")
                .env("PROMPT_DIARY_RECORD_MODE", mode)
                .env("PROMPT_DIARY_CODEX_BIN", &codex.codex_bin)
                .env("CODEX_HOME", codex.home.path());
        }
        Run::Replay => {
            command
                .env("CI", "true")
                .env("PROMPT_DIARY_CODEX_BIN", "/nonexistent/codex")
                .env("PATH", "/nonexistent");
        }
    }
    tokio::time::timeout(RUN_BUDGET, command.output())
        .await
        .expect("the user test ends in time")
        .expect("the test binary runs")
}

fn said(output: &Output) -> String {
    format!(
        "status {}\nstdout:\n{}\nstderr:\n{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// Records the user test `name` in `mode` on a fresh scripted model (with `prompt` instead of
/// its own), and checks it passed and the model served every reply.
async fn record_in(name: &str, project: &Path, bin: &Path, mode: &str, prompt: Option<&str>) {
    let exe = std::env::current_exe().unwrap();
    record_of(&exe, name, project, bin, mode, prompt).await;
}

/// [`record_in`] for the user test `name` of the test binary `exe`.
async fn record_of(
    exe: &Path,
    name: &str,
    project: &Path,
    bin: &Path,
    mode: &str,
    prompt: Option<&str>,
) {
    let codex = ScriptedCodex::from_fixture(Path::new(ROOT), "tool_artifact", bin.to_owned())
        .await
        .expect("scripted model starts");
    let output = run_user_test_of(exe, name, project, Run::Record(&codex, mode), prompt).await;
    assert!(
        output.status.success(),
        "recording {name}: {}",
        said(&output)
    );
    codex
        .model
        .verify()
        .expect("the recording used the scripted model");
}

async fn record(name: &str, project: &Path, bin: &Path) {
    record_in(name, project, bin, "once", None).await;
}

async fn replay(name: &str, project: &Path) {
    let output = run_user_test(name, project, Run::Replay, None).await;
    assert!(
        output.status.success(),
        "replaying {name}: {}",
        said(&output)
    );
}

/// The cassettes under `dir`, relative to it, sorted.
fn cassettes_under(dir: &Path) -> Vec<String> {
    let mut found = Vec::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(folder) = stack.pop() {
        for entry in std::fs::read_dir(&folder).into_iter().flatten() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let rel = path.strip_prefix(dir).unwrap();
                found.push(rel.display().to_string());
            }
        }
    }
    found.sort();
    found
}

#[tokio::test]
async fn two_tests_record_and_replay_their_own_cassettes() {
    let Some(bin) = codex_for_conformance("two_tests_record_and_replay_their_own_cassettes") else {
        return;
    };
    let project = tempfile::tempdir().unwrap();
    // The user tests look from the project's `tests/` folder (a crate's folder) upwards.
    std::fs::write(
        project.path().join("prompt-diary.toml"),
        "cassettes = \"recorded\"\n",
    )
    .unwrap();
    let crate_dir = project.path().join("tests");
    std::fs::create_dir(&crate_dir).unwrap();
    let cassettes = project.path().join("recorded");
    let a = cassettes.join("conformance/per_test_cassette/notes_a.jsonl");

    record("notes_a", &crate_dir, &bin).await;
    assert_eq!(
        cassettes_under(&cassettes),
        ["conformance/per_test_cassette/notes_a.jsonl"]
    );
    let recorded_a = std::fs::read_to_string(&a).unwrap();
    assert!(recorded_a.contains("Wrote artifact.md."), "{recorded_a}");
    replay("notes_a", &crate_dir).await;

    record("notes_b", &crate_dir, &bin).await;
    assert_eq!(
        cassettes_under(&cassettes),
        [
            "conformance/per_test_cassette/notes_a.jsonl",
            "conformance/per_test_cassette/notes_b.jsonl"
        ]
    );
    assert_eq!(
        std::fs::read_to_string(&a).unwrap(),
        recorded_a,
        "recording notes_b leaves notes_a's cassette alone"
    );
    replay("notes_b", &crate_dir).await;
    replay("notes_a", &crate_dir).await;

    // The same test under a new name asks for its own cassette, by name, and records nothing.
    let output = run_user_test("notes_a_renamed", &crate_dir, Run::Replay, None).await;
    assert!(!output.status.success(), "{}", said(&output));
    let text = said(&output);
    let wanted = cassettes.join("conformance/per_test_cassette/notes_a_renamed.jsonl");
    assert!(
        text.contains(&format!("no cassette at {}", wanted.display())),
        "{text}"
    );
    assert!(
        text.contains(
            "PROMPT_DIARY_RECORD_MODE=once cargo test -p prompt-diary --test conformance \
             -- --exact per_test_cassette::notes_a_renamed"
        ),
        "{text}"
    );
    assert_eq!(
        cassettes_under(&cassettes).len(),
        2,
        "nothing recorded in CI"
    );
}

/// The command a report names after "re-record with: ", to the end of its line.
fn record_command_in(text: &str) -> &str {
    let (_, after) = text
        .split_once("re-record with: ")
        .unwrap_or_else(|| panic!("no record command in:\n{text}"));
    after.lines().next().unwrap_or_default().trim()
}

#[tokio::test]
async fn a_changed_prompt_fails_readably_and_the_printed_command_records_it_again() {
    let Some(bin) = codex_for_conformance("a_changed_prompt_fails_readably") else {
        return;
    };
    let project = tempfile::tempdir().unwrap();
    let crate_dir = project.path().join("app");
    std::fs::create_dir(&crate_dir).unwrap();
    let cassette = crate_dir.join("cassettes/conformance/per_test_cassette/notes_a.jsonl");
    record("notes_a", &crate_dir, &bin).await;
    assert!(cassette.is_file(), "recorded where the docs say");

    // The prompt changes: CI's replay fails with the report itself, as the recipe's test
    // (`Result<(), Box<dyn Error>>`) prints it.
    let changed = "Write artifact.md with a title and two lines.";
    let output = run_user_test("notes_a", &crate_dir, Run::Replay, Some(changed)).await;
    assert!(!output.status.success(), "{}", said(&output));
    let text = said(&output);
    assert!(
        text.contains(&format!(
            "Error: replay diverged from the cassette {}:",
            cassette.display()
        )) && text.contains(&format!("\"text\": {changed:?}")),
        "the report, as Display writes it: {text}"
    );
    assert!(
        !text.contains("Divergence {") && !text.contains("Backend("),
        "no struct dump: {text}"
    );
    let command = record_command_in(&text);
    assert_eq!(
        command,
        "PROMPT_DIARY_RECORD_MODE=all cargo test -p prompt-diary --test conformance -- --exact \
         per_test_cassette::notes_a && prompt-diary accept cassettes/conformance/per_test_cassette \
         notes_a"
    );

    // Followed in the crate's folder: cargo runs this test binary's `notes_a` alone, with `all`
    // (here the driver runs it, as cargo would), then `prompt-diary accept` takes the recording.
    record_in("notes_a", &crate_dir, &bin, "all", Some(changed)).await;
    let pending = cassette.with_extension("jsonl.new");
    assert!(pending.is_file(), "the re-recording waits for review");
    let accept = std::process::Command::new(env!("CARGO_BIN_EXE_prompt-diary"))
        .args([
            "accept",
            "cassettes/conformance/per_test_cassette",
            "notes_a",
        ])
        .current_dir(&crate_dir)
        .env_remove("CI")
        .output()
        .unwrap();
    assert!(accept.status.success(), "{}", said(&accept));
    assert!(!pending.exists(), "accepted");

    let output = run_user_test("notes_a", &crate_dir, Run::Replay, Some(changed)).await;
    assert!(output.status.success(), "{}", said(&output));
}

/// The `stand_in` test binary beside this one (`cargo test` builds both), the newest if there
/// are several; `None` when it is missing or older than this binary (built by an earlier
/// `cargo test`, from other sources).
fn stand_in_test_binary() -> Option<PathBuf> {
    let exe = std::env::current_exe().ok()?;
    let built = |path: &Path| std::fs::metadata(path).and_then(|m| m.modified()).ok();
    let ours = built(&exe)?;
    let (newest, when) = std::fs::read_dir(exe.parent()?)
        .ok()?
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|path| {
            let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
            name.starts_with("stand_in-") && path.extension().is_none()
        })
        .filter_map(|path| built(&path).map(|when| (path, when)))
        .max_by_key(|(_, when)| *when)?;
    let fresh = when.duration_since(ours).is_ok()
        || ours
            .duration_since(when)
            .is_ok_and(|d| d < Duration::from_secs(600));
    fresh.then_some(newest)
}

/// `tests/notes.rs` and `tests/other.rs` of a user's crate, each with a `writes_notes` that
/// sends its own prompt: here `notes_a` of this binary and its twin in the `stand_in` binary
/// (same module, same name). Each records its own cassette, and each replays against its own.
#[tokio::test]
async fn two_test_targets_with_a_test_of_the_same_name_keep_their_own_cassettes() {
    let test = "two_test_targets_with_a_test_of_the_same_name_keep_their_own_cassettes";
    let Some(bin) = codex_for_conformance(test) else {
        return;
    };
    let Some(twin) = stand_in_test_binary() else {
        let why = format!(
            "{test}: the `stand_in` test binary is not built beside this one (run `cargo test`, \
             which builds both)"
        );
        assert!(
            !prompt_diary::testing::conformance::conformance_required(),
            "{why}"
        );
        announce_skip(&why);
        return;
    };
    let project = tempfile::tempdir().unwrap();
    let crate_dir = project.path().join("app");
    std::fs::create_dir(&crate_dir).unwrap();
    let other = "Write artifact.md with a title and one line, for the other file.";
    record("notes_a", &crate_dir, &bin).await;
    record_of(&twin, "notes_a", &crate_dir, &bin, "once", Some(other)).await;
    let cassettes = crate_dir.join("cassettes");
    assert_eq!(
        cassettes_under(&cassettes),
        [
            "conformance/per_test_cassette/notes_a.jsonl",
            "stand_in/per_test_cassette/notes_a.jsonl"
        ]
    );
    let twin_cassette =
        std::fs::read_to_string(cassettes.join("stand_in/per_test_cassette/notes_a.jsonl"))
            .unwrap();
    assert!(
        twin_cassette.contains("for the other file"),
        "{twin_cassette}"
    );
    replay("notes_a", &crate_dir).await;
    let output = run_user_test_of(&twin, "notes_a", &crate_dir, Run::Replay, Some(other)).await;
    assert!(
        output.status.success(),
        "replaying the twin: {}",
        said(&output)
    );
}
