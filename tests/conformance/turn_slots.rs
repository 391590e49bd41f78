//! `CodexBackendConfig::max_turns_in_flight`: turns beyond the limit wait for a slot, within
//! their own timeout, against the real pinned Codex and the scripted model.

use std::time::Duration;

use prompt_diary::agent::{AgentError, AgentSessionFactory, TurnOptions};
use prompt_diary::codex::{CodexAgentSessionFactory, CodexBackendConfig};
use prompt_diary::testing::Scenario;
use prompt_diary::testing::conformance::{ScriptedCodex, codex_for_conformance};
use serde_json::json;

fn within(secs: u64) -> TurnOptions {
    TurnOptions::with_timeout(Duration::from_secs(secs))
}

#[tokio::test]
async fn a_turn_waits_for_a_free_slot_within_its_own_timeout() {
    let Some(bin) = codex_for_conformance("turn_slots") else {
        return;
    };
    let scenario = json!({"name": "turn_slots", "conversations": [
        {"match": "SLOW", "replies": [{"stall": true}]},
        {"match": "FAST", "replies": [{"message": "fast done"}]}
    ]});
    let scenario = Scenario::from_json(&scenario.to_string()).unwrap();
    let codex = ScriptedCodex::start(scenario, bin).await.unwrap();
    let factory =
        CodexAgentSessionFactory::start(codex.backend_config().with_max_turns_in_flight(1))
            .await
            .unwrap();
    let mut slow = factory.runner(codex.agent_config()).await.unwrap();
    let mut fast = factory.runner(codex.agent_config()).await.unwrap();

    let slow_turn = tokio::spawn(async move {
        let outcome = slow.turn("SLOW: take your time", within(60)).await;
        (slow, outcome)
    });
    // Once the model has the slow turn's request, that turn holds the only slot.
    codex
        .model
        .wait_for_requests(1, Duration::from_secs(30))
        .await
        .unwrap();

    let err = fast.turn("FAST: be quick", within(1)).await.unwrap_err();
    assert!(matches!(err, AgentError::Timeout { .. }), "{err:?}");
    let text = err.to_string();
    assert!(text.contains("timed out after 1s"), "{text}");
    assert!(
        text.contains("waiting for a free turn slot (max_turns_in_flight = 1"),
        "{text}"
    );
    assert_eq!(
        codex.model.requests().len(),
        1,
        "the waiting turn never reached the model"
    );

    // The slow turn ends (the stalled stream is cut, so it fails) and frees the slot.
    codex.model.release_stalls();
    let (_slow, outcome) = tokio::time::timeout(Duration::from_secs(30), slow_turn)
        .await
        .expect("the slow turn ends once its stream is cut")
        .unwrap();
    assert!(outcome.is_err(), "a cut stream fails the turn: {outcome:?}");
    let result = fast.turn("FAST: be quick", within(60)).await.unwrap();
    assert_eq!(result.assistant_text, "fast done");
    factory.shutdown().await.unwrap();
}

#[test]
fn a_limit_of_zero_is_refused_naming_the_field() {
    let err = CodexBackendConfig::default()
        .with_max_turns_in_flight(0)
        .validate()
        .unwrap_err()
        .to_string();
    assert!(err.contains("max_turns_in_flight"), "{err}");
    assert!(err.contains("at least 1, or unset for no limit"), "{err}");
}
