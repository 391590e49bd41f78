//! The "user test" of the per-test cassette checks, written as the README's recipe: one turn
//! that writes `artifact.md` on the test's own cassette. `conformance::per_test_cassette` holds
//! the drivers and its user tests; `stand_in::per_test_cassette` holds a twin of one of them
//! (the same module and test name in another test target), which must get a cassette of its own.

use std::error::Error;
use std::path::PathBuf;
use std::time::Duration;

use prompt_diary::agent::{
    AgentConfig, AgentSessionFactory, ApprovalMode, SandboxMode, TurnOptions,
};
use prompt_diary::cassette::CassetteSettings;
use prompt_diary::codex::{CodexAgentSessionFactory, CodexBackendConfig};
use prompt_diary::testing::conformance::announce_skip;

/// The project folder the user tests find their cassettes from (set by the driver only).
pub(crate) const PROJECT_ENV: &str = "PROMPT_DIARY_TEST_PER_TEST_PROJECT";
/// The prompt the user tests send instead of their own (set by the driver only: a changed prompt).
pub(crate) const PROMPT_ENV: &str = "PROMPT_DIARY_TEST_PER_TEST_PROMPT";

/// The project folder, or `None` (with a message) outside the driver.
pub(crate) fn project(test: &str) -> Option<PathBuf> {
    let dir = std::env::var_os(PROJECT_ENV).map(PathBuf::from);
    if dir.is_none() {
        announce_skip(&format!(
            "`{test}` is a user test: it runs only inside the drivers of \
             conformance::per_test_cassette"
        ));
    }
    dir
}

/// What each user test does: one turn that writes `artifact.md`, on its own cassette, as the
/// README's recipe writes it (errors returned with `?`, so a failure prints their `Debug`).
pub(crate) async fn writes_the_artifact(settings: CassetteSettings) -> Result<(), Box<dyn Error>> {
    let workspace = tempfile::tempdir()?;
    let config = CodexBackendConfig::default().with_cassette_settings(settings);
    let factory = CodexAgentSessionFactory::start(config).await?;
    let agent = AgentConfig::new(workspace.path())
        .with_approval_mode(ApprovalMode::Never)
        .with_sandbox(SandboxMode::WorkspaceWrite);
    let mut runner = factory.runner(agent).await?;
    let options = TurnOptions::with_timeout(Duration::from_secs(120));
    let prompt = std::env::var(PROMPT_ENV)
        .unwrap_or_else(|_| "Write artifact.md with a title and one line.".to_owned());
    let result = runner.turn(&prompt, options).await?;
    assert_eq!(result.assistant_text, "Wrote artifact.md.");
    let artifact = std::fs::read_to_string(workspace.path().join("artifact.md"))?;
    assert!(artifact.starts_with("# Artifact"), "{artifact}");
    factory.shutdown().await?;
    Ok(())
}
