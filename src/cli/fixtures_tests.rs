//! The drift check's comparison (`fixtures::drift`), tested here rather than in the fixtures
//! folder: the test tiers compile that folder into their own crates, and would run these again.

use std::path::Path;

use super::fixtures::drift;

#[test]
fn a_changed_value_is_drift_with_a_diff_naming_it_and_an_equal_one_is_not() {
    let dir = tempfile::tempdir().unwrap();
    let committed = Path::new(env!("CARGO_MANIFEST_DIR")).join("cassettes/single_turn.jsonl");
    let same = dir.path().join("same.jsonl");
    std::fs::copy(&committed, &same).unwrap();
    assert_eq!(drift(&committed, &same).unwrap(), None);
    let text = std::fs::read_to_string(&committed).unwrap();
    let changed = dir.path().join("changed.jsonl");
    std::fs::write(
        &changed,
        text.replace("Hello from the scripted model.", "Hello from plan9."),
    )
    .unwrap();
    let diff = drift(&committed, &changed).unwrap().expect("a drift");
    assert!(
        diff.lines()
            .any(|l| l.starts_with('-') && l.contains("Hello from the scripted"))
            && diff
                .lines()
                .any(|l| l.starts_with('+') && l.contains("plan9")),
        "{diff}"
    );
}

/// What another machine adds (a missing bubblewrap's warning, its stderr line, another
/// platform) is environment: no drift, either way round.
#[test]
fn the_host_s_messages_are_no_drift() {
    let dir = tempfile::tempdir().unwrap();
    let committed = Path::new(env!("CARGO_MANIFEST_DIR")).join("cassettes/single_turn.jsonl");
    let text = std::fs::read_to_string(&committed).unwrap();
    let warning = r#"{"kind":"s2c","conv":"backend","turn":null,"msg":{"emittedAtMs":"{{time_ms}}","method":"configWarning","params":{"details":null,"summary":"Codex could not find bubblewrap on PATH."}}}"#;
    let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
    lines.insert(4, warning.to_owned());
    let other = lines
        .join("\n")
        .replace("\"platformOs\":\"linux\"", "\"platformOs\":\"macos\"")
        .replace(
            "\"stderr_tail\":[]",
            "\"stderr_tail\":[\"WARNING: could not create PATH aliases\"]",
        )
        + "\n";
    assert!(other.contains("macos") && other.contains("PATH aliases"));
    let elsewhere = dir.path().join("elsewhere.jsonl");
    std::fs::write(&elsewhere, other).unwrap();
    assert_eq!(drift(&committed, &elsewhere).unwrap(), None);
    assert_eq!(drift(&elsewhere, &committed).unwrap(), None);
}
