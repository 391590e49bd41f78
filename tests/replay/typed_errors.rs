//! Errors reach the caller typed: a replay divergence, recorded interactions left unused and a
//! cassette that cannot be loaded come out of the port's `AgentError` as the cassette layer's own
//! types, with their fields, not only as text.

use std::path::{Path, PathBuf};

use prompt_diary::agent::{AgentConfig, AgentError, AgentSessionFactory, TurnOptions};
use prompt_diary::cassette::{
    CassetteError, Divergence, DivergenceLocation, RecordMode, UnusedInteractions,
};
use prompt_diary::codex::{CodexAgentSessionFactory, CodexBackendConfig};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// A copy of the committed cassette `name`, changed by `edit`, in a temp dir.
fn edited_copy(name: &str, edit: impl FnOnce(String) -> String) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let copy = dir.path().join(format!("{name}.jsonl"));
    let text = std::fs::read_to_string(
        Path::new(ROOT)
            .join("cassettes")
            .join(format!("{name}.jsonl")),
    )
    .unwrap();
    std::fs::write(&copy, edit(text)).unwrap();
    (dir, copy)
}

fn replay_config(path: &Path) -> CodexBackendConfig {
    CodexBackendConfig::default().with_cassette(path, RecordMode::None)
}

#[tokio::test]
async fn a_divergence_comes_out_of_a_turn_as_a_typed_divergence() {
    let (_dir, cassette) = edited_copy("single_turn", |t| t);
    let factory = CodexAgentSessionFactory::start(replay_config(&cassette))
        .await
        .unwrap();
    let workspace = tempfile::tempdir().unwrap();
    let mut runner = factory
        .runner(AgentConfig::new(workspace.path().to_owned()))
        .await
        .unwrap();
    let err = runner
        .turn("a prompt the cassette never saw", TurnOptions::default())
        .await
        .unwrap_err();

    // Through the helper, which walks the source chain ...
    let divergence = err
        .backend_error::<Divergence>()
        .unwrap_or_else(|| panic!("not a typed divergence: {err:?}"));
    // ... and with a plain downcast on the error inside `AgentError::Backend`.
    let AgentError::Backend(inner) = &err else {
        panic!("not AgentError::Backend: {err:?}");
    };
    assert_eq!(inner.downcast_ref::<Divergence>(), Some(divergence));

    assert_eq!(divergence.cassette, cassette);
    assert_eq!(
        divergence.location,
        DivergenceLocation::Conversation {
            label: "c1".into(),
            turn: Some(0)
        }
    );
    assert!(divergence.line > 1, "{divergence:?}");
    assert!(
        divergence
            .paths
            .iter()
            .any(|p| p == "$.params.input[0].text"),
        "{:?}",
        divergence.paths
    );
    let recorded = divergence
        .recorded
        .as_ref()
        .expect("a recorded message")
        .to_string();
    assert!(recorded.contains("turn/start"), "{recorded}");
    assert!(
        divergence
            .sent
            .to_string()
            .contains("a prompt the cassette never saw"),
        "{}",
        divergence.sent
    );
    assert!(
        divergence.diff.contains("a prompt the cassette never saw"),
        "{}",
        divergence.diff
    );
    assert!(
        divergence
            .record_command
            .starts_with("PROMPT_DIARY_RECORD_MODE=all cargo test"),
        "{}",
        divergence.record_command
    );
    // The message is still the whole report, saying what to do.
    let text = err.to_string();
    assert!(text.contains("replay diverged from the cassette"), "{text}");
    assert!(text.contains("re-record with:"), "{text}");
}

#[tokio::test]
async fn interactions_left_unused_come_out_of_shutdown_typed() {
    let (_dir, cassette) = edited_copy("single_turn", |t| t);
    let factory = CodexAgentSessionFactory::start(replay_config(&cassette))
        .await
        .unwrap();
    // No runner, no turn: the recorded conversation never happens.
    let err = factory.shutdown().await.unwrap_err();
    let unused = err
        .backend_error::<UnusedInteractions>()
        .unwrap_or_else(|| panic!("not typed unused interactions: {err:?}"));
    assert_eq!(unused.cassette, cassette);
    assert_eq!(unused.leftovers.len(), 1, "{unused:?}");
    assert_eq!(unused.leftovers[0].conversation, "c1");
    assert!(
        unused.leftovers[0]
            .what
            .contains("`thread/start` never came"),
        "{:?}",
        unused.leftovers
    );
    assert!(
        err.to_string()
            .contains("did less than when the cassette was recorded"),
        "{err}"
    );
}

#[tokio::test]
async fn a_corrupt_cassette_comes_out_of_start_as_a_typed_load_error() {
    let (_dir, cassette) = edited_copy("single_turn", |t| {
        let mut lines: Vec<String> = t.lines().map(str::to_owned).collect();
        lines[4] = lines[4].replacen('{', "{{", 1);
        lines.join("\n") + "\n"
    });
    let err = CodexAgentSessionFactory::start(replay_config(&cassette))
        .await
        .err()
        .expect("a corrupt cassette does not start");
    match err.backend_error::<CassetteError>() {
        Some(CassetteError::BadLine { path, line, reason }) => {
            assert_eq!(path, &cassette);
            assert_eq!(*line, 5);
            assert!(reason.contains("not a cassette entry"), "{reason}");
        }
        other => panic!("not a typed BadLine: {other:?} from {err:?}"),
    }
}

#[test]
fn other_errors_are_not_mistaken_for_a_divergence() {
    let err = AgentError::ShutDown;
    assert!(err.backend_error::<Divergence>().is_none());
    let err = AgentError::Backend(std::sync::Arc::new(CassetteError::Empty {
        path: "x.jsonl".into(),
    }));
    assert!(err.backend_error::<Divergence>().is_none());
    assert!(err.backend_error::<CassetteError>().is_some());
}
