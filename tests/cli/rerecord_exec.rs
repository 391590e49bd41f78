//! `prompt-diary rerecord` on an exec cassette: two `codex exec` runs on one thread (the second a
//! `resume` with an output schema and an `-o` file; reasoning, a command, a web search and
//! messages), recorded through the stand-in against the
//! scripted model, are made again offline from the cassette alone: on the pinned Codex they come
//! out unchanged; on the previous pin a `.new` waits whose runs `review` reads as unchanged.

use crate::stand_in_run::record_run;
use std::path::Path;
use std::process::Output;
use std::time::Duration;

use tokio::process::Command;

use prompt_diary::codex_bin::installed_binary;
use prompt_diary::testing::Scenario;
use prompt_diary::testing::conformance::{
    ScriptedCodex, announce_skip, codex_for_conformance, conformance_required,
};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");
/// The previous pin, installed by CI (`.ci/run`).
const OTHER_CODEX: &str = "0.163.0";

const SCENARIO: &str = r#"{
  "name": "exec_rerecord",
  "conversations": [{ "replies": [
    { "response": [{ "reasoning": "Write the file first." }, { "shell": "printf 'first\\n' > notes.md" }] },
    { "response": [{ "web_search": "notes.md conventions" }, { "message": "Wrote notes.md." }] },
    { "json": { "lines": 1 } }
  ] }]
}"#;

/// No process of this test may take longer than this.
const BUDGET: Duration = Duration::from_secs(300);

async fn prompt_diary(args: &[&str]) -> Output {
    let out = Command::new(env!("CARGO_BIN_EXE_prompt-diary"))
        .args(args)
        .env_remove("CI")
        .kill_on_drop(true)
        .output();
    tokio::time::timeout(BUDGET, out)
        .await
        .expect("prompt-diary ends in time")
        .expect("prompt-diary runs")
}

#[tokio::test]
async fn an_exec_cassette_rerecords_offline_unchanged_and_on_another_codex_for_review() {
    let Some(bin) = codex_for_conformance("an_exec_cassette_rerecords_offline") else {
        return;
    };
    let other = installed_binary(Path::new(ROOT), OTHER_CODEX);
    if other.is_none() {
        let how = format!("install it with `cargo run -- install-codex --version {OTHER_CODEX}`");
        assert!(
            !conformance_required(),
            "re-recording on Codex {OTHER_CODEX} is required here but it is not installed; {how}"
        );
        announce_skip(&format!("exec re-recording on Codex {OTHER_CODEX}: {how}"));
    }
    let scenario = Scenario::from_json(SCENARIO).expect("scenario");
    let codex = ScriptedCodex::start(scenario, bin.clone())
        .await
        .expect("model");
    let dir = tempfile::tempdir().unwrap();
    let cassette = dir.path().join("notes.jsonl");
    let ws = codex.workspace.path().display().to_string();
    let first = [
        "exec",
        "--experimental-json",
        "--cd",
        &ws,
        "--skip-git-repo-check",
    ]
    .map(str::to_owned);
    let out = record_run(&codex, &cassette, &first, "Write notes.md with one line.").await;
    let thread = String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .find(|e| e["type"] == "thread.started")
        .and_then(|e| e["thread_id"].as_str().map(str::to_owned))
        .expect("a thread id");
    let schema = dir.path().join("schema.json");
    std::fs::write(
        &schema,
        r#"{"type":"object","properties":{"lines":{"type":"integer"}},"required":["lines"],"additionalProperties":false}"#,
    )
    .unwrap();
    let last = dir.path().join("last.txt");
    let mut resume = first.to_vec();
    resume.extend(
        [
            "--output-schema",
            &schema.display().to_string(),
            "-o",
            &last.display().to_string(),
            "resume",
            &thread,
        ]
        .map(str::to_owned),
    );
    record_run(&codex, &cassette, &resume, "How many lines?").await;
    codex
        .model
        .finish()
        .await
        .expect("the model served every reply");
    let recorded = std::fs::read(&cassette).unwrap();
    let text = String::from_utf8_lossy(&recorded);
    for kind in [
        "reasoning",
        "web_search",
        "command_execution",
        "agent_message",
    ] {
        assert!(
            text.contains(&format!("\"type\":\"{kind}\"")),
            "the runs printed a {kind} item: {text}"
        );
    }
    let path = cassette.display().to_string();

    let out = prompt_diary(&["rerecord", &path, "--codex-bin", &bin.display().to_string()]).await;
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("unchanged"), "{stdout}");
    assert_eq!(std::fs::read(&cassette).unwrap(), recorded);
    assert!(
        !dir.path().join("notes.jsonl.new").exists(),
        "nothing waits for review"
    );

    let Some(other) = other else { return };
    let out = prompt_diary(&[
        "rerecord",
        &path,
        "--codex-bin",
        &other.display().to_string(),
    ])
    .await;
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("notes.jsonl.new"), "{stdout}");
    assert_eq!(std::fs::read(&cassette).unwrap(), recorded);
    let out = prompt_diary(&["review", &dir.path().display().to_string()]).await;
    let review = String::from_utf8_lossy(&out.stdout);
    assert!(review.contains(&format!("-> {OTHER_CODEX}")), "{review}");
    assert!(review.contains("what the runs did: unchanged"), "{review}");
}
