//! The official Python SDK (`openai-codex==0.163.0`) records and replays through the stand-in.
//!
//! Needs the project's Python environment (`bash scripts/python-env.sh` creates
//! `.prompt-diary/venv`) and, for recording, the pinned Codex. Skipped with a message when either
//! is missing, unless `CI` or `PROMPT_DIARY_REQUIRE_CODEX` is set.

use crate::sdk;

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use prompt_diary::cassette::{Cassette, WriteOutcome};
use prompt_diary::codex_bin::installed_binary;
use prompt_diary::rerecord::rerecord_cassette;
use prompt_diary::testing::conformance::{
    ScriptedCodex, announce_skip, codex_for_conformance, conformance_required,
};
use sdk::{portable, record_env, replay_env};
use serde_json::Value;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");
const SHIM: &str = env!("CARGO_BIN_EXE_prompt-diary-codex");
const FIRST: &str = "Write artifact.md describing the plan.";
const REPAIR: &str = "artifact.md does not exist. Write it now.";
/// The Codex a stand-in cassette is re-recorded on: another version than the pinned one (the
/// previous pin). CI installs it (`.ci/run`).
const OTHER_CODEX: &str = "0.163.0";

fn python() -> Option<PathBuf> {
    let python = PathBuf::from(ROOT).join(".prompt-diary/venv/bin/python");
    if python.is_file() {
        return Some(python);
    }
    let how =
        "create it with `bash scripts/python-env.sh` (a venv with openai-codex==0.163.0 from PyPI)";
    if conformance_required() {
        panic!(
            "the Python SDK tier is required here but {} is missing; {how}",
            python.display()
        );
    }
    announce_skip(&format!("Python SDK test: no {}; {how}", python.display()));
    None
}

/// Runs the SDK script; returns (exit code, parsed stdout, stderr). Bounded in time.
async fn run_sdk(
    python: &Path,
    workspace: &Path,
    first: &str,
    env: &[(&str, String)],
) -> (i32, Value, String) {
    let mut command = tokio::process::Command::new(python);
    command
        .arg(PathBuf::from(ROOT).join("tests/python/sdk_roundtrip.py"))
        .args([SHIM, &workspace.display().to_string(), first, REPAIR])
        .env_remove("CI")
        .env_remove("CODEX_HOME")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    for (key, value) in env {
        command.env(key, value);
    }
    let output = tokio::time::timeout(Duration::from_secs(120), command.output())
        .await
        .expect("the SDK run finished within 120 s")
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout).to_string();
    let stderr = String::from_utf8_lossy(&output.stderr).to_string();
    let value = serde_json::from_str(stdout.trim())
        .unwrap_or_else(|err| panic!("SDK output is not JSON ({err}): {stdout}\nstderr: {stderr}"));
    (output.status.code().unwrap_or(-1), value, stderr)
}

#[tokio::test]
async fn the_python_sdk_records_and_replays_through_the_stand_in() {
    let Some(python) = python() else { return };
    let Some(bin) =
        codex_for_conformance("the_python_sdk_records_and_replays_through_the_stand_in")
    else {
        return;
    };
    let codex = ScriptedCodex::from_fixture(Path::new(ROOT), "sdk_repair", bin.clone())
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let cassette = dir.path().join("sdk_repair.jsonl");

    let record_ws = codex.workspace.path().to_path_buf();
    let (code, live, stderr) =
        run_sdk(&python, &record_ws, FIRST, &record_env(&cassette, &codex)).await;
    assert_eq!(code, 0, "recording failed: {live}\n{stderr}");
    assert_eq!(
        live["turns"][0]["final_response"],
        "I have planned the artifact."
    );
    assert_eq!(live["turns"][0]["artifact_exists"], false);
    assert_eq!(
        live["turns"][1]["final_response"],
        "artifact.md is written now."
    );
    assert_eq!(live["files"]["artifact.md"], "# Artifact\n\nrepaired\n");
    assert!(cassette.exists());
    codex.model.shutdown().await; // the model is gone for the replay

    let replay_ws = tempfile::tempdir().unwrap();
    let replay_env = replay_env(&cassette);
    let (code, replayed, stderr) = run_sdk(&python, replay_ws.path(), FIRST, &replay_env).await;
    assert_eq!(code, 0, "replay failed: {replayed}\n{stderr}");
    assert_eq!(
        portable(&replayed, replay_ws.path()),
        portable(&live, &record_ws)
    );

    let diverge_ws = tempfile::tempdir().unwrap();
    let (code, failed, stderr) = run_sdk(
        &python,
        diverge_ws.path(),
        "Write something else.",
        &replay_env,
    )
    .await;
    // (The SDK keeps the stand-in's stderr to itself; stand_in/app_server.rs checks its own exit.)
    assert_eq!(code, 3, "the SDK call failed: {failed}\n{stderr}");
    let error = failed["error"].as_str().unwrap();
    assert!(
        error.contains("replay diverged from the cassette"),
        "{error}"
    );
    assert!(error.contains("$.params.input[0].text"), "{error}");
}

