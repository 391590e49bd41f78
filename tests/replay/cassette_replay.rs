//! The replay tier: every committed cassette replays offline through the public adapter, with no
//! Codex binary, no network and no key, and gives exactly the recorded results and files.

use std::path::Path;

use crate::fixtures;
use prompt_diary::agent::{AgentTurnResult, EventKind};
use prompt_diary::replay::driver::{RunnerOutcome, TurnOutcome};
use serde_json::json;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

async fn replay(name: &str) -> Vec<RunnerOutcome> {
    let fixture = fixtures::find(Path::new(ROOT), name).unwrap();
    fixture
        .replay(None)
        .await
        .unwrap_or_else(|err| panic!("replaying {name}: {err}"))
}

fn ok(outcome: &TurnOutcome) -> &AgentTurnResult {
    match outcome {
        TurnOutcome::Ok(result) => result,
        TurnOutcome::Err { kind, message } => panic!("expected a result, got {kind}: {message}"),
    }
}

fn kinds_of(result: &AgentTurnResult) -> Vec<EventKind> {
    result.events.iter().map(|e| e.kind).collect()
}

fn files(pairs: &[(&str, &str)]) -> std::collections::BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

#[tokio::test]
async fn single_turn() {
    let out = replay("single_turn").await;
    let result = ok(&out[0].turns[0]);
    assert_eq!(result.assistant_text, "Hello from the scripted model.");
    assert_eq!(kinds_of(result), [EventKind::AgentMessage]);
    assert!(out[0].files.is_empty());
}

#[tokio::test]
async fn tool_use_writes_the_artifact() {
    let out = replay("tool_artifact").await;
    let result = ok(&out[0].turns[0]);
    assert_eq!(result.assistant_text, "Wrote artifact.md.");
    assert_eq!(
        kinds_of(result),
        [EventKind::Command, EventKind::AgentMessage]
    );
    let command = &result.events[0].metadata;
    assert_eq!(
        command["command"],
        json!(
            "/bin/bash -c \"printf '# Artifact\\\\n\\\\nwritten by the agent\\\\n' > artifact.md\""
        )
    );
    assert_eq!(command["exit_code"], json!(0));
    assert_eq!(
        command["cwd"],
        json!("{{workspace}}"),
        "the replay workspace stands in for the recorded one"
    );
    assert_eq!(
        out[0].files,
        files(&[("artifact.md", "# Artifact\n\nwritten by the agent\n")])
    );
}

#[tokio::test]
async fn missing_artifact_is_repaired_on_the_second_turn() {
    let out = replay("repair_missing_artifact").await;
    let first = ok(&out[0].turns[0]);
    assert_eq!(first.assistant_text, "I have planned the outline.");
    assert_eq!(kinds_of(first), [EventKind::AgentMessage]);
    let second = ok(&out[0].turns[1]);
    assert_eq!(second.assistant_text, "outline.md is written now.");
    assert_eq!(
        kinds_of(second),
        [EventKind::Command, EventKind::AgentMessage]
    );
    assert_eq!(
        out[0].files,
        files(&[("outline.md", "# Outline\n\n1. Intro\n2. Body\n")])
    );
}

#[tokio::test]
async fn validation_feedback_fixes_the_content_in_place() {
    let out = replay("validation_feedback").await;
    assert_eq!(ok(&out[0].turns[0]).assistant_text, "Drafted draft.md.");
    assert_eq!(
        ok(&out[0].turns[1]).assistant_text,
        "Added the date to the front matter."
    );
    assert_eq!(
        out[0].files,
        files(&[(
            "draft.md",
            "---\ntitle: Draft\ndate: 2026-01-01\n---\n\nFirst draft.\n"
        )])
    );
}

#[tokio::test]
async fn structured_output_returns_the_json_text() {
    let out = replay("structured_output_turn").await;
    let result = ok(&out[0].turns[0]);
    let value: serde_json::Value = serde_json::from_str(&result.assistant_text).unwrap();
    assert_eq!(value, json!({"title": "Hello", "tags": ["a", "b"]}));
}

#[tokio::test]
async fn model_error_then_a_successful_retry() {
    let out = replay("model_error_retry").await;
    assert_eq!(
        out[0].turns[0],
        TurnOutcome::Err {
            kind: "turn_failed".into(),
            message: "We’re currently experiencing high demand, which may cause temporary errors. (internalServerError)".into(),
        }
    );
    assert_eq!(ok(&out[0].turns[1]).assistant_text, "Recovered.");
}

#[tokio::test]
async fn timeout_then_resume_on_the_same_runner() {
    let out = replay("timeout_resume").await;
    assert_eq!(
        out[0].turns[0],
        TurnOutcome::Err {
            kind: "timeout".into(),
            message: "after 2s while waiting for the model".into()
        }
    );
    assert_eq!(ok(&out[0].turns[1]).assistant_text, "Back after the stall.");
}

