//! Conformance tier: the typed protocol subset this crate speaks exists in the pinned binary's own
//! schema (`codex app-server generate-json-schema`), and every server request it can send has an
//! answer here.

use prompt_diary::testing::conformance::{codex_for_conformance, protocol_subset_problems};

#[test]
fn the_typed_subset_matches_the_pinned_schema() {
    let Some(bin) = codex_for_conformance("the_typed_subset_matches_the_pinned_schema") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let status = std::process::Command::new(&bin)
        .args(["app-server", "generate-json-schema", "--out"])
        .arg(dir.path())
        .status()
        .unwrap();
    assert!(status.success());
    let problems = protocol_subset_problems(dir.path());
    assert!(
        problems.is_empty(),
        "the pinned schema lacks what the adapter uses:\n{}",
        problems.join("\n")
    );
}
