//! The blocking facade over the async port, driven from plain synchronous code (replaying a
//! committed cassette, so no Codex is needed).

use std::path::PathBuf;

use prompt_diary::agent::blocking::BlockingSessionFactory;
use prompt_diary::agent::{AgentConfig, TurnOptions};
use prompt_diary::cassette::RecordMode;
use prompt_diary::codex::{CodexAgentSessionFactory, CodexBackendConfig};

#[test]
fn a_synchronous_caller_runs_a_turn_and_sees_the_artifact() {
    let cassette = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("cassettes/tool_artifact.jsonl");
    let config = CodexBackendConfig::default().with_cassette(&cassette, RecordMode::None);
    let factory =
        BlockingSessionFactory::start(|| CodexAgentSessionFactory::start(config)).unwrap();
    let workspace = tempfile::tempdir().unwrap();
    let mut runner = factory.runner(AgentConfig::new(workspace.path())).unwrap();
    let result = runner
        .turn(
            "Write artifact.md with a title and one line.",
            TurnOptions::default(),
        )
        .unwrap();
    assert_eq!(result.assistant_text, "Wrote artifact.md.");
    assert!(workspace.path().join("artifact.md").is_file());
    factory.shutdown().unwrap();
}
