//! The official TypeScript SDK (`@openai/codex-sdk@0.163.0`) records and replays through the
//! stand-in's `exec` mode: `thread.run(prompt)` leaves an artifact missing, `thread.run(repair)`
//! on the same thread (a `codex exec ... resume`) writes it and answers to an output schema.
//! Recorded against the real pinned Codex and the scripted model, then replayed three times in a
//! row with the model gone; a changed prompt makes `thread.run` reject with the divergence report.
//!
//! Needs Node.js, the SDK (`bash scripts/node-sdk-env.sh` installs it into
//! `.prompt-diary/node-sdk`) and, for recording, the pinned Codex. Skipped with a message when
//! one is missing, unless `CI` or `PROMPT_DIARY_REQUIRE_CODEX` is set.

use crate::sdk;

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use prompt_diary::testing::conformance::{
    ScriptedCodex, announce_skip, codex_for_conformance, conformance_required,
};
use sdk::{portable, record_env, replay_env};
use serde_json::Value;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");
const SHIM: &str = env!("CARGO_BIN_EXE_prompt-diary-codex");
const FIRST: &str = "Write artifact.md describing the plan.";
const REPAIR: &str = "artifact.md does not exist. Write it now.";
/// One SDK script run (two turns) may take at most this long.
const SDK_TIMEOUT: Duration = Duration::from_secs(120);

/// The SDK's npm prefix, or `None` (with a message) when it is not installed and not required.
fn sdk_dir() -> Option<PathBuf> {
    let dir = PathBuf::from(ROOT).join(".prompt-diary/node-sdk");
    let how = "install it with `bash scripts/node-sdk-env.sh` (@openai/codex-sdk@0.163.0 from npm; \
               needs Node.js 18 or later)";
    let installed = dir
        .join("node_modules/@openai/codex-sdk/package.json")
        .is_file();
    let node = std::process::Command::new("node")
        .arg("--version")
        .output()
        .is_ok_and(|out| out.status.success());
    if installed && node {
        return Some(dir);
    }
    let missing = if node {
        format!("no SDK in {}", dir.display())
    } else {
        "no `node` on PATH".to_owned()
    };
    if conformance_required() {
        panic!("the TypeScript SDK tier is required here but there is {missing}; {how}");
    }
    announce_skip(&format!("TypeScript SDK test: {missing}; {how}"));
    None
}

/// Runs the SDK script; returns (exit code, parsed stdout, stderr). Bounded in time: the Node
/// process is killed when the budget runs out.
async fn run_sdk(
    sdk: &Path,
    workspace: &Path,
    first: &str,
    env: &[(&str, String)],
) -> (i32, Value, String) {
    let mut command = tokio::process::Command::new("node");
    command
        .arg(PathBuf::from(ROOT).join("tests/node/sdk_roundtrip.mjs"))
        .arg(sdk)
        .arg(SHIM)
        .arg(workspace)
        .args([first, REPAIR])
        .env_remove("CI")
        .env_remove("CODEX_HOME")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    for (key, value) in env {
        command.env(key, value);
    }
    let output = tokio::time::timeout(SDK_TIMEOUT, command.output())
        .await
        .expect("the SDK run finished within its budget")
        .expect("node ran");
    let stdout = String::from_utf8_lossy(&output.stdout).to_string();
    let stderr = String::from_utf8_lossy(&output.stderr).to_string();
    let value = serde_json::from_str(stdout.trim())
        .unwrap_or_else(|err| panic!("SDK output is not JSON ({err}): {stdout}\nstderr: {stderr}"));
    (output.status.code().unwrap_or(-1), value, stderr)
}

#[tokio::test]
async fn the_typescript_sdk_records_and_replays_a_repair_on_one_thread() {
    let Some(sdk) = sdk_dir() else { return };
    let Some(bin) =
        codex_for_conformance("the_typescript_sdk_records_and_replays_a_repair_on_one_thread")
    else {
        return;
    };
    let codex = ScriptedCodex::from_fixture(Path::new(ROOT), "ts_sdk_repair", bin.clone())
        .await
        .expect("scripted model");
    let dir = tempfile::tempdir().unwrap();
    let cassette = dir.path().join("ts_sdk_repair.jsonl");

    let record_ws = codex.workspace.path().to_path_buf();
    let (code, live, stderr) =
        run_sdk(&sdk, &record_ws, FIRST, &record_env(&cassette, &codex)).await;
    assert_eq!(code, 0, "recording failed: {live}\n{stderr}");
    let turns = &live["turns"];
    assert_eq!(turns[0]["finalResponse"], "I have planned the artifact.");
    assert_eq!(turns[0]["artifact_exists"], false);
    let structured: Value = serde_json::from_str(
        turns[1]["finalResponse"]
            .as_str()
            .expect("a final response"),
    )
    .expect("the schema turn answers JSON");
    assert_eq!(
        structured,
        serde_json::json!({"artifact": "artifact.md", "written": true})
    );
    assert_eq!(turns[1]["artifact_exists"], true);
    assert!(
        turns[1]["items"]
            .as_array()
            .expect("items")
            .iter()
            .any(|item| item["type"] == "command_execution"),
        "the repair ran a command: {live}"
    );
    assert!(turns[1]["usage"]["input_tokens"].is_u64(), "{live}");
    assert_eq!(live["files"]["artifact.md"], "# Artifact\n\nrepaired\n");
    codex
        .model
        .finish()
        .await
        .expect("the model served every reply");
    let text = std::fs::read_to_string(&cassette).expect("the cassette was written");
    assert!(text.contains("\"kind\":\"exec\""), "{text}");
    assert_eq!(
        text.matches("\"kind\":\"invocation\"").count(),
        2,
        "two runs: {text}"
    );
    assert!(
        text.contains("\"resume\""),
        "the second run resumes: {text}"
    );
    assert!(
        text.contains("{{output_schema}}") && text.contains("\"additionalProperties\":false"),
        "the schema file is kept by its contents: {text}"
    );

    let replay_env = replay_env(&cassette);
    for round in 1..=3 {
        let replay_ws = tempfile::tempdir().unwrap();
        let (code, replayed, stderr) = run_sdk(&sdk, replay_ws.path(), FIRST, &replay_env).await;
        assert_eq!(code, 0, "replay {round} failed: {replayed}\n{stderr}");
        assert_eq!(
            portable(&replayed, replay_ws.path()),
            portable(&live, &record_ws),
            "replay {round}: the same finalResponse, items, usage and files"
        );
    }

    let diverge_ws = tempfile::tempdir().unwrap();
    let (code, failed, stderr) = run_sdk(
        &sdk,
        diverge_ws.path(),
        "Write something else.",
        &replay_env,
    )
    .await;
    assert_eq!(code, 3, "thread.run rejected: {failed}\n{stderr}");
    let error = failed["error"].as_str().expect("an error message");
    assert!(error.contains("Codex Exec exited with code 1"), "{error}");
    assert!(
        error.contains("replay diverged from the cassette"),
        "{error}"
    );
    assert!(error.contains("$.stdin"), "{error}");
    assert!(error.contains("PROMPT_DIARY_RECORD_MODE=once"), "{error}");
    assert_eq!(failed["turns"], Value::Array(Vec::new()), "{failed}");
}
