//! What the SDK tests (`python_sdk.rs`, `ts_sdk.rs`) share: the stand-in's environment for
//! recording and for replaying a cassette, and an SDK's output made comparable across runs.

use std::path::Path;

use prompt_diary::testing::conformance::ScriptedCodex;
use serde_json::Value;

/// The environment that has the stand-in record `cassette` from the real Codex of `codex`.
pub(crate) fn record_env(cassette: &Path, codex: &ScriptedCodex) -> Vec<(&'static str, String)> {
    vec![
        ("PROMPT_DIARY_CASSETTE", cassette.display().to_string()),
        ("PROMPT_DIARY_RECORD_MODE", "all".into()),
        (
            "PROMPT_DIARY_CODEX_BIN",
            codex.codex_bin.display().to_string(),
        ),
        ("CODEX_HOME", codex.home.path().display().to_string()),
    ]
}

/// The environment that has the stand-in replay `cassette`, with no Codex reachable.
pub(crate) fn replay_env(cassette: &Path) -> Vec<(&'static str, String)> {
    vec![
        ("PROMPT_DIARY_CASSETTE", cassette.display().to_string()),
        ("PROMPT_DIARY_RECORD_MODE", "none".into()),
        ("PROMPT_DIARY_CODEX_BIN", "/nonexistent/codex".into()),
    ]
}

/// An SDK's output with the run's workspace path replaced, so two runs compare.
pub(crate) fn portable(value: &Value, workspace: &Path) -> Value {
    serde_json::from_str(
        &value
            .to_string()
            .replace(&workspace.display().to_string(), "{{workspace}}"),
    )
    .expect("still JSON")
}
