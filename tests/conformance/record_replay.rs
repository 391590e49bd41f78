//! Conformance tier: recording a fixture live (real Codex, scripted model) and replaying the
//! cassette offline gives the same results and files through the public API.

use std::path::Path;

use crate::fixtures;
use prompt_diary::cassette::WriteOutcome;
use prompt_diary::replay::driver::{RunnerOutcome, TurnOutcome};
use prompt_diary::testing::conformance::codex_for_conformance;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// Durations are measured live and replayed as 0; everything else must be equal.
fn without_durations(outcomes: &[RunnerOutcome]) -> Vec<RunnerOutcome> {
    let mut outcomes = outcomes.to_vec();
    for runner in &mut outcomes {
        for turn in &mut runner.turns {
            if let TurnOutcome::Ok(result) = turn {
                for event in &mut result.events {
                    event.metadata.remove("duration_ms");
                }
            }
        }
    }
    outcomes
}

#[tokio::test]
async fn every_fixture_replays_to_what_was_recorded_live() {
    let Some(bin) = codex_for_conformance("every_fixture_replays_to_what_was_recorded_live") else {
        return;
    };
    let scratch = tempfile::tempdir().unwrap();
    for fixture in fixtures::list(Path::new(ROOT)).unwrap() {
        let out = scratch.path().join(format!("{}.jsonl", fixture.name));
        let (written, live) = fixture.record(&bin, &out, false).await.unwrap();
        assert_eq!(written, WriteOutcome::Written(out.clone()));
        let replayed = fixture.replay(Some(&out)).await.unwrap();
        assert_eq!(
            without_durations(&replayed),
            without_durations(&live),
            "{}: replay differs from live",
            fixture.name
        );
    }
}

#[tokio::test]
async fn re_recording_an_unchanged_fixture_leaves_the_cassette_alone_and_a_changed_one_goes_to_new()
{
    let Some(bin) = codex_for_conformance("re_recording_goes_to_new") else {
        return;
    };
    let fixture = fixtures::find(Path::new(ROOT), "single_turn").unwrap();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("single_turn.jsonl");
    fixture.record(&bin, &out, false).await.unwrap();
    let first = std::fs::read_to_string(&out).unwrap();
    let (again, _) = fixture.record(&bin, &out, false).await.unwrap();
    assert_eq!(again, WriteOutcome::Unchanged(out.clone()));

    let edited = first.replace("Hello from the scripted model.", "Hello, edited.");
    std::fs::write(&out, &edited).unwrap();
    let (changed, _) = fixture.record(&bin, &out, false).await.unwrap();
    let pending = dir.path().join("single_turn.jsonl.new");
    assert_eq!(
        changed,
        WriteOutcome::Pending {
            existing: out.clone(),
            pending: pending.clone()
        }
    );
    assert_eq!(
        std::fs::read_to_string(&out).unwrap(),
        edited,
        "the reviewed cassette is not replaced"
    );
    assert!(
        std::fs::read_to_string(&pending)
            .unwrap()
            .contains("Hello from the scripted model.")
    );
}
