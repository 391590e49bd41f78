//! [`CodexHome`]: a temporary `CODEX_HOME` whose config points Codex at the scripted model.

use std::path::Path;

use tempfile::TempDir;

use super::ScriptedModel;

/// A temporary Codex home. Its `config.toml` declares the scripted model as the provider, with
/// retries off (a failing fake fails fast), no sandbox and no approvals by default (threads may
/// still ask for another approval policy).
pub struct CodexHome {
    dir: TempDir,
}

impl CodexHome {
    /// A home for `model`.
    pub fn for_model(model: &ScriptedModel) -> std::io::Result<CodexHome> {
        Self::for_base_url(&model.base_url())
    }

    /// A home whose provider is at `base_url` (e.g. `http://127.0.0.1:PORT/v1`).
    pub fn for_base_url(base_url: &str) -> std::io::Result<CodexHome> {
        let dir = tempfile::Builder::new()
            .prefix("prompt-diary-codex-home-")
            .tempdir()?;
        let config = format!(
            r#"model = "mock-model"
model_provider = "mock"
approval_policy = "never"
sandbox_mode = "danger-full-access"

[model_providers.mock]
name = "mock"
base_url = "{base_url}"
wire_api = "responses"
request_max_retries = 0
stream_max_retries = 0
stream_idle_timeout_ms = 300000
"#
        );
        std::fs::write(dir.path().join("config.toml"), config)?;
        Ok(Self { dir })
    }

    /// The folder (use as `CODEX_HOME`).
    pub fn path(&self) -> &Path {
        self.dir.path()
    }
}
