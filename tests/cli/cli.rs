//! The `prompt-diary` binary, driven as a user would: install-codex, record with a fixture,
//! replay (matching and diverging), inspect, verify, review and accept. Everything that writes
//! works on temp copies; the committed `cassettes/` are only read.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use prompt_diary::codex_bin::{PINNED_CODEX_VERSION, installed_binary};
use prompt_diary::testing::conformance::codex_for_conformance;
use prompt_diary::testing::{CodexHome, Scenario, ScriptedModel};
use rstest::rstest;
use serde_json::Value;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

fn cassette(name: &str) -> PathBuf {
    Path::new(ROOT)
        .join("cassettes")
        .join(format!("{name}.jsonl"))
}

/// Runs the binary in `cwd` with extra environment variables; `CI` is cleared unless given.
fn run_in(cwd: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_prompt-diary"));
    command.args(args).current_dir(cwd).env_remove("CI");
    for (key, value) in env {
        command.env(key, value);
    }
    command.output().expect("the prompt-diary binary runs")
}

fn run(args: &[&str]) -> Output {
    run_in(Path::new(ROOT), args, &[])
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn ok(out: &Output) {
    assert!(
        out.status.success(),
        "exit {:?}\nstdout:\n{}\nstderr:\n{}",
        out.status,
        stdout(out),
        stderr(out)
    );
}

fn failed(out: &Output) {
    assert!(
        !out.status.success(),
        "expected a failure\nstdout:\n{}",
        stdout(out)
    );
}

/// A temp folder holding a copy of a committed cassette, edited by `edit`.
fn edited_copy(name: &str, edit: impl Fn(&str) -> String) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(format!("{name}.jsonl"));
    let text = std::fs::read_to_string(cassette(name)).unwrap();
    std::fs::write(&path, edit(&text)).unwrap();
    (dir, path)
}

