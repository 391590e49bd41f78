//! Volatile values of the project's own (conformance tier: the pinned Codex driven by the
//! scripted model, through the adapter). A prompt carrying today's date and a fresh run id is
//! recorded once with two rules (`date`, `run_id`); replayed on another day with another run id
//! it matches, and the agent's reply that echoed the date shows the date sent now. Recorded
//! without the rules, the same replay diverges and the report names the differing text.

use std::hash::{BuildHasher as _, Hasher as _};
use std::path::{Path, PathBuf};
use std::time::Duration;

use prompt_diary::agent::{AgentConfig, AgentError, AgentRunner, TurnOptions};
use prompt_diary::cassette::{
    CassetteSettings, Divergence, RecordMode, RecordOptions, WriteOutcome,
};
use prompt_diary::codex::{CodexAgentRunner, CodexBackend, CodexBackendConfig};
use prompt_diary::testing::conformance::{ScriptedCodex, codex_for_conformance};
use prompt_diary::testing::{Scenario, date_in_days};

/// A fresh random UUID (version 4 layout).
fn fresh_uuid() -> String {
    let random = |salt: u64| {
        let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
        hasher.write_u64(salt);
        hasher.finish()
    };
    let (a, b) = (random(1), random(2));
    format!(
        "{:08x}-{:04x}-4{:03x}-8{:03x}-{:012x}",
        a >> 32,
        (a >> 16) & 0xffff,
        a & 0xfff,
        b >> 52,
        b & 0xffff_ffff_ffff
    )
}

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

fn prompt(date: &str, run_id: &str) -> String {
    format!("Today is {date}; this is run {run_id}. Say which day it is.")
}

fn opts() -> TurnOptions {
    TurnOptions::with_timeout(Duration::from_secs(120))
}

/// Records one turn into `cassette` through the adapter, with or without the two rules; returns
/// the prompt's date and the reply live.
async fn record(bin: PathBuf, cassette: &Path, with_rules: bool) -> String {
    let (today, run_id) = (date_in_days(0), fresh_uuid());
    let scenario = Scenario::from_json(&format!(
        r#"{{"name": "volatile_values", "conversations": [{{"replies": [
            {{"message": "It is {today}, as you said."}}
        ]}}]}}"#
    ))
    .expect("scenario");
    let codex = ScriptedCodex::start(scenario, bin).await.expect("model");
    let options = RecordOptions::new(cassette).with_rules_of(&settings(cassette, with_rules));
    let backend = CodexBackend::start_recording(codex.backend_config(), options)
        .await
        .unwrap();
    let mut runner = CodexAgentRunner::new(backend.clone(), codex.agent_config());
    let live = runner.turn(&prompt(&today, &run_id), opts()).await.unwrap();
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
    assert_eq!(live.assistant_text, format!("It is {today}, as you said."));
    today
}

/// Replays `cassette` with a prompt of `date` and a fresh run id; the reply or the error.
async fn replay(cassette: &Path, with_rules: bool, date: &str) -> Result<String, AgentError> {
    let config =
        CodexBackendConfig::default().with_cassette_settings(settings(cassette, with_rules));
    let backend = CodexBackend::start(config).await?;
    let workspace = tempfile::tempdir().unwrap();
    let mut runner = CodexAgentRunner::new(backend.clone(), AgentConfig::new(workspace.path()));
    let result = runner.turn(&prompt(date, &fresh_uuid()), opts()).await;
    drop(runner);
    let closed = backend.shutdown().await;
    let reply = result?.assistant_text;
    closed?;
    Ok(reply)
}

#[tokio::test]
async fn a_dated_prompt_with_a_run_id_replays_on_another_day_and_the_reply_says_the_new_date() {
    let Some(bin) = codex_for_conformance("volatile values through the adapter") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let cassette = dir.path().join("volatile_values.jsonl");
    let today = record(bin, &cassette, true).await;
    let text = std::fs::read_to_string(&cassette).unwrap();
    // Only the header's `recorded_at` keeps the date: the session's lines hold the placeholder.
    let body: Vec<&str> = text.lines().skip(1).collect();
    assert!(
        body.iter().all(|line| !line.contains(&today)),
        "the date is a placeholder:\n{text}"
    );
    assert!(
        text.contains("Today is {{date}}; this is run {{run_id}}."),
        "{text}"
    );
    assert!(text.contains("It is {{date}}, as you said."), "{text}");

    let another_day = date_in_days(400);
    let reply = replay(&cassette, true, &another_day).await.unwrap();
    assert_eq!(reply, format!("It is {another_day}, as you said."));
}

#[tokio::test]
async fn without_the_rules_a_replay_on_another_day_diverges_and_names_the_text() {
    let Some(bin) = codex_for_conformance("volatile values without rules") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let cassette = dir.path().join("no_rules.jsonl");
    let today = record(bin, &cassette, false).await;
    let another_day = date_in_days(400);
    let err = replay(&cassette, false, &another_day).await.unwrap_err();
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
        has('-', &format!("Today is {today}; this is run")),
        "{divergence}"
    );
    assert!(
        has('+', &format!("Today is {another_day}; this is run")),
        "{divergence}"
    );
}
