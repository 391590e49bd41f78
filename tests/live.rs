//! The live tier (opt-in): the real Codex with your own login and configuration, a real model.
//! Ignored by `cargo test`; `just live` runs it (`PROMPT_DIARY_LIVE=1 cargo test --test live --
//! --ignored --nocapture`). Run as ignored without `PROMPT_DIARY_LIVE=1`, or with `CI` set, it
//! prints SKIPPED and does nothing. It may spend tokens.

use std::sync::Arc;

use prompt_diary::cassette::{Cassette, RecordOptions, Timeline, WriteOutcome};
use prompt_diary::codex::CodexBackendConfig;
use prompt_diary::project::find_codex_bin;
use prompt_diary::replay::driver::{ClientScript, RunnerScript, TurnOutcome, TurnScript};
use prompt_diary::replay::{ReplayOptions, replay_cassette};
use prompt_diary::rerecord::recording::record_script;
use prompt_diary::testing::conformance::announce_skip;

/// The opt-in switch.
const LIVE_ENV: &str = "PROMPT_DIARY_LIVE";

fn live_enabled(test: &str) -> bool {
    let set =
        |key: &str| std::env::var(key).is_ok_and(|v| !v.is_empty() && v != "0" && v != "false");
    if !set(LIVE_ENV) {
        announce_skip(&format!(
            "live test `{test}`: set {LIVE_ENV}=1 (or run `just live`) to use your own Codex login"
        ));
        return false;
    }
    if set("CI") {
        announce_skip(&format!(
            "live test `{test}`: CI is set, and CI never talks to a real model"
        ));
        return false;
    }
    true
}

#[tokio::test]
#[ignore = "live: real model, spends tokens; run with just live"]
async fn a_live_turn_writes_a_file_and_its_recording_replays_offline() {
    if !live_enabled("a_live_turn_writes_a_file_and_its_recording_replays_offline") {
        return;
    }
    let (bin, _) = find_codex_bin(None).expect("a Codex binary (`cargo run -- install-codex`)");
    let dir = tempfile::tempdir().unwrap();
    let workspace = dir.path().join("ws");
    std::fs::create_dir_all(&workspace).unwrap();
    let out = dir.path().join("live.jsonl");
    let script = ClientScript {
        runners: vec![RunnerScript {
            sandbox: Some("workspace-write".to_owned()),
            approval_mode: Some("never".to_owned()),
            turns: vec![TurnScript {
                prompt: "Create a file named hello.md whose only content is the word hello. \
                         Do nothing else."
                    .to_owned(),
                timeout_secs: 300,
                output_schema: None,
            }],
            ..RunnerScript::default()
        }],
        ..ClientScript::default()
    };
    let config = CodexBackendConfig::default().with_codex_bin(&bin);
    let (written, live) = record_script(
        config,
        RecordOptions::new(&out),
        &script,
        std::slice::from_ref(&workspace),
        Arc::new(|line: &str| eprintln!("  {line}")),
    )
    .await
    .expect("the live turn runs");
    assert_eq!(written, WriteOutcome::Written(out.clone()));
    let TurnOutcome::Ok(result) = &live[0].turns[0] else {
        panic!("the live turn failed: {:?}", live[0].turns[0]);
    };
    let hello = std::fs::read_to_string(workspace.join("hello.md")).expect("hello.md was written");
    assert!(
        hello.to_lowercase().contains("hello"),
        "{hello:?}; reply: {}",
        result.assistant_text
    );

    let timeline = Timeline::of(&Cassette::load(&out, "").unwrap());
    assert!(
        timeline
            .turns()
            .any(|t| t.files.iter().any(|f| f.path() == "hello.md"))
    );
    let replayed = replay_cassette(&out, ReplayOptions::default())
        .await
        .expect("the live recording replays");
    assert_eq!(replayed.outcomes[0].files.get("hello.md"), Some(&hello));
}