fn npm_available() -> bool {
    Command::new("npm")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

/// `install-codex` on a machine whose npm registry cannot be reached (here a closed port on
/// loopback, so the test itself reaches no network) fails, saying so and what to do, and prints
/// no binary; without npm it says to install npm. Installing for real into a fresh folder is the
/// journey's (`journey.rs`), in the conformance tier: `cargo test` never installs Codex into this
/// checkout.
#[test]
fn install_codex_with_the_npm_registry_unreachable_fails_saying_what_to_check() {
    let dir = tempfile::tempdir().unwrap();
    let cache = tempfile::tempdir().unwrap();
    let dir_arg = dir.path().display().to_string();
    let cache_arg = cache.path().display().to_string();
    let env = [
        ("npm_config_registry", "http://127.0.0.1:9/"),
        ("npm_config_cache", cache_arg.as_str()),
        // npm retries a refused connection for about 70 s by default; once is enough here.
        ("npm_config_fetch_retries", "0"),
        ("npm_config_update_notifier", "false"),
    ];
    let out = run_in(dir.path(), &["install-codex", "--dir", &dir_arg], &env);
    failed(&out);
    assert_eq!(stdout(&out), "", "no binary is printed");
    let err = stderr(&out);
    if npm_available() {
        assert!(
            err.contains(&format!("npm install --prefix {dir_arg}/.prompt-diary/codex/{PINNED_CODEX_VERSION} @openai/codex@{PINNED_CODEX_VERSION}"))
                && err.contains("ECONNREFUSED")
                && err.contains("Check your network access to the npm registry and run it again"),
            "{err}"
        );
    } else {
        assert!(
            err.contains("could not run `npm`") && err.contains("Install Node.js and npm"),
            "{err}"
        );
    }
    assert!(
        installed_binary(dir.path(), PINNED_CODEX_VERSION).is_none(),
        "nothing was installed"
    );
}

#[test]
fn record_with_a_fixture_writes_a_cassette_that_replays_and_is_unchanged_when_re_recorded() {
    let Some(bin) = codex_for_conformance("record_with_a_fixture") else {
        return;
    };
    let bin = bin.display().to_string();
    let env = [("PROMPT_DIARY_CODEX_BIN", bin.as_str())];
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("tool.jsonl");
    let workspace = dir.path().join("ws");
    let (out_arg, ws_arg) = (out.display().to_string(), workspace.display().to_string());
    let args = [
        "record",
        "--script",
        "tool_artifact",
        "--workspace",
        &ws_arg,
        "--out",
        &out_arg,
    ];
    let recorded = run_in(Path::new(ROOT), &args, &env);
    ok(&recorded);
    assert_eq!(stdout(&recorded).trim(), format!("wrote {out_arg}"));
    let progress = stderr(&recorded);
    assert!(
        progress.contains("runner 1, turn 1/1: \"Write artifact.md with a title and one line.\"")
            && progress.contains("runner 1, turn 1/1: done in"),
        "{progress}"
    );
    assert_eq!(
        std::fs::read_to_string(workspace.join("artifact.md")).unwrap(),
        "# Artifact\n\nwritten by the agent\n",
        "the agent worked in --workspace"
    );

    let replayed = run(&["replay", &out_arg]);
    ok(&replayed);
    assert!(stdout(&replayed).contains("reply: \"Wrote artifact.md.\""));

    // Again into a fresh workspace: the same session, so the cassette is left alone.
    let fresh = dir.path().join("ws2").display().to_string();
    let again_args = [&args[..4], &[fresh.as_str()], &args[5..]].concat();
    let again = run_in(Path::new(ROOT), &again_args, &env);
    ok(&again);
    assert!(
        stdout(&again).starts_with("unchanged "),
        "{}",
        stdout(&again)
    );
}

/// `record --prompt` uses whatever Codex configuration it finds (`CODEX_HOME`): here one whose
/// model provider is the scripted model, so the live path runs for real without an account.
#[tokio::test]
async fn record_with_a_prompt_uses_the_codex_configuration_in_codex_home() {
    let Some(bin) = codex_for_conformance("record_with_a_prompt") else {
        return;
    };
    let scenario_path = Path::new(ROOT).join("fixtures/scenarios/single_turn.json");
    let model = ScriptedModel::start(Scenario::from_file(&scenario_path).unwrap())
        .await
        .unwrap();
    let home = CodexHome::for_model(&model).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("hello.jsonl");
    let child = tokio::process::Command::new(env!("CARGO_BIN_EXE_prompt-diary"))
        .args(["record", "--prompt", "Say hello.", "--workspace"])
        .arg(dir.path().join("ws"))
        .arg("--out")
        .arg(&out)
        .env_remove("CI")
        .env("CODEX_HOME", home.path())
        .env("PROMPT_DIARY_CODEX_BIN", &bin)
        .kill_on_drop(true)
        .output();
    let recorded = tokio::time::timeout(std::time::Duration::from_secs(120), child)
        .await
        .expect("record finishes within 2 minutes")
        .unwrap();
    model.shutdown().await;
    ok(&recorded);
    assert!(
        stderr(&recorded).contains("runner 1, turn 1/1: done in"),
        "{}",
        stderr(&recorded)
    );
    let header = std::fs::read_to_string(&out).unwrap();
    assert!(
        header.contains("\"record_command\":\"prompt-diary record --prompt \\\"Say hello.\\\""),
        "{header}"
    );
    let replayed = run(&["replay", out.to_str().unwrap()]);
    ok(&replayed);
    assert!(stdout(&replayed).contains("reply: \"Hello from the scripted model.\""));
}

#[test]
fn live_recording_is_refused_in_ci() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("live.jsonl").display().to_string();
    let ws = dir.path().join("ws").display().to_string();
    let args = [
        "record",
        "--prompt",
        "Say hi",
        "--workspace",
        &ws,
        "--out",
        &out,
    ];
    let refused = run_in(dir.path(), &args, &[("CI", "true")]);
    failed(&refused);
    assert!(
        stderr(&refused).contains("refusing to record")
            && stderr(&refused).contains("CI never records"),
        "{}",
        stderr(&refused)
    );
    assert!(!Path::new(&out).exists());
}

