//! Conformance tier: the drift check as a library call (what `record-fixtures --check` and CI
//! run): a committed cassette re-recorded from the pinned Codex and the scripted model matches,
//! and one changed by hand is reported as drifted, with a diff naming the change.

use std::path::Path;

use crate::fixtures::{FixtureStatus, Rerecord, rerecord};
use prompt_diary::testing::conformance::codex_for_conformance;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

fn check_only(name: &str) -> Rerecord {
    Rerecord {
        only: vec![name.to_owned()],
        check: true,
        ..Rerecord::default()
    }
}

#[tokio::test]
async fn a_committed_cassette_matches_a_fresh_recording() {
    let Some(bin) = codex_for_conformance("a_committed_cassette_matches_a_fresh_recording") else {
        return;
    };
    let mut lines = Vec::new();
    let report = rerecord(
        Path::new(ROOT),
        &bin,
        &check_only("single_turn"),
        &mut |l| lines.push(l.to_owned()),
    )
    .await
    .unwrap();
    assert_eq!(
        report.fixtures,
        [("single_turn".to_owned(), FixtureStatus::Matches)],
        "{lines:#?}"
    );
    assert!(report.drifted().is_empty());
    assert!(
        lines.iter().any(|l| l.contains("ok: matches")),
        "{lines:#?}"
    );
}

#[tokio::test]
async fn a_cassette_changed_by_hand_is_reported_as_drifted_with_the_change() {
    let Some(bin) = codex_for_conformance("a_cassette_changed_by_hand_is_reported_as_drifted")
    else {
        return;
    };
    let root = tempfile::tempdir().unwrap();
    let scenarios = root.path().join("fixtures/scenarios");
    std::fs::create_dir_all(&scenarios).unwrap();
    std::fs::create_dir_all(root.path().join("cassettes")).unwrap();
    std::fs::copy(
        Path::new(ROOT).join("fixtures/scenarios/single_turn.json"),
        scenarios.join("single_turn.json"),
    )
    .unwrap();
    let committed = std::fs::read_to_string(Path::new(ROOT).join("cassettes/single_turn.jsonl"))
        .unwrap()
        .replace("Hello from the scripted model.", "Hello from plan9.");
    std::fs::write(root.path().join("cassettes/single_turn.jsonl"), committed).unwrap();
    let report = rerecord(root.path(), &bin, &check_only("single_turn"), &mut |_| {})
        .await
        .unwrap();
    assert_eq!(report.drifted(), ["single_turn"]);
    let FixtureStatus::Drifted { diff } = &report.fixtures[0].1 else {
        panic!("not drifted: {report:?}");
    };
    assert!(
        diff.lines()
            .any(|l| l.starts_with('-') && l.contains("plan9"))
            && diff
                .lines()
                .any(|l| l.starts_with('+') && l.contains("Hello from the scripted model.")),
        "{diff}"
    );
    // The check writes nothing in the project.
    assert!(!root.path().join("cassettes/single_turn.jsonl.new").exists());
}
