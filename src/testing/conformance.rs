//! The conformance tier: tests against the real pinned Codex binary driven by the scripted model.
//!
//! [`codex_for_conformance`] finds the binary. Where it is missing, the tier is *required* when
//! `CI` or `PROMPT_DIARY_REQUIRE_CODEX` is set (the test fails), and skipped with a message that
//! says how to enable it otherwise.

use std::path::{Path, PathBuf};

use tempfile::TempDir;

use super::{CodexHome, Scenario, ScriptedModel};
use crate::agent::AgentConfig;
use crate::codex::CodexBackendConfig;
use crate::project::find_codex_bin;

/// The environment variable that makes the conformance tier mandatory outside CI.
pub(crate) const REQUIRE_CODEX_ENV: &str = "PROMPT_DIARY_REQUIRE_CODEX";

/// Whether a missing binary must fail the tier rather than skip it.
pub fn conformance_required() -> bool {
    let set =
        |key: &str| std::env::var(key).is_ok_and(|v| !v.is_empty() && v != "0" && v != "false");
    set("CI") || set(REQUIRE_CODEX_ENV)
}

/// The Codex binary for conformance tests, or `None` (with a message on stderr) to skip.
///
/// # Panics
/// When the binary is missing and the tier is required (see [`conformance_required`]).
pub fn codex_for_conformance(test: &str) -> Option<PathBuf> {
    match find_codex_bin(None) {
        Ok((path, _)) => Some(path),
        Err(err) if conformance_required() => {
            panic!(
                "the conformance tier is required here (CI or {REQUIRE_CODEX_ENV} is set) but {err}"
            )
        }
        Err(_) => {
            announce_skip(&format!(
                "conformance test `{test}`: no Codex binary. Enable the tier with \
                 `cargo run -- install-codex` (or `just install-codex`), or set PROMPT_DIARY_CODEX_BIN"
            ));
            None
        }
    }
}

/// Prints `SKIPPED <what>` on the process's real stderr, past the test harness's output
/// capture, so a skipped test is visible in a plain `cargo test` run instead of passing
/// silently.
pub fn announce_skip(what: &str) {
    use std::io::Write as _;
    let _ = writeln!(std::io::stderr().lock(), "SKIPPED {what}");
}

/// Everything one conformance test needs: the scripted model, a Codex home pointing at it, a
/// workspace, and the binary.
pub struct ScriptedCodex {
    /// The scripted model on loopback.
    pub model: ScriptedModel,
    /// The Codex home whose config.toml names the model.
    pub home: CodexHome,
    /// A fresh working directory for the agent.
    pub workspace: TempDir,
    /// The Codex binary.
    pub codex_bin: PathBuf,
}

impl ScriptedCodex {
    /// Starts the scripted model for `scenario` with the given binary.
    pub async fn start(scenario: Scenario, codex_bin: PathBuf) -> std::io::Result<Self> {
        let model = ScriptedModel::start(scenario).await?;
        let home = CodexHome::for_model(&model)?;
        let workspace = tempfile::Builder::new()
            .prefix("prompt-diary-ws-")
            .tempdir()?;
        Ok(Self {
            model,
            home,
            workspace,
            codex_bin,
        })
    }

    /// Loads `fixtures/scenarios/<name>.json` from `root` and starts it.
    pub async fn from_fixture(
        root: &Path,
        name: &str,
        codex_bin: PathBuf,
    ) -> std::io::Result<Self> {
        let path = root
            .join("fixtures")
            .join("scenarios")
            .join(format!("{name}.json"));
        let scenario = Scenario::from_file(&path).map_err(std::io::Error::other)?;
        Self::start(scenario, codex_bin).await
    }

    /// A backend config with this binary and Codex home.
    pub fn backend_config(&self) -> CodexBackendConfig {
        CodexBackendConfig::default()
            .with_codex_bin(&self.codex_bin)
            .with_codex_home(self.home.path())
    }

    /// An agent config working in this workspace.
    pub fn agent_config(&self) -> AgentConfig {
        AgentConfig::new(self.workspace.path())
    }

    /// A fresh extra workspace (for tests with several runners).
    pub fn extra_workspace(&self) -> std::io::Result<TempDir> {
        tempfile::Builder::new()
            .prefix("prompt-diary-ws-")
            .tempdir()
    }
}

/// What the schema folder `dir` (written by `codex app-server generate-json-schema --out DIR`)
/// lacks of the typed protocol subset the adapter speaks: methods it sends or reads, params
/// fields it sends, server requests it cannot answer. One line each; empty when all is there.
pub fn protocol_subset_problems(dir: &Path) -> Vec<String> {
    crate::codex::rpc::subset_problems(dir)
}
