//! The whole diary workflow replays offline from its committed cassette (no Codex binary,
//! network or key) through the composition root, and renders the same pages every run: the
//! committed expected ones, which the live recording produced.

use std::path::Path;

use crate::fixtures::{WorkflowRun, replay_workflow};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

#[tokio::test]
async fn diary_workflow_replays_offline_to_the_same_pages_every_run() {
    let root = Path::new(ROOT);
    let expected = WorkflowRun::expected(root).unwrap();
    assert_eq!(
        expected.rendered.keys().collect::<Vec<_>>(),
        ["morning-walk", "rainy-evening"]
    );
    for run in 1..=5 {
        let replayed = replay_workflow(root, None).await.unwrap_or_else(|err| {
            panic!("replay {run} of {}: {err}", cassette_path(root).display())
        });
        assert_eq!(replayed, expected, "replay {run} rendered other pages");
    }
}

#[tokio::test]
async fn every_phase_closes_its_conversation_and_the_closes_replay() {
    // Each phase released its conversation when it ended: one `thread/unsubscribe`, confirmed by
    // `thread/closed`, per `thread/start`. The replay answers them as recorded (an unsent one
    // would fail it as unused interactions).
    let text = std::fs::read_to_string(cassette_path(Path::new(ROOT))).unwrap();
    let count = |method: &str| {
        text.lines()
            .filter(|l| l.contains(&format!("\"method\":\"{method}\"")))
            .count()
    };
    assert_eq!(
        count("thread/start"),
        6,
        "two entries, three agent phases each"
    );
    assert_eq!(count("thread/unsubscribe"), 6);
    assert_eq!(count("thread/closed"), 6);
    replay_workflow(Path::new(ROOT), None).await.unwrap();
}

#[tokio::test]
async fn the_replayed_repairs_are_the_recorded_ones() {
    // The cassette holds the repair turns: the draft's validation feedback, the missing outline
    // and the review after a failed model call, each resumed on the same conversation.
    let text = std::fs::read_to_string(cassette_path(Path::new(ROOT))).unwrap();
    for repair in [
        r"draft.md still needs work:\n- front matter lacks `date`",
        r"outline.md still needs work:\n- outline.md is missing",
        r"The previous turn did not finish: the turn failed: ",
    ] {
        assert!(
            text.contains(repair),
            "the cassette lacks the repair prompt {repair:?}"
        );
    }
}

#[tokio::test]
async fn a_missing_workflow_cassette_says_how_to_record_it() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("diary_workflow.jsonl");
    let err = replay_workflow(Path::new(ROOT), Some(&missing))
        .await
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("no cassette at") && err.contains("cargo run -- record-fixtures"),
        "{err}"
    );
}

/// The workflow fixture's committed cassette.
fn cassette_path(root: &Path) -> std::path::PathBuf {
    root.join("cassettes/diary_workflow.jsonl")
}