#[rstest]
#[case::two_turn_repair("validation_feedback", &["turn 1: \"draft.md is invalid", "reply: \"Added the date to the front matter.\"", "file draft.md"])]
#[case::declined_approval("approval_declined", &["approval", "decline", "reply: \"Here is the text instead: should not exist.\""])]
#[case::interrupted_turn("timeout_resume", &["ended with timeout", "reply: \"Back after the stall.\""])]
#[case::concurrent_runners("concurrent_runners", &["conversation 4", "reply: \"done 4\""])]
#[case::structured_output("structured_output_turn", &["Describe the page as JSON.", r#"reply: "{\"tags\":[\"a\",\"b\"],\"title\":\"Hello\"}""#])]
#[case::mcp_tool_call("mcp_tool_call", &["mcp_tool_call called echo/echo: completed", "reply: \"The echo server said: echo: ping\""])]
fn replay_of_a_committed_cassette_prints_its_turn_results(
    #[case] name: &str,
    #[case] expected: &[&str],
) {
    let out = run(&["replay", cassette(name).to_str().unwrap()]);
    ok(&out);
    let text = stdout(&out);
    for part in expected {
        assert!(text.contains(part), "{part:?} missing from:\n{text}");
    }
    assert!(text.contains("replay matched"), "{text}");
}

#[test]
fn replay_of_a_tampered_prompt_exits_non_zero_with_the_divergence_report() {
    let (_dir, path) = edited_copy("validation_feedback", |text| {
        text.lines()
            .map(|line| {
                if line.contains("\"method\":\"turn/start\"") {
                    line.replace("Fix it in place.", "Fix it now.")
                } else {
                    line.to_owned()
                }
            })
            .collect::<Vec<_>>()
            .join("\n")
            + "\n"
    });
    let out = run(&["replay", path.to_str().unwrap()]);
    failed(&out);
    let report = stderr(&out);
    for part in [
        &format!("replay diverged from the cassette {}:29", path.display()),
        "conversation c1, turn 1",
        "$.params.input[0].text",
        "-        \"text\": \"draft.md is invalid: front matter lacks `date`. Fix it now.\"",
        "+        \"text\": \"draft.md is invalid: front matter lacks `date`. Fix it in place.\"",
        "re-record with: cargo run -- record-fixtures",
    ] {
        assert!(report.contains(part), "{part:?} missing from:\n{report}");
    }
}

#[test]
fn replay_refuses_a_cassette_the_adapter_could_not_have_recorded() {
    let (_dir, path) = edited_copy("single_turn", |text| {
        text.replace(
            "\"method\":\"thread/start\",\"params\":{\"cwd\"",
            "\"method\":\"thread/start\",\"params\":{\"ephemeral\":true,\"cwd\"",
        )
    });
    let out = run(&["replay", path.to_str().unwrap()]);
    failed(&out);
    let message = stderr(&out);
    assert!(
        message.contains("carries `ephemeral`")
            && message.contains("not recorded through the prompt-diary Codex adapter"),
        "{message}"
    );
}

#[test]
fn inspect_shows_conversations_turns_events_and_files() {
    let out = run(&["inspect", cassette("approval_declined").to_str().unwrap()]);
    ok(&out);
    let text = stdout(&out);
    for part in [
        &format!("scenario approval_declined · format 1 · Codex {PINNED_CODEX_VERSION}"),
        "conversation c1 (line 9): {\"approvalPolicy\":\"untrusted\"}",
        "prompt: Write denied.md.",
        "answered item/commandExecution/requestApproval: decline",
        "declined",
        "I was not allowed to write denied.md.",
        "server exit: exit status: 0",
    ] {
        assert!(text.contains(part), "{part:?} missing from:\n{text}");
    }
    let files = run(&["inspect", cassette("tool_artifact").to_str().unwrap()]);
    assert!(
        stdout(&files).contains("file: wrote artifact.md (33 bytes)"),
        "{}",
        stdout(&files)
    );
}

#[test]
fn inspect_json_is_a_machine_readable_timeline() {
    let out = run(&[
        "inspect",
        cassette("model_error_retry").to_str().unwrap(),
        "--json",
    ]);
    ok(&out);
    let doc: Value = serde_json::from_str(&stdout(&out)).expect("valid JSON");
    assert_eq!(doc["header"]["codex_version"], PINNED_CODEX_VERSION);
    assert_eq!(doc["header"]["format"], 1);
    let turns = doc["conversations"][0]["turns"].as_array().unwrap();
    assert_eq!(turns.len(), 2);
    assert_eq!(turns[0]["prompt"], "Summarise the notes.");
    assert_eq!(turns[0]["status"], "failed");
    assert!(
        turns[0]["events"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["kind"] == "error"),
        "{}",
        turns[0]
    );
    assert_eq!(turns[1]["status"], "completed");
}

