//! `run_agent_turn_with_resume` on its own: what it resumes, what it stops on, what it returns.

use std::path::Path;

use prompt_diary::agent::{AgentConfig, AgentError, AgentRunner, AgentSessionFactory};
use prompt_diary::generate::ArtifactVerdict;
use prompt_diary::generate::agent_retry::{
    ResumeError, ResumeOptions, is_resumable, run_agent_turn_with_resume,
};
use prompt_diary::testing::{FakeAgentSessionFactory, FakeRunner, FakeTurn};
use rstest::rstest;

fn notes_check(dir: &Path) -> impl FnMut() -> ArtifactVerdict + '_ {
    move || match dir.join("notes.md").exists() {
        true => ArtifactVerdict::complete(),
        false => ArtifactVerdict::needs_work(["notes.md is missing"]),
    }
}

async fn runner(factory: &FakeAgentSessionFactory, dir: &Path) -> Box<dyn AgentRunner> {
    factory.runner(AgentConfig::new(dir)).await.unwrap()
}

#[rstest]
#[case::backend_exited(AgentError::BackendExited {
    status: "signal: 9 (SIGKILL)".into(),
    context: "while running a turn".into(),
    stderr_tail: "killed".into(),
}, "the agent backend exited unexpectedly (signal: 9 (SIGKILL))")]
#[case::shut_down(AgentError::ShutDown, "the agent backend has been shut down")]
#[case::invalid(AgentError::BackendInvalid { reason: "an interrupt was not confirmed".into() }, "Start a new session factory")]
#[case::closed(AgentError::RunnerClosed, "was released with `close()`")]
#[case::protocol(AgentError::Protocol { message: "garbage line".into() }, "protocol error: garbage line")]
#[tokio::test]
async fn a_backend_that_is_gone_stops_the_loop_at_once(
    #[case] error: AgentError,
    #[case] expected: &str,
) {
    assert!(!is_resumable(&error));
    let dir = tempfile::tempdir().unwrap();
    let factory =
        FakeAgentSessionFactory::new().with_runner(FakeRunner::new().turn(FakeTurn::error(error)));
    let mut runner = runner(&factory, dir.path()).await;
    let err = run_agent_turn_with_resume(
        runner.as_mut(),
        "Write notes.md",
        notes_check(dir.path()),
        |_| panic!("no resume prompt is built after an unresumable error"),
        &ResumeOptions::new("notes", 5),
    )
    .await
    .unwrap_err();
    let text = err.to_string();
    assert!(
        text.starts_with("notes: turn 1 failed and cannot be resumed on the same runner")
            && text.contains(expected),
        "{text}"
    );
    assert!(
        matches!(err, ResumeError::Unresumable { attempt: 1, ref turns, .. } if turns.is_empty())
    );
    assert_eq!(factory.prompts(), [vec!["Write notes.md".to_owned()]]);
    // The loop closed the runner even though it failed; a turn after that is refused.
    assert_eq!(factory.closed(), [true]);
    let after = runner.turn("again", Default::default()).await.unwrap_err();
    assert!(matches!(after, AgentError::RunnerClosed), "{after:?}");
    factory.verify().unwrap();
}

#[rstest]
#[case::turn_failed(AgentError::TurnFailed { message: "m".into(), details: None })]
#[case::timeout(AgentError::Timeout {
    timeout: std::time::Duration::from_secs(1),
    running: "waiting for the model".into(),
    last_events: vec![],
    stderr_tail: String::new(),
})]
fn failed_turns_and_timeouts_are_resumable(#[case] error: AgentError) {
    assert!(is_resumable(&error));
}

#[tokio::test]
async fn a_complete_artifact_after_a_failed_turn_needs_no_resume() {
    let dir = tempfile::tempdir().unwrap();
    let factory = FakeAgentSessionFactory::new()
        .with_runner(FakeRunner::new().turn(FakeTurn::timeout().writes("notes.md", "# Notes\n")));
    let mut runner = runner(&factory, dir.path()).await;
    let outcome = run_agent_turn_with_resume(
        runner.as_mut(),
        "Write notes.md",
        notes_check(dir.path()),
        |_| panic!("the artifact is already complete"),
        &ResumeOptions::new("notes", 3),
    )
    .await
    .unwrap();
    assert_eq!(outcome.attempts.len(), 1);
    assert!(matches!(
        outcome.attempts[0].outcome,
        Err(AgentError::Timeout { .. })
    ));
    assert!(outcome.verdict.is_complete());
    factory.verify().unwrap();
}

#[tokio::test]
async fn the_resume_prompt_gets_the_attempt_number_findings_and_failure() {
    let dir = tempfile::tempdir().unwrap();
    let factory = FakeAgentSessionFactory::new().with_runner(
        FakeRunner::new()
            .turn(FakeTurn::error(AgentError::TurnFailed {
                message: "overloaded".into(),
                details: None,
            }))
            .turn(FakeTurn::reply("planned"))
            .turn(FakeTurn::reply("done").writes("notes.md", "x")),
    );
    let mut runner = runner(&factory, dir.path()).await;
    let outcome = run_agent_turn_with_resume(
        runner.as_mut(),
        "Write notes.md",
        notes_check(dir.path()),
        |ctx| format!("#{} {:?} {:?}", ctx.attempt, ctx.findings, ctx.failure),
        &ResumeOptions::new("notes", 3),
    )
    .await
    .unwrap();
    assert_eq!(outcome.attempts.len(), 3);
    assert_eq!(
        factory.prompts()[0],
        [
            "Write notes.md",
            "#2 [\"notes.md is missing\"] Some(\"the turn failed: overloaded\")",
            "#3 [\"notes.md is missing\"] None",
        ]
    );
    let sent: Vec<&str> = outcome.attempts.iter().map(|a| a.prompt.as_str()).collect();
    assert_eq!(sent, factory.prompts()[0]);
    factory.verify().unwrap();
}

#[tokio::test]
async fn a_limit_of_zero_sends_nothing_and_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let factory = FakeAgentSessionFactory::new().with_runner(FakeRunner::new());
    let mut runner = runner(&factory, dir.path()).await;
    let err = run_agent_turn_with_resume(
        runner.as_mut(),
        "Write notes.md",
        notes_check(dir.path()),
        |_| String::new(),
        &ResumeOptions::new("notes", 0),
    )
    .await
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "notes: the attempt limit is 0, so no turn could be sent; allow at least 1 attempt"
    );
    assert_eq!(factory.prompts(), [Vec::<String>::new()]);
    factory.verify().unwrap();
}
