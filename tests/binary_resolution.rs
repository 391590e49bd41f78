//! Binary resolution when nothing is installed. Its own test binary: it changes the process's
//! environment and working directory, which no other test may share.

use prompt_diary::agent::AgentError;
use prompt_diary::codex_bin::{PINNED_CODEX_VERSION, resolve_codex_bin};
use prompt_diary::integrations::codex_runner::{CodexAgentSessionFactory, CodexBackendConfig};

#[tokio::test]
async fn no_binary_anywhere_names_the_resolution_order_and_the_install_command() {
    let empty = tempfile::tempdir().unwrap();
    // SAFETY: this test binary has a single test, so no other thread reads the environment.
    unsafe {
        std::env::remove_var("PROMPT_DIARY_CODEX_BIN");
        std::env::set_var("PATH", empty.path());
    }
    std::env::set_current_dir(empty.path()).unwrap();

    let err = resolve_codex_bin(None).unwrap_err().to_string();
    let order = [
        "1. CodexBackendConfig::codex_bin",
        "2. $PROMPT_DIARY_CODEX_BIN",
        "3. the project-local install",
        "4. `codex` on PATH",
    ];
    let mut last = 0;
    for step in order {
        let at = err
            .find(step)
            .unwrap_or_else(|| panic!("{step:?} missing from: {err}"));
        assert!(at >= last, "steps out of order: {err}");
        last = at;
    }
    assert!(err.contains("prompt-diary install-codex"), "{err}");
    assert!(
        err.contains(&format!(
            "npm install --prefix .prompt-diary/codex/{PINNED_CODEX_VERSION} @openai/codex@{PINNED_CODEX_VERSION}"
        )),
        "{err}"
    );

    let start = CodexAgentSessionFactory::start(CodexBackendConfig::default()).await;
    let Err(AgentError::BackendUnavailable { message }) = start else {
        panic!("expected BackendUnavailable")
    };
    assert!(message.contains("install-codex"), "{message}");
}