/// The other Codex version, installed project-locally; `None` (with a message) when it is not
/// there and the tier is not required.
fn other_codex() -> Option<PathBuf> {
    if let Some(bin) = installed_binary(Path::new(ROOT), OTHER_CODEX) {
        return Some(bin);
    }
    let how = format!("install it with `cargo run -- install-codex --version {OTHER_CODEX}`");
    if conformance_required() {
        panic!(
            "re-recording on Codex {OTHER_CODEX} is required here but it is not installed; {how}"
        );
    }
    announce_skip(&format!(
        "re-recording on Codex {OTHER_CODEX}: not installed; {how}"
    ));
    None
}

/// A cassette the Python SDK recorded through the stand-in is re-recorded offline on another
/// Codex version from nothing but itself (no scenario file: the model's side is derived, the
/// SDK's messages are sent again), reads unchanged by meaning, and the SDK replays it to the same
/// results and files.
#[tokio::test]
async fn a_python_sdk_cassette_rerecords_on_another_codex_and_replays_through_the_sdk() {
    let Some(python) = python() else { return };
    let Some(bin) = codex_for_conformance("a_python_sdk_cassette_rerecords_on_another_codex")
    else {
        return;
    };
    let Some(other) = other_codex() else { return };
    let codex = ScriptedCodex::from_fixture(Path::new(ROOT), "sdk_repair", bin.clone())
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let cassette = dir.path().join("sdk_repair.jsonl");
    let record_ws = codex.workspace.path().to_path_buf();
    let (code, live, stderr) =
        run_sdk(&python, &record_ws, FIRST, &record_env(&cassette, &codex)).await;
    assert_eq!(code, 0, "recording failed: {live}\n{stderr}");
    codex.model.shutdown().await;

    let outcome = rerecord_cassette(&cassette, &other, &[])
        .await
        .unwrap_or_else(|err| panic!("re-recording on Codex {OTHER_CODEX} failed: {err}"));
    let WriteOutcome::Pending { pending, .. } = outcome else {
        panic!("another Codex version records another header: {outcome:?}");
    };
    let _before = Cassette::load(&cassette, "").unwrap();
    let after = Cassette::load(&pending, "").unwrap();
    assert_eq!(after.header.codex_version, OTHER_CODEX);
    // Read by meaning, as a user reads it: `prompt-diary review` of the cassette's folder.
    let review = std::process::Command::new(env!("CARGO_BIN_EXE_prompt-diary"))
        .arg("review")
        .arg(cassette.parent().unwrap())
        .output()
        .unwrap();
    let meaning = String::from_utf8_lossy(&review.stdout);
    assert!(review.status.success(), "{meaning}");
    assert!(
        meaning.contains("what the agent did: unchanged"),
        "what the agent did must not change: {meaning}"
    );
    std::fs::rename(&pending, &cassette).unwrap();

    let replay_ws = tempfile::tempdir().unwrap();
    let (code, replayed, stderr) =
        run_sdk(&python, replay_ws.path(), FIRST, &replay_env(&cassette)).await;
    assert_eq!(
        code, 0,
        "replaying the re-recording failed: {replayed}\n{stderr}"
    );
    assert_eq!(
        portable(&replayed, replay_ws.path()),
        portable(&live, &record_ws)
    );
}
