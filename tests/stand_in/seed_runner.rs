//! A runner shaped like the seed's 0.2.20 one (`prompt_diary.integrations.codex_runner` on the
//! official Python SDK) through the stand-in: an MCP server Codex starts from the backend's `-c`
//! overrides writes the artifact with the workspace from its environment, a repair turn on the
//! same thread, each conversation released (`thread/unsubscribe`, then `thread/loaded/list`
//! polled until it is gone), a second conversation; recorded once, replayed three times in
//! fresh workspaces, each replay equal to the live run, down to how many polls each release
//! took and what each poll listed.
//!
//! Needs the project's Python environment (`bash scripts/python-env.sh`) and, for recording, the
//! pinned Codex; skipped with a message when either is missing, unless `CI` or
//! `PROMPT_DIARY_REQUIRE_CODEX` is set.

use crate::sdk;

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use prompt_diary::testing::conformance::{
    ScriptedCodex, announce_skip, codex_for_conformance, conformance_required,
};
use sdk::{portable, record_env, replay_env};
use serde_json::{Value, json};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");
const SHIM: &str = env!("CARGO_BIN_EXE_prompt-diary-codex");

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
    announce_skip(&format!("seed runner test: no {}; {how}", python.display()));
    None
}

/// Runs the seed-shaped runner in `workspace`; returns (exit code, parsed stdout, stderr).
async fn run(python: &Path, workspace: &Path, env: &[(&str, String)]) -> (i32, Value, String) {
    let server = PathBuf::from(ROOT).join("fixtures/mcp/writer_server.py");
    let mut command = tokio::process::Command::new(python);
    command
        .arg(PathBuf::from(ROOT).join("tests/python/seed_runner.py"))
        .args([SHIM, &workspace.display().to_string()])
        .arg(&server)
        .env_remove("CI")
        .env_remove("CODEX_HOME")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    for (key, value) in env {
        command.env(key, value);
    }
    let output = tokio::time::timeout(Duration::from_secs(180), command.output())
        .await
        .expect("the seed runner finished within 180 s")
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout).to_string();
    let stderr = String::from_utf8_lossy(&output.stderr).to_string();
    let value = serde_json::from_str(stdout.trim()).unwrap_or_else(|err| {
        panic!("the runner's output is not JSON ({err}): {stdout}\nstderr: {stderr}")
    });
    (output.status.code().unwrap_or(-1), value, stderr)
}

#[tokio::test]
async fn the_seed_shaped_runner_records_once_and_replays_three_times_in_fresh_workspaces() {
    let Some(python) = python() else { return };
    let Some(bin) = codex_for_conformance("the_seed_shaped_runner_records_once") else {
        return;
    };
    let codex = ScriptedCodex::from_fixture(Path::new(ROOT), "seed_runner", bin)
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let cassette = dir.path().join("seed_runner.jsonl");
    let record_ws = codex.workspace.path().to_path_buf();
    let (code, live, stderr) = run(&python, &record_ws, &record_env(&cassette, &codex)).await;
    assert_eq!(code, 0, "recording failed: {live}\n{stderr}");
    let conversations = &live["conversations"];
    assert_eq!(
        conversations[0]["turns"],
        json!([
            {"final_response": "I have planned the outline.", "artifact_exists": false},
            {"final_response": "outline.md is written.", "artifact_exists": true}
        ])
    );
    assert_eq!(
        conversations[1]["turns"],
        json!([{"final_response": "draft.md is written.", "artifact_exists": true}])
    );
    assert_eq!(
        live["files"],
        json!({"outline.md": "# Outline\n\n- one\n", "draft.md": "# Draft\n"}),
        "the MCP server wrote both artifacts into the workspace from its environment"
    );
    for conversation in conversations.as_array().unwrap() {
        assert_eq!(conversation["release"]["status"], "unsubscribed");
    }
    let text = std::fs::read_to_string(&cassette).unwrap();
    let count = |what: &str| text.lines().filter(|l| l.contains(what)).count();
    assert_eq!(
        count("\"method\":\"thread/unsubscribe\""),
        2,
        "one release each"
    );
    assert!(count("\"method\":\"thread/loaded/list\"") >= 2, "polled");
    assert!(count("\"method\":\"mcpServer/") + count("write_artifact") > 0);
    codex.model.shutdown().await; // the model is gone for the replays

    let releases: Vec<&Value> = conversations
        .as_array()
        .unwrap()
        .iter()
        .map(|c| &c["release"])
        .collect();
    for release in &releases {
        let lists = release["lists"].as_array().unwrap();
        assert_eq!(
            Some(lists.len() as u64),
            release["polls"].as_u64(),
            "{release}"
        );
        assert!(
            !lists
                .last()
                .unwrap()
                .as_array()
                .unwrap()
                .contains(&json!("self")),
            "the last poll no longer lists the thread: {release}"
        );
    }
    for n in 0..3 {
        let replay_ws = tempfile::tempdir().unwrap();
        let (code, replayed, stderr) = run(&python, replay_ws.path(), &replay_env(&cassette)).await;
        assert_eq!(code, 0, "replay {n} failed: {replayed}\n{stderr}");
        // Everything, the polls each release took and the lists they read included: a loaded
        // list names each thread by its conversation (`{{conv_thread:N}}`), so a replay's
        // client finds its own thread in it for as many polls as the recording did.
        assert_eq!(
            portable(&replayed, replay_ws.path()),
            portable(&live, &record_ws),
            "replay {n} differs from the live run"
        );
    }
}
