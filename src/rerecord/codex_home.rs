//! [`CodexHome`]: a temporary `CODEX_HOME` whose config points Codex at the scripted model.

use std::path::Path;

use tempfile::TempDir;

use super::policy::HomePolicy;
use prompt_diary_scripted_model::ScriptedModel;

/// A temporary Codex home (deleted on drop; under `~/.cache/prompt-diary/`, see
/// `homes_folder`). Its `config.toml` declares the scripted model as
/// the only model provider and keeps `codex app-server` (the pinned version,
/// `PINNED_CODEX_VERSION`) offline and deterministic:
///
/// - provider `mock` (`wire_api = "responses"`) with `request_max_retries = 0` and
///   `stream_max_retries = 0`, so a failing reply fails the turn at once instead of retrying;
///   `stream_idle_timeout_ms = 300000` so a stalled stream is ended by the test, not by Codex;
/// - `approval_policy = "never"` and `sandbox_mode = "workspace-write"` by default (a
///   re-recording sets those the cassette ran with when they are at least as strict), with
///   `[sandbox_workspace_write] network_access = false`, `exclude_slash_tmp = true` and
///   `exclude_tmpdir_env_var = true`: a command the model runs may write in its thread's working
///   directory (the scratch workspace) and nowhere else, and has no network (Codex's Linux
///   sandbox: bubblewrap, bundled with Codex, plus seccomp). A thread or turn may still ask for
///   another policy; re-recording tightens one that asks for more (`policy.rs`);
/// - `[analytics] enabled = false` (the request metadata then says `analytics_enabled: false`);
/// - `[features] plugins = false`: without it Codex tries to sync its curated plugins from
///   github.com and chatgpt.com at startup (DNS look-ups and warnings on stderr);
/// - `[features] enable_request_compression = false`: the scripted model reads plain bodies only;
/// - `[features] unbounded_connection_retries = false`: without it a model that cannot be reached
///   (stopped, wrong port) is retried forever ("Reconnecting... waiting for network" at 0, 5, 15,
///   35, 75 s, ...) despite `request_max_retries = 0`; with it the turn fails at once
///   (`codexErrorInfo: httpConnectionFailed`, `willRetry: false`).
///
/// ```no_run
/// # async fn demo() -> std::io::Result<()> {
/// use prompt_diary::testing::{CodexHome, Scenario, ScriptedModel};
/// # let scenario: Scenario = todo!();
/// let model = ScriptedModel::start(scenario).await?;
/// let home = CodexHome::for_model(&model)?;
/// let mut app_server = tokio::process::Command::new("codex")
///     .arg("app-server")
///     .env("CODEX_HOME", home.path())
///     .spawn()?;
/// # Ok(()) }
/// ```
pub struct CodexHome {
    dir: TempDir,
}

impl CodexHome {
    /// A home whose provider is `model`.
    ///
    /// # Errors
    /// When the temporary folder or its `config.toml` cannot be written.
    pub fn for_model(model: &ScriptedModel) -> std::io::Result<CodexHome> {
        Self::for_base_url(&model.base_url())
    }

    /// A home whose provider is at `url` (e.g. `http://127.0.0.1:PORT/v1`; Codex POSTs to
    /// `<url>/responses`).
    ///
    /// # Errors
    /// When the temporary folder or its `config.toml` cannot be written.
    pub fn for_base_url(url: &str) -> std::io::Result<CodexHome> {
        Self::with_policy(url, &HomePolicy::default(), false)
    }

    /// A home whose provider is `model`, its `sandbox_mode` and `approval_policy` those of
    /// `policy` (a re-recording's: the cassette's own, or the workspace-write sandbox), whose
    /// commands see only the core variables of the environment (`environment.rs`).
    pub(crate) fn for_model_with(
        model: &ScriptedModel,
        policy: &HomePolicy,
    ) -> std::io::Result<CodexHome> {
        Self::with_policy(&model.base_url(), policy, true)
    }