#[tokio::test]
async fn approval_declined_then_a_turn_that_works_without_it() {
    let out = replay("approval_declined").await;
    let first = ok(&out[0].turns[0]);
    assert_eq!(
        kinds_of(first),
        [
            EventKind::Approval,
            EventKind::Command,
            EventKind::AgentMessage
        ]
    );
    assert_eq!(first.events[0].metadata["decision"], json!("decline"));
    assert_eq!(first.events[1].metadata["status"], json!("declined"));
    assert_eq!(
        ok(&out[0].turns[1]).assistant_text,
        "Here is the text instead: should not exist."
    );
    assert!(
        out[0].files.is_empty(),
        "the declined command wrote nothing"
    );
}

#[tokio::test]
async fn four_concurrent_runners_each_get_their_own_reply_and_files() {
    let out = replay("concurrent_runners").await;
    let words = ["one", "two", "three", "four"];
    for (i, runner) in out.iter().enumerate() {
        assert_eq!(
            ok(&runner.turns[0]).assistant_text,
            format!("done {}", i + 1)
        );
        assert_eq!(
            runner.files,
            files(&[("out.md", &format!("{}\n", words[i]))])
        );
    }
}

#[tokio::test]
async fn mcp_tool_call_through_the_echo_server() {
    let out = replay("mcp_tool_call").await;
    let result = ok(&out[0].turns[0]);
    assert_eq!(
        kinds_of(result),
        [EventKind::McpToolCall, EventKind::AgentMessage]
    );
    let call = &result.events[0];
    assert_eq!(call.summary, "called echo/echo: completed");
    assert_eq!(call.metadata["arguments"], json!({"text": "ping"}));
    assert_eq!(
        call.metadata["result"]["content"],
        json!([{"type": "text", "text": "echo: ping"}])
    );
    assert_eq!(result.assistant_text, "The echo server said: echo: ping");
}

#[tokio::test]
async fn every_cassette_replays_twenty_times_identically() {
    for fixture in fixtures::list(Path::new(ROOT)).unwrap() {
        if fixture.name == "timeout_resume" {
            continue; // covered below with fewer rounds: each replay waits out its 2 s timeout
        }
        let first = fixture.replay(None).await.unwrap();
        for round in 1..20 {
            let again = fixture.replay(None).await.unwrap();
            assert_eq!(again, first, "{} differed on replay {round}", fixture.name);
        }
    }
}

#[tokio::test]
async fn the_timeout_cassette_replays_identically_too() {
    let fixture = fixtures::find(Path::new(ROOT), "timeout_resume").unwrap();
    let first = fixture.replay(None).await.unwrap();
    let second = fixture.replay(None).await.unwrap();
    assert_eq!(first, second);
}

/// A copy of `name`'s cassette with `edit` applied to its text, in a temp dir.
fn edited_cassette(
    name: &str,
    edit: impl FnOnce(String) -> String,
) -> (tempfile::TempDir, std::path::PathBuf) {
    let fixture = fixtures::find(Path::new(ROOT), name).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let copy = dir.path().join(format!("{name}.jsonl"));
    let text = std::fs::read_to_string(&fixture.cassette_path).unwrap();
    std::fs::write(&copy, edit(text)).unwrap();
    (dir, copy)
}

#[tokio::test]
async fn a_cassette_recorded_by_another_client_version_still_replays() {
    let recorded_by = format!(
        r#""clientInfo":{{"name":"prompt-diary","version":"{}"}}"#,
        env!("CARGO_PKG_VERSION")
    );
    let (_dir, older) = edited_cassette("tool_artifact", |text| {
        assert!(
            text.contains(&recorded_by),
            "the cassette names the client version"
        );
        text.replace(
            &recorded_by,
            r#""clientInfo":{"name":"prompt-diary","version":"0.0.1-older"}"#,
        )
    });
    let fixture = fixtures::find(Path::new(ROOT), "tool_artifact").unwrap();
    let replayed = fixture
        .replay(Some(&older))
        .await
        .unwrap_or_else(|err| panic!("an upgrade must not invalidate cassettes: {err}"));
    assert_eq!(replayed, replay("tool_artifact").await);
}

#[tokio::test]
async fn another_client_name_in_initialize_still_diverges() {
    let (_dir, renamed) = edited_cassette("tool_artifact", |text| {
        text.replace(
            r#""name":"prompt-diary","version""#,
            r#""name":"another-client","version""#,
        )
    });
    let fixture = fixtures::find(Path::new(ROOT), "tool_artifact").unwrap();
    let err = fixture
        .replay(Some(&renamed))
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("replay diverged from the cassette"), "{err}");
    assert!(err.contains("$.params.clientInfo.name"), "{err}");
}
