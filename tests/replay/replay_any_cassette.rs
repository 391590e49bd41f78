//! The replay tier without scenario files: any cassette recorded through the adapter replays
//! offline from the client actions read back out of it (no Codex binary, no network).

use std::path::{Path, PathBuf};

use crate::fixtures;
use prompt_diary::cassette::Cassette;
use prompt_diary::replay::driver::TurnOutcome;
use prompt_diary::replay::{
    CassetteReplayError, INTERRUPTED_TURN_TIMEOUT_SECS, ReplayOptions, client_script_of,
    replay_cassette,
};
use rstest::rstest;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

fn cassette(name: &str) -> PathBuf {
    Path::new(ROOT)
        .join("cassettes")
        .join(format!("{name}.jsonl"))
}

#[tokio::test]
async fn every_committed_cassette_replays_to_what_its_fixture_replay_gives() {
    for fixture in fixtures::list(Path::new(ROOT)).unwrap() {
        let derived = replay_cassette(&fixture.cassette_path, ReplayOptions::default())
            .await
            .unwrap_or_else(|err| panic!("{}: {err}", fixture.name));
        // Read line by line, the script is the one the parsed cassette gives.
        let parsed = Cassette::load(&fixture.cassette_path, "").unwrap();
        assert_eq!(derived.script, client_script_of(&parsed).unwrap());
        let scripted = fixture.replay(None).await.unwrap();
        assert_eq!(derived.outcomes.len(), scripted.len(), "{}", fixture.name);
        for (got, want) in derived.outcomes.iter().zip(&scripted) {
            assert_eq!(got.files, want.files, "{}: files", fixture.name);
            for (a, b) in got.turns.iter().zip(&want.turns) {
                match (a, b) {
                    (TurnOutcome::Ok(a), TurnOutcome::Ok(b)) => {
                        assert_eq!(a, b, "{}: turn results", fixture.name)
                    }
                    (TurnOutcome::Err { kind: a, .. }, TurnOutcome::Err { kind: b, .. }) => {
                        assert_eq!(a, b, "{}: error kinds", fixture.name)
                    }
                    _ => panic!("{}: {a:?} vs {b:?}", fixture.name),
                }
            }
        }
    }
}

#[rstest]
#[case::one_runner_two_turns("validation_feedback", 1, 2, None)]
#[case::four_concurrent_runners("concurrent_runners", 4, 1, None)]
#[case::untrusted_approvals("approval_declined", 1, 2, Some("untrusted"))]
fn the_client_is_read_back_from_the_cassette(
    #[case] name: &str,
    #[case] runners: usize,
    #[case] turns: usize,
    #[case] approval_mode: Option<&str>,
) {
    let script = client_script_of(&Cassette::load(&cassette(name), "").unwrap()).unwrap();
    assert_eq!(script.runners.len(), runners);
    assert_eq!(script.concurrent, runners > 1);
    for runner in &script.runners {
        assert_eq!(runner.turns.len(), turns);
        assert_eq!(runner.approval_mode.as_deref(), approval_mode);
        assert_eq!(runner.approvals, None, "declined, as recorded");
    }
}

#[test]
fn a_turn_the_recording_interrupted_gets_a_short_timeout_and_a_schema_is_kept() {
    let load =
        |name: &str| client_script_of(&Cassette::load(&cassette(name), "").unwrap()).unwrap();
    let timeout = load("timeout_resume");
    assert_eq!(
        timeout.runners[0].turns[0].timeout_secs,
        INTERRUPTED_TURN_TIMEOUT_SECS
    );
    assert_ne!(
        timeout.runners[0].turns[1].timeout_secs,
        INTERRUPTED_TURN_TIMEOUT_SECS
    );
    let structured = load("structured_output_turn");
    let schema = structured.runners[0].turns[0]
        .output_schema
        .as_ref()
        .unwrap();
    assert_eq!(schema["required"][0], "title");
}

#[tokio::test]
async fn a_cassette_missing_a_recorded_turn_end_fails_as_damaged() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cut.jsonl");
    let text = std::fs::read_to_string(cassette("single_turn")).unwrap();
    let cut: String = text
        .lines()
        .filter(|l| !l.contains("\"method\":\"turn/completed\""))
        .map(|l| format!("{l}\n"))
        .collect();
    std::fs::write(&path, cut).unwrap();
    let options = ReplayOptions {
        turn_timeout_secs: 1,
        ..ReplayOptions::default()
    };
    let err = match replay_cassette(&path, options).await {
        Err(err) => err,
        Ok(session) => panic!("replayed a cut cassette: {:?}", session.outcomes),
    };
    assert!(matches!(err, CassetteReplayError::Diverged { .. }), "{err}");
    let text = err.to_string();
    assert!(
        text.contains("ended with `timeout`") && text.contains("looks damaged or hand-edited"),
        "{text}"
    );
}

/// `replay` reads a cassette line by line, one parsed line at a time; its errors stay those of
/// parsing the whole file: every line's syntax first, then every message, each at its line.
#[rstest]
#[case::syntax_beats_an_earlier_bad_message(true)]
#[case::a_bad_message_near_the_end(false)]
#[tokio::test]
async fn a_damaged_line_late_in_the_file_is_reported_at_its_line_as_before(
    #[case] with_syntax_error: bool,
) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("damaged.jsonl");
    let text = std::fs::read_to_string(cassette("single_turn")).unwrap();
    let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
    let count = lines.len();
    // Not a JSON-RPC message, four lines from the end.
    lines[count - 4] =
        r#"{"kind":"s2c","conv":"c1","turn":0,"msg":{"neither":"a request"}}"#.into();
    if with_syntax_error {
        // Not JSON, on the line before the last.
        lines[count - 2] = r#"{"kind":"s2c","conv":"c1","#.into();
    }
    std::fs::write(&path, lines.join("\n") + "\n").unwrap();
    let line = if with_syntax_error {
        count - 1
    } else {
        count - 3
    };
    let whole = Cassette::load(&path, "").unwrap_err().to_string();
    let err = match replay_cassette(&path, ReplayOptions::default()).await {
        Err(err) => err,
        Ok(session) => panic!("replayed a damaged cassette: {:?}", session.outcomes),
    };
    assert!(matches!(err, CassetteReplayError::Cassette(_)), "{err}");
    assert_eq!(err.to_string(), whole);
    let at = format!("{}:{line}:", path.display());
    assert!(whole.contains(&at), "{at:?} missing from: {whole}");
}