#[test]
fn verify_passes_on_the_committed_cassettes() {
    let out = run(&["verify"]);
    ok(&out);
    let count = std::fs::read_dir(Path::new(ROOT).join("cassettes"))
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .path()
                .extension()
                .is_some_and(|x| x == "jsonl")
        })
        .count();
    assert!(
        stdout(&out).contains(&format!("verified {count} cassette(s) in cassettes")),
        "{}",
        stdout(&out)
    );
}

#[rstest]
#[case::secret(
    |t: &str| t.replace("Say hello.", "Say hello with sk-proj-ABCDEFGHIJKLMNOPQRSTUVWX."),
    "contain an OpenAI-style `sk-` key"
)]
#[case::old_format(
    |t: &str| t.replacen("\"format\":1", "\"format\":0", 1),
    "has format version 0, but this prompt-diary reads version 1"
)]
#[case::other_codex(
    |t: &str| t.replacen(
        &format!("\"codex_version\":\"{PINNED_CODEX_VERSION}\""),
        "\"codex_version\":\"0.99.0\"",
        1,
    ),
    "was recorded with Codex 0.99.0, but this prompt-diary pins Codex 0."
)]
fn verify_fails_with_a_paragraph_naming_the_problem(
    #[case] edit: fn(&str) -> String,
    #[case] message: &str,
) {
    let (dir, path) = edited_copy("single_turn", edit);
    let out = run(&["verify", dir.path().to_str().unwrap()]);
    failed(&out);
    let text = stderr(&out);
    assert!(text.contains(&format!("{}: ", path.display())), "{text}");
    assert!(text.contains(message), "{message:?} missing from:\n{text}");
}

#[test]
fn review_shows_a_pending_re_recording_by_meaning_or_as_a_diff_and_accept_replaces_the_cassette() {
    let (dir, path) = edited_copy("single_turn", str::to_owned);
    let committed = std::fs::read_to_string(&path).unwrap();
    let rerecorded = committed.replace("Hello from the scripted model.", "Hello, re-recorded.");
    std::fs::write(dir.path().join("single_turn.jsonl.new"), &rerecorded).unwrap();
    let dir_arg = dir.path().to_str().unwrap();

    let verify = run(&["verify", dir_arg]);
    assert!(
        stdout(&verify).contains("pending re-recording:"),
        "{}",
        stdout(&verify)
    );
    // By meaning: what the agent did comes first, and here it changed.
    let review = run(&["review", dir_arg]);
    ok(&review);
    let meaning = stdout(&review);
    assert!(meaning.contains("what the agent did: CHANGED"), "{meaning}");
    assert!(
        meaning
            .lines()
            .any(|l| l.trim_start().starts_with("- ")
                && l.contains("Hello from the scripted model.")),
        "{meaning}"
    );
    assert!(
        meaning
            .lines()
            .any(|l| l.trim_start().starts_with("+ ") && l.contains("Hello, re-recorded.")),
        "{meaning}"
    );
    assert!(meaning.contains("protocol shape: unchanged"), "{meaning}");
    // `--raw`: the unified line diff.
    let review = run(&["review", "--raw", dir_arg]);
    ok(&review);
    let diff = stdout(&review);
    assert!(
        diff.lines()
            .any(|l| l.starts_with('-') && l.contains("Hello from the scripted model.")),
        "{diff}"
    );
    assert!(
        diff.lines()
            .any(|l| l.starts_with('+') && l.contains("Hello, re-recorded.")),
        "{diff}"
    );

    let unknown = run(&["accept", dir_arg, "no_such"]);
    failed(&unknown);
    assert!(
        stderr(&unknown).contains("no pending re-recording named \"no_such\"")
            && stderr(&unknown).contains("pending: single_turn"),
        "{}",
        stderr(&unknown)
    );
    assert_eq!(std::fs::read_to_string(&path).unwrap(), committed);

    let accepted = run(&["accept", dir_arg, "single_turn"]);
    ok(&accepted);
    assert_eq!(std::fs::read_to_string(&path).unwrap(), rerecorded);
    assert!(!dir.path().join("single_turn.jsonl.new").exists());
    let nothing = run(&["review", dir_arg]);
    assert!(stdout(&nothing).contains("no pending re-recordings"));
}
