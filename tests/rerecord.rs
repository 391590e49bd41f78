//! Conformance tier: any committed cassette re-records offline from the pinned Codex with the
//! scenario derived from the cassette itself and its own client side, and comes out the same
//! after normalisation; a cassette that needs what a cassette does not keep is refused with the
//! way out.

use std::path::Path;

use prompt_diary::cassette::WriteOutcome;
use prompt_diary::testing::conformance::codex_for_conformance;
use prompt_diary::testing::derive::{RerecordError, rerecord_cassette};
use rstest::rstest;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

fn copy(name: &str) -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(format!("{name}.jsonl"));
    std::fs::copy(
        Path::new(ROOT).join(format!("cassettes/{name}.jsonl")),
        &path,
    )
    .unwrap();
    (dir, path)
}

#[rstest]
#[case::single_turn("single_turn")]
#[case::tool_artifact("tool_artifact")]
#[case::approval_declined("approval_declined")]
#[case::structured_output("structured_output_turn")]
#[case::model_error("model_error_retry")]
#[case::timeout("timeout_resume")]
#[case::concurrent("concurrent_runners")]
#[case::workflow("diary_workflow")]
#[case::realistic_stream("realistic_stream")]
#[tokio::test]
async fn a_committed_cassette_re_records_offline_unchanged(#[case] name: &str) {
    let Some(bin) = codex_for_conformance(&format!("rerecord {name}")) else {
        return;
    };
    let (dir, path) = copy(name);
    let outcome = rerecord_cassette(&path, &bin)
        .await
        .unwrap_or_else(|err| panic!("{name}: {err}"));
    assert_eq!(outcome, WriteOutcome::Unchanged(path.clone()));
    assert!(!dir.path().join(format!("{name}.jsonl.new")).exists());
}

#[tokio::test]
async fn a_cassette_that_needs_mcp_servers_is_refused_with_the_way_out() {
    let Some(bin) = codex_for_conformance("rerecord mcp_tool_call") else {
        return;
    };
    let (_dir, path) = copy("mcp_tool_call");
    let err = rerecord_cassette(&path, &bin).await.unwrap_err();
    assert!(
        matches!(err, RerecordError::NeedsBackendConfig(_)),
        "{err:?}"
    );
    assert!(err.to_string().contains("record-fixtures"), "{err}");
}