    fn with_policy(
        url: &str,
        policy: &HomePolicy,
        rerecording: bool,
    ) -> std::io::Result<CodexHome> {
        let mut builder = tempfile::Builder::new();
        builder.prefix("prompt-diary-codex-home-");
        let dir = match homes_folder() {
            Some(parent) => builder.tempdir_in(parent)?,
            None => builder.tempdir()?,
        };
        let mut config = config_toml(url, policy);
        if rerecording {
            config.push('\n');
            config.push_str(super::environment::SHELL_POLICY);
        }
        std::fs::write(dir.path().join("config.toml"), config)?;
        Ok(Self { dir })
    }

    /// The folder, to pass as `CODEX_HOME`.
    pub fn path(&self) -> &Path {
        self.dir.path()
    }
}

impl std::fmt::Debug for CodexHome {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CodexHome")
            .field("path", &self.path())
            .finish()
    }
}

/// Where homes are made: `$XDG_CACHE_HOME/prompt-diary` or `~/.cache/prompt-diary` (created),
/// not the temp folder. Codex refuses to create its sandbox helper (`codex-linux-sandbox`, which
/// a system bubblewrap runs) under the temp folder ("Refusing to create helper binaries under
/// temporary dir"), and with bubblewrap installed every sandboxed command then fails. `None`
/// (use the temp folder) when neither variable is set or the folder cannot be made.
fn homes_folder() -> Option<std::path::PathBuf> {
    let cache = std::env::var_os("XDG_CACHE_HOME")
        .filter(|v| !v.is_empty())
        .map(std::path::PathBuf::from)
        .or_else(|| {
            let home = std::env::var_os("HOME").filter(|v| !v.is_empty())?;
            Some(Path::new(&home).join(".cache"))
        })?;
    let folder = cache.join("prompt-diary");
    std::fs::create_dir_all(&folder).ok()?;
    Some(folder)
}

/// The `config.toml` text for a provider at `base_url`, with `policy`'s sandbox and approvals.
fn config_toml(base_url: &str, policy: &HomePolicy) -> String {
    // A JSON string literal is also a valid TOML basic string.
    let base_url = serde_json::Value::from(base_url).to_string();
    let approval = serde_json::Value::from(policy.approval.as_str()).to_string();
    let sandbox = policy
        .sandbox
        .map(|mode| format!("sandbox_mode = \"{mode}\"\n"))
        .unwrap_or_default();
    format!(
        r#"model = "mock-model"
model_provider = "mock"
approval_policy = {approval}
{sandbox}
[model_providers.mock]
name = "mock"
base_url = {base_url}
wire_api = "responses"
request_max_retries = 0
stream_max_retries = 0
stream_idle_timeout_ms = 300000

[sandbox_workspace_write]
network_access = false
exclude_slash_tmp = true
exclude_tmpdir_env_var = true

[analytics]
enabled = false

[features]
plugins = false
enable_request_compression = false
unbounded_connection_retries = false
"#
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn config_names_the_provider_and_escapes_the_url() {
        let home = CodexHome::for_base_url("http://127.0.0.1:1/v1").expect("home");
        let text = std::fs::read_to_string(home.path().join("config.toml")).expect("config");
        assert!(
            text.contains("base_url = \"http://127.0.0.1:1/v1\""),
            "{text}"
        );
        assert!(text.contains("wire_api = \"responses\""), "{text}");
        let policy = HomePolicy::default();
        assert!(config_toml("a\"b\\c", &policy).contains(r#"base_url = "a\"b\\c""#));
        let read_only = HomePolicy {
            sandbox: Some("read-only"),
            approval: "on-request".to_owned(),
        };
        let text = config_toml("u", &read_only);
        assert!(text.contains("sandbox_mode = \"read-only\""), "{text}");
        assert!(text.contains("approval_policy = \"on-request\""), "{text}");
        let default = HomePolicy {
            sandbox: None,
            ..read_only
        };
        assert!(!config_toml("u", &default).contains("sandbox_mode"));
    }
}
