//! Conformance tier: any committed cassette re-records offline from the pinned Codex with the
//! scenario derived from the cassette itself and its own client side, and comes out the same
//! after normalisation; a cassette that needs what a cassette does not keep is refused with the
//! way out.

use std::path::Path;

use prompt_diary::cassette::WriteOutcome;
use prompt_diary::rerecord::{RerecordError, rerecord_cassette};
use prompt_diary::testing::conformance::codex_for_conformance;
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
#[case::mcp_tool_call("mcp_tool_call")]
#[case::repair("repair_missing_artifact")]
#[case::validation("validation_feedback")]
#[case::apply_patch("apply_patch")]
#[case::web_search("web_search")]
#[tokio::test]
async fn a_committed_cassette_re_records_offline_unchanged(#[case] name: &str) {
    let Some(bin) = codex_for_conformance(&format!("rerecord {name}")) else {
        return;
    };
    let (dir, path) = copy(name);
    // The committed MCP cassette starts the fixtures' `echo` server: re-recording starts it only
    // when the user names it (a cassette may come from anyone).
    let outcome = rerecord_cassette(&path, &bin, &["echo".to_owned()])
        .await
        .unwrap_or_else(|err| panic!("{name}: {err}"));
    assert_eq!(outcome, WriteOutcome::Unchanged(path.clone()));
    assert!(!dir.path().join(format!("{name}.jsonl.new")).exists());
}

#[tokio::test]
async fn a_cassette_calling_mcp_tools_without_its_servers_in_the_header_is_refused() {
    let Some(bin) = codex_for_conformance("rerecord mcp_tool_call without overrides") else {
        return;
    };
    let (_dir, path) = copy("mcp_tool_call");
    let text = std::fs::read_to_string(&path).unwrap();
    let header_end = text.find('\n').unwrap();
    let mut header: serde_json::Value = serde_json::from_str(&text[..header_end]).unwrap();
    header.as_object_mut().unwrap().remove("backend_overrides");
    std::fs::write(&path, format!("{header}{}", &text[header_end..])).unwrap();
    let err = rerecord_cassette(&path, &bin, &[]).await.unwrap_err();
    assert!(
        matches!(err, RerecordError::NeedsBackendConfig(_)),
        "{err:?}"
    );
    assert!(err.to_string().contains("record-fixtures"), "{err}");
}

/// The cassettes that hold a file change and a web search hold what their cases above prove
/// re-recordable: three `apply_patch` changes (an added, an updated, a deleted and a moved
/// file) and one search.
#[test]
fn the_patch_and_search_cassettes_hold_their_items() {
    assert_eq!(completed("apply_patch", "fileChange"), 3);
    assert_eq!(completed("web_search", "webSearch"), 1);
    let patches =
        std::fs::read_to_string(Path::new(ROOT).join("cassettes/apply_patch.jsonl")).unwrap();
    for kind in [
        "\"type\":\"add\"",
        "\"type\":\"update\"",
        "\"type\":\"delete\"",
        "\"move_path\":\"{{workspace}}/docs/c.md\"",
    ] {
        assert!(patches.contains(kind), "{kind}");
    }
}

/// How many `item/completed` lines of the committed cassette `name` report an item of `kind`.
fn completed(name: &str, kind: &str) -> usize {
    std::fs::read_to_string(Path::new(ROOT).join(format!("cassettes/{name}.jsonl")))
        .unwrap()
        .lines()
        .filter(|l| {
            l.contains("\"method\":\"item/completed\"")
                && l.contains(&format!("\"type\":\"{kind}\""))
        })
        .count()
}
