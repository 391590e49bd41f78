//! Conformance tier: any committed cassette re-records offline from the pinned Codex with the
//! scenario derived from the cassette itself and its own client side, and comes out the same
//! after normalisation; a cassette that needs what a cassette does not keep is refused with the
//! way out.

use std::path::{Path, PathBuf};

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
#[case::mcp_tool_call("mcp_tool_call")]
#[case::repair("repair_missing_artifact")]
#[case::validation("validation_feedback")]
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
    let err = rerecord_cassette(&path, &bin).await.unwrap_err();
    assert!(
        matches!(err, RerecordError::NeedsBackendConfig(_)),
        "{err:?}"
    );
    assert!(err.to_string().contains("record-fixtures"), "{err}");
}

/// Records `fixtures/scenarios/NAME.json` with the real Codex and the scripted model into a
/// temp folder: (folder, cassette, workspace).
fn record_fixture(name: &str, bin: &Path) -> (tempfile::TempDir, PathBuf, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(format!("{name}.jsonl"));
    let workspace = dir.path().join("ws");
    let script = format!("fixtures/scenarios/{name}.json");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_prompt-diary"))
        .current_dir(ROOT)
        .args(["record", "--script", &script, "--workspace"])
        .arg(&workspace)
        .arg("--out")
        .arg(&path)
        .env("PROMPT_DIARY_CODEX_BIN", bin)
        .env_remove("CI")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    (dir, path, workspace)
}

/// How many `item/completed` lines of `path` report an item of `kind`.
fn completed(path: &Path, kind: &str) -> usize {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .filter(|l| {
            l.contains("\"method\":\"item/completed\"")
                && l.contains(&format!("\"type\":\"{kind}\""))
        })
        .count()
}

/// File changes (Codex's `apply_patch`: an added, an updated, a deleted and a moved file) are
/// derived as the patches that make them: a cassette recorded from `fixtures/scenarios/
/// apply_patch.json` re-records from itself alone, unchanged, and leaves the same files.
#[tokio::test]
async fn file_changes_re_record_as_the_patches_that_made_them() {
    let Some(bin) = codex_for_conformance("rerecord apply_patch") else {
        return;
    };
    let (_dir, path, workspace) = record_fixture("apply_patch", &bin);
    assert_eq!(
        std::fs::read_to_string(workspace.join("docs/c.md")).unwrap(),
        "one\n2\nthree\n"
    );
    assert_eq!(completed(&path, "fileChange"), 3, "three patches recorded");
    let outcome = rerecord_cassette(&path, &bin)
        .await
        .unwrap_or_else(|err| panic!("{err}"));
    assert_eq!(outcome, WriteOutcome::Unchanged(path.clone()));
}

/// A web search (with the reasoning before it and the message after it, in one response)
/// re-records as the same search.
#[tokio::test]
async fn a_web_search_re_records_as_the_same_search() {
    let Some(bin) = codex_for_conformance("rerecord web_search") else {
        return;
    };
    let (_dir, path, _) = record_fixture("web_search", &bin);
    assert_eq!(completed(&path, "webSearch"), 1, "one web search recorded");
    assert!(
        std::fs::read_to_string(&path)
            .unwrap()
            .contains("\"query\":\"serde flatten attribute\"")
    );
    let outcome = rerecord_cassette(&path, &bin)
        .await
        .unwrap_or_else(|err| panic!("{err}"));
    assert_eq!(outcome, WriteOutcome::Unchanged(path.clone()));
}
