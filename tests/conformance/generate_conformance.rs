//! Conformance tier: the diary workflow recorded live from the real pinned Codex driven by the
//! scripted model renders the committed pages, and the fresh recording replays to the same.

use std::path::Path;

use crate::fixtures::{WorkflowRun, record_workflow, replay_workflow};
use prompt_diary::cassette::WriteOutcome;
use prompt_diary::testing::conformance::codex_for_conformance;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

#[tokio::test]
async fn diary_workflow_live_renders_the_committed_pages_and_replays_to_them() {
    let Some(bin) = codex_for_conformance(
        "diary_workflow_live_renders_the_committed_pages_and_replays_to_them",
    ) else {
        return;
    };
    let root = Path::new(ROOT);
    let scratch = tempfile::tempdir().unwrap();
    let out = scratch.path().join("diary_workflow.jsonl");
    let (written, live) = record_workflow(root, &bin, &out, false).await.unwrap();
    assert_eq!(written, WriteOutcome::Written(out.clone()));
    assert_eq!(
        live,
        WorkflowRun::expected(root).unwrap(),
        "live output differs from the committed pages"
    );
    let replayed = replay_workflow(root, Some(&out)).await.unwrap();
    assert_eq!(
        replayed, live,
        "the fresh recording replays to what was rendered live"
    );
}
