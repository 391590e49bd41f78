//! `FakeAgentSessionFactory`: scripted runners, recorded configs and prompts, and failing the
//! test when scripted turns are left unused.

use std::sync::Arc;
use std::time::Duration;

use prompt_diary::agent::{AgentConfig, AgentError, AgentSessionFactory, TurnOptions};
use prompt_diary::testing::{FakeAgentSessionFactory, FakeRunner, FakeTurn};
use tokio::sync::Barrier;

#[tokio::test]
async fn runners_follow_their_scripts_in_mint_order_and_write_files() {
    let dir = tempfile::tempdir().unwrap();
    let factory = FakeAgentSessionFactory::new()
        .with_runner(FakeRunner::new().turn(FakeTurn::reply("first").writes("a/b.md", "B")))
        .with_runner(FakeRunner::new().turn(FakeTurn::timeout()));
    let config = AgentConfig::new(dir.path()).with_model("m");
    let mut one = factory.runner(config.clone()).await.unwrap();
    let mut two = factory.runner(AgentConfig::new(dir.path())).await.unwrap();
    let result = one.turn("p1", TurnOptions::default()).await.unwrap();
    assert_eq!(result.assistant_text, "first");
    assert_eq!(
        std::fs::read_to_string(dir.path().join("a/b.md")).unwrap(),
        "B"
    );
    let err = two
        .turn("p2", TurnOptions::with_timeout(Duration::from_secs(7)))
        .await
        .unwrap_err();
    assert!(
        err.to_string().starts_with("the turn timed out after 7s"),
        "{err}"
    );
    assert_eq!(factory.configs(), [config, AgentConfig::new(dir.path())]);
    assert_eq!(factory.prompts(), [vec!["p1"], vec!["p2"]]);
    factory.verify().unwrap();
}

#[tokio::test]
async fn unused_turns_and_unscripted_requests_are_reported() {
    let dir = tempfile::tempdir().unwrap();
    let factory = FakeAgentSessionFactory::new().with_runner(
        FakeRunner::new()
            .turn(FakeTurn::reply("a"))
            .turn(FakeTurn::reply("b")),
    );
    let mut runner = factory.runner(AgentConfig::new(dir.path())).await.unwrap();
    runner.turn("p1", TurnOptions::default()).await.unwrap();
    let extra = factory
        .runner(AgentConfig::new(dir.path()))
        .await
        .err()
        .unwrap();
    assert!(
        extra.to_string().contains("no scripted runner is left"),
        "{extra}"
    );
    let err = factory.verify().unwrap_err().to_string();
    assert!(
        err.contains("runner 2 (working in")
            && err.contains("scripted runner 1 left 1 scripted turn(s) unused"),
        "{err}"
    );
}

#[test]
#[should_panic(expected = "scripted runner 1 was never minted (1 turn(s) unused)")]
fn dropping_a_factory_with_unused_scripts_fails_the_test() {
    let factory =
        FakeAgentSessionFactory::new().with_runner(FakeRunner::new().turn(FakeTurn::reply("x")));
    drop(factory);
}

#[tokio::test]
async fn a_turn_past_its_script_is_an_error_naming_the_prompt() {
    let dir = tempfile::tempdir().unwrap();
    let factory = FakeAgentSessionFactory::new().with_runner(FakeRunner::new());
    let mut runner = factory.runner(AgentConfig::new(dir.path())).await.unwrap();
    let err = runner
        .turn("one more", TurnOptions::default())
        .await
        .unwrap_err();
    assert!(matches!(err, AgentError::Protocol { .. }));
    assert!(
        err.to_string()
            .contains("no scripted turn left for the prompt \"one more\""),
        "{err}"
    );
    assert!(factory.verify().is_err());
}

#[tokio::test]
async fn rendezvous_turns_overlap_and_are_counted() {
    let dir = tempfile::tempdir().unwrap();
    let gate = Arc::new(Barrier::new(2));
    let factory = FakeAgentSessionFactory::new()
        .with_runner(FakeRunner::new().turn(FakeTurn::reply("1").rendezvous(gate.clone())))
        .with_runner(FakeRunner::new().turn(FakeTurn::reply("2").rendezvous(gate)));
    let mut a = factory.runner(AgentConfig::new(dir.path())).await.unwrap();
    let mut b = factory.runner(AgentConfig::new(dir.path())).await.unwrap();
    let (ra, rb) = tokio::join!(
        a.turn("a", TurnOptions::default()),
        b.turn("b", TurnOptions::default())
    );
    assert_eq!(
        (ra.unwrap().assistant_text, rb.unwrap().assistant_text),
        ("1".into(), "2".into())
    );
    assert_eq!(factory.max_concurrent_turns(), 2);
    factory.verify().unwrap();
}

#[tokio::test]
async fn a_rendezvous_nobody_else_reaches_fails_in_bounded_time() {
    let dir = tempfile::tempdir().unwrap();
    let gate = Arc::new(Barrier::new(2));
    let factory = FakeAgentSessionFactory::new()
        .with_gate_timeout(Duration::from_millis(50))
        .with_runner(FakeRunner::new().turn(FakeTurn::reply("1").rendezvous(gate)));
    let mut a = factory.runner(AgentConfig::new(dir.path())).await.unwrap();
    let err = a.turn("alone", TurnOptions::default()).await.unwrap_err();
    assert!(
        err.to_string()
            .contains("the turns did not run concurrently"),
        "{err}"
    );
    assert_eq!(factory.max_concurrent_turns(), 1);
    factory.verify().unwrap();
}

#[tokio::test]
async fn after_shutdown_runners_and_turns_fail_with_shut_down() {
    let dir = tempfile::tempdir().unwrap();
    let factory = FakeAgentSessionFactory::new().with_runner(FakeRunner::new());
    let mut runner = factory.runner(AgentConfig::new(dir.path())).await.unwrap();
    factory.shutdown().await.unwrap();
    assert!(matches!(
        runner.turn("p", TurnOptions::default()).await,
        Err(AgentError::ShutDown)
    ));
    assert!(matches!(
        factory.runner(AgentConfig::new(dir.path())).await,
        Err(AgentError::ShutDown)
    ));
    factory.verify().unwrap();
}
