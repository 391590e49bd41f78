//! Volatile values of the project's own (conformance tier: the pinned Codex driven by the
//! scripted model, through the adapter). A prompt carrying today's date and fresh run ids (UUIDs,
//! as Codex's own thread, turn and item ids are) is recorded once with two rules (`date`,
//! `run_id`); replayed on another day with other run ids it matches, and the agent's reply that
//! echoed them says the values sent now: each run id the one sent in its place, not swapped and
//! not a third. Recorded without the rules, the same replay diverges and the report names the
//! differing text.

use std::path::{Path, PathBuf};
use std::time::Duration;

use prompt_diary::agent::{AgentConfig, AgentError, AgentRunner, TurnOptions};
use prompt_diary::cassette::{
    CassetteSettings, Divergence, RecordMode, RecordOptions, WriteOutcome,
};
use prompt_diary::codex::{CodexAgentRunner, CodexBackend, CodexBackendConfig};
use prompt_diary::testing::conformance::{ScriptedCodex, codex_for_conformance};
use prompt_diary::testing::{Scenario, date_in_days};

use crate::volatile_session::Values;

fn settings(path: &Path, with_rules: bool) -> CassetteSettings {
    let settings = CassetteSettings::new(path, RecordMode::None);
    if !with_rules {
        return settings;
    }
    settings
        .with_volatile("date", r"\d{4}-\d{2}-\d{2}")
        .unwrap()
        .with_volatile(
            "run_id",
            r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}",
        )
        .unwrap()
}

fn opts() -> TurnOptions {
    TurnOptions::with_timeout(Duration::from_secs(120))
}

/// Records one turn of `values` into `cassette` through the adapter, with or without the two
/// rules; the scripted model echoes them.
async fn record(bin: PathBuf, cassette: &Path, with_rules: bool, values: &Values) {
    let scenario = Scenario::from_json(&format!(
        r#"{{"name": "volatile_values", "conversations": [{{"replies": [
            {{"message": {:?}}}
        ]}}]}}"#,
        values.reply()
    ))
    .expect("scenario");
    let codex = ScriptedCodex::start(scenario, bin).await.expect("model");
    let options = RecordOptions::new(cassette).with_rules_of(&settings(cassette, with_rules));
    let backend = CodexBackend::start_recording(codex.backend_config(), options)
        .await
        .unwrap();
    let mut runner = CodexAgentRunner::new(backend.clone(), codex.agent_config());
    let live = runner.turn(&values.prompt(), opts()).await.unwrap();
    drop(runner);
    backend.shutdown().await.unwrap();
    codex
        .model
        .finish()
        .await
        .expect("the model served its reply");
    assert_eq!(
        backend.recording_outcome(),
        Some(WriteOutcome::Written(cassette.to_owned()))
    );
    assert_eq!(live.assistant_text, values.reply());
}

/// Replays `cassette` with the prompt of `values`; the reply or the error.
async fn replay(cassette: &Path, with_rules: bool, values: &Values) -> Result<String, AgentError> {
    let config =
        CodexBackendConfig::default().with_cassette_settings(settings(cassette, with_rules));
    let backend = CodexBackend::start(config).await?;
    let workspace = tempfile::tempdir().unwrap();
    let mut runner = CodexAgentRunner::new(backend.clone(), AgentConfig::new(workspace.path()));
    let result = runner.turn(&values.prompt(), opts()).await;
    drop(runner);
    let closed = backend.shutdown().await;
    let reply = result?.assistant_text;
    closed?;
    Ok(reply)
}

/// Records `runs` run ids with the rules, checks the session's lines hold only placeholders,
/// then replays 400 days later with other run ids: the reply says the values sent now.
async fn recorded_then_replayed_on_another_day(test: &str, runs: usize) {
    let Some(bin) = codex_for_conformance(test) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let cassette = dir.path().join("volatile_values.jsonl");
    let then = Values::new(date_in_days(0), runs);
    record(bin, &cassette, true, &then).await;
    let text = std::fs::read_to_string(&cassette).unwrap();
    // Only the header's `recorded_at` keeps the date: the session's lines hold placeholders.
    let body: Vec<&str> = text.lines().skip(1).collect();
    for value in std::iter::once(&then.date).chain(&then.runs) {
        assert!(
            body.iter().all(|line| !line.contains(value.as_str())),
            "{value} is a placeholder:\n{text}"
        );
    }
    let numbered = Values {
        date: "{{date:1}}".to_owned(),
        runs: (1..=runs).map(|n| format!("{{{{run_id:{n}}}}}")).collect(),
    };
    assert!(text.contains(&numbered.prompt()), "{text}");
    assert!(text.contains(&numbered.reply()), "{text}");

    let now = Values::new(date_in_days(400), runs);
    let reply = replay(&cassette, true, &now).await.unwrap();
    assert_eq!(reply, now.reply());
}

#[tokio::test]
async fn a_dated_prompt_with_a_run_id_replays_on_another_day_and_the_reply_says_the_new_values() {
    recorded_then_replayed_on_another_day("volatile values through the adapter", 1).await;
}

#[tokio::test]
async fn two_run_ids_in_one_prompt_rebind_independently() {
    recorded_then_replayed_on_another_day("two volatile run ids through the adapter", 2).await;
}

#[tokio::test]
async fn without_the_rules_a_replay_on_another_day_diverges_and_names_the_text() {
    let Some(bin) = codex_for_conformance("volatile values without rules") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let cassette = dir.path().join("no_rules.jsonl");
    let then = Values::new(date_in_days(0), 1);
    record(bin, &cassette, false, &then).await;
    let now = Values::new(date_in_days(400), 1);
    let err = replay(&cassette, false, &now).await.unwrap_err();
    let divergence = err
        .backend_error::<Divergence>()
        .unwrap_or_else(|| panic!("not a divergence: {err}"));
    assert!(
        divergence
            .paths
            .iter()
            .any(|p| p == "$.params.input[0].text"),
        "{divergence}"
    );
    let has = |sign: char, text: &str| {
        divergence
            .diff
            .lines()
            .any(|l| l.starts_with(sign) && l.contains(text))
    };
    assert!(
        has('-', &format!("Today is {}; this is run", then.date)),
        "{divergence}"
    );
    assert!(
        has('+', &format!("Today is {}; this is run", now.date)),
        "{divergence}"
    );
}
