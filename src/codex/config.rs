//! [`CodexBackendConfig`]: what one app-server process is started with.

use std::path::PathBuf;
use std::time::Duration;

use crate::agent::AgentError;
use crate::cassette::{CassetteSettings, RecordMode};
use crate::connect::Endpoint;

/// How long control requests (`initialize`, `thread/start`, `turn/start`, `turn/interrupt`) may
/// take before the app-server is considered stuck.
pub(crate) const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// The backend-level override every app-server starts with: a released conversation
/// ([`AgentRunner::close`](crate::agent::AgentRunner::close)) is unloaded as soon as no client
/// is subscribed, instead of after Codex's default delay, so a long pipeline on one backend
/// stays flat and `close` can wait for the unload it asked for. It comes before the config's own
/// overrides, so one of those may change it (then `close` waits up to its bound and fails).
pub(crate) const UNLOAD_DELAY_OVERRIDE: &str = "thread_unload_delay_secs=0";

/// What the app-server is started with when it would otherwise inherit `RUST_BACKTRACE` without
/// `RUST_LIB_BACKTRACE`: library backtraces off. With `RUST_BACKTRACE` set, Rust's error
/// values (Codex's `anyhow` errors) capture a backtrace each, and the first one Codex formats
/// maps and reads its own 300 MB binary to symbolise it: the app-server's RSS steps up about
/// 22 MiB once, and stays so (BENCHMARKS.md §15). Panics still print their backtrace
/// (`RUST_BACKTRACE` governs those); a `RUST_LIB_BACKTRACE` of the user's own, or one in
/// [`CodexBackendConfig::env`], wins.
const LIB_BACKTRACE_OFF: (&str, &str) = ("RUST_LIB_BACKTRACE", "0");

/// Backend-level configuration: everything that needs its own app-server process.
///
/// Runners whose backend configs are equal share one process; a runner asking for a different
/// one gets its own (see [`CodexAgentSessionFactory::runner_with_backend`](super::CodexAgentSessionFactory::runner_with_backend)).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct CodexBackendConfig {
    /// MCP server setup and MCP tool policy, as Codex `-c key=value` overrides (TOML values), e.g.
    /// `mcp_servers.docs.command="docs-mcp"`.
    pub mcp_config_overrides: Vec<String>,
    /// An explicit Codex binary; see [`resolve_codex_bin`](crate::codex_bin::resolve_codex_bin)
    /// for the order used when unset.
    pub codex_bin: Option<PathBuf>,
    /// `CODEX_HOME` for the process; the user's own Codex home when unset.
    pub codex_home: Option<PathBuf>,
    /// Extra environment variables for the process.
    pub env: Vec<(String, String)>,
    /// Start the process with [`env`](Self::env) (and `CODEX_HOME`) alone, inheriting nothing:
    /// a re-recording sets it, so a cassette's commands and the MCP servers Codex starts see
    /// nothing of the user's environment.
    pub(crate) env_clear: bool,
    /// The budget of each control request (`initialize`, `thread/start`, `turn/start`,
    /// `turn/interrupt`), and of a release (`thread/unsubscribe` until the app-server confirms
    /// the unload with `thread/closed`): 30 s by default.
    pub request_timeout: Duration,
    /// Record to, or replay from, a cassette instead of plain live traffic.
    pub cassette: Option<CassetteSettings>,
    /// At most this many turns run at once on this app-server; further turns wait for a free
    /// slot, and the wait counts against their own timeout. Unlimited when unset. On a small
    /// machine the app-server, not the client, is the bottleneck: capping turns in flight keeps
    /// throughput up and latency bounded when many runners share one backend (see
    /// BENCHMARKS.md).
    pub max_turns_in_flight: Option<usize>,
}

impl Default for CodexBackendConfig {
    fn default() -> Self {
        Self {
            mcp_config_overrides: Vec::new(),
            codex_bin: None,
            codex_home: None,
            env: Vec::new(),
            env_clear: false,
            request_timeout: DEFAULT_REQUEST_TIMEOUT,
            cassette: None,
            max_turns_in_flight: None,
        }
    }
}

impl CodexBackendConfig {
    /// Adds one `-c key=value` override.
    pub fn with_mcp_override(mut self, override_: impl Into<String>) -> Self {
        self.mcp_config_overrides.push(override_.into());
        self
    }

    /// Sets the Codex binary.
    pub fn with_codex_bin(mut self, path: impl Into<PathBuf>) -> Self {
        self.codex_bin = Some(path.into());
        self
    }

    /// Sets `CODEX_HOME`.
    pub fn with_codex_home(mut self, path: impl Into<PathBuf>) -> Self {
        self.codex_home = Some(path.into());
        self
    }

    /// Adds an environment variable.
    pub fn with_env(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.env.push((key.into(), value.into()));
        self
    }

    /// Sets the control request budget.
    pub fn with_request_timeout(mut self, timeout: Duration) -> Self {
        self.request_timeout = timeout;
        self
    }

    /// Lets at most `turns` turns run at once on this app-server (see
    /// [`max_turns_in_flight`](Self::max_turns_in_flight)).
    pub fn with_max_turns_in_flight(mut self, turns: usize) -> Self {
        self.max_turns_in_flight = Some(turns);
        self
    }

    /// Records to or replays from the cassette at `path` in `mode` (`none`: replay only; `once`:
    /// record it if missing; `new_episodes`: append the conversations it lacks; `all`: record
    /// again). `PROMPT_DIARY_RECORD_MODE` overrides `mode`; under `CI` it is read as `none`.
    pub fn with_cassette(mut self, path: impl Into<PathBuf>, mode: RecordMode) -> Self {
        self.cassette = Some(CassetteSettings::new(path, mode));
        self
    }

    /// Uses full cassette settings (record command, overwrite).
    pub fn with_cassette_settings(mut self, settings: CassetteSettings) -> Self {
        self.cassette = Some(settings);
        self
    }

    /// Checks the overrides have the `key=value` shape Codex expects.
    pub fn validate(&self) -> Result<(), AgentError> {
        for item in &self.mcp_config_overrides {
            let valid = item.split_once('=').is_some_and(|(key, _)| {
                !key.trim().is_empty() && !key.contains(char::is_whitespace)
            });
            if !valid {
                return Err(AgentError::InvalidConfig {
                    field: "mcp_config_overrides",
                    value: item.clone(),
                    accepted: "`key=value` strings with a dotted key and a TOML value, e.g. \
                               mcp_servers.docs.command=\"docs-mcp\""
                        .to_owned(),
                });
            }
        }
        if self.request_timeout.is_zero() {
            return Err(AgentError::InvalidConfig {
                field: "request_timeout",
                value: "0s".into(),
                accepted: "a positive duration".into(),
            });
        }
        if self.max_turns_in_flight == Some(0) {
            return Err(AgentError::InvalidConfig {
                field: "max_turns_in_flight",
                value: "0".into(),
                accepted: "at least 1, or unset for no limit".into(),
            });
        }
        Ok(())
    }

    /// The MCP servers this config sets up (`mcp_servers.NAME.…` overrides), sorted, each once.
    pub(crate) fn mcp_servers(&self) -> Vec<String> {
        let mut servers: Vec<String> = self
            .mcp_config_overrides
            .iter()
            .filter_map(|item| {
                let (key, _) = item.split_once('=')?;
                let rest = key.trim().strip_prefix("mcp_servers.")?;
                let name = rest.split('.').next()?.trim_matches('"');
                (!name.is_empty()).then(|| name.to_owned())
            })
            .collect();
        servers.sort();
        servers.dedup();
        servers
    }

    /// The app-server command line after the binary: `-c thread_unload_delay_secs=0` (see
    /// below), the config's `-c` overrides, then `app-server`.
    ///
    /// The unload delay of 0 makes a conversation released with
    /// [`AgentRunner::close`](crate::agent::AgentRunner::close) leave the app-server's memory at
    /// once (Codex keeps an unsubscribed thread loaded for a while by default); an override of
    /// the config's own comes later and wins.
    pub fn app_server_args(&self) -> Vec<String> {
        let mut args = Vec::with_capacity(self.mcp_config_overrides.len() * 2 + 3);
        args.push("-c".to_owned());
        args.push(UNLOAD_DELAY_OVERRIDE.to_owned());
        for item in &self.mcp_config_overrides {
            args.push("-c".to_owned());
            args.push(item.clone());
        }
        args.push("app-server".to_owned());
        args
    }

    /// The process [`connect`](crate::connect) starts for a live or recording backend: the
    /// binary, [`app_server_args`](Self::app_server_args), `CODEX_HOME` and the extra environment
    /// (after `RUST_LIB_BACKTRACE=0` when the inherited environment sets `RUST_BACKTRACE` alone:
    /// see [`LIB_BACKTRACE_OFF`]).
    pub(crate) fn endpoint(&self) -> Endpoint {
        self.endpoint_in(&|key| std::env::var_os(key).is_some())
    }

    /// [`endpoint`](Self::endpoint) where `inherited` says which variables the process would
    /// inherit.
    fn endpoint_in(&self, inherited: &dyn Fn(&str) -> bool) -> Endpoint {
        let mut env = Vec::with_capacity(self.env.len() + 2);
        let (lib, off) = LIB_BACKTRACE_OFF;
        if !self.env_clear && inherited("RUST_BACKTRACE") && !inherited(lib) {
            env.push((lib.to_owned(), off.to_owned()));
        }
        if let Some(home) = &self.codex_home {
            env.push(("CODEX_HOME".to_owned(), home.display().to_string()));
        }
        env.extend(self.env.iter().cloned());
        Endpoint {
            codex_bin: self.codex_bin.clone(),
            args: self.app_server_args(),
            env,
            env_clear: self.env_clear,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn library_backtraces_are_off_only_when_rust_backtrace_alone_would_be_inherited() {
        let lib = |endpoint: &Endpoint| -> Vec<String> {
            endpoint
                .env
                .iter()
                .filter(|(k, _)| k == "RUST_LIB_BACKTRACE")
                .map(|(_, v)| v.clone())
                .collect()
        };
        let config = CodexBackendConfig::default();
        assert_eq!(lib(&config.endpoint_in(&|k| k == "RUST_BACKTRACE")), ["0"]);
        assert!(lib(&config.endpoint_in(&|_| false)).is_empty());
        assert!(
            lib(&config.endpoint_in(&|_| true)).is_empty(),
            "the user's own wins"
        );
        // An explicit one in the config comes after, so it wins.
        let own = config.clone().with_env("RUST_LIB_BACKTRACE", "1");
        assert_eq!(
            lib(&own.endpoint_in(&|k| k == "RUST_BACKTRACE")),
            ["0", "1"]
        );
        let cleared = CodexBackendConfig {
            env_clear: true,
            ..config
        };
        assert!(lib(&cleared.endpoint_in(&|k| k == "RUST_BACKTRACE")).is_empty());
    }

    #[test]
    fn overrides_become_dash_c_arguments_before_the_subcommand() {
        let config = CodexBackendConfig::default().with_mcp_override("mcp_servers.a.command=\"x\"");
        assert_eq!(
            config.app_server_args(),
            [
                "-c",
                "thread_unload_delay_secs=0",
                "-c",
                "mcp_servers.a.command=\"x\"",
                "app-server"
            ]
        );
    }

    #[test]
    fn the_servers_set_up_are_read_from_the_overrides() {
        let config = CodexBackendConfig::default()
            .with_mcp_override("mcp_servers.echo.command=\"python3\"")
            .with_mcp_override("mcp_servers.echo.args=[\"x.py\"]")
            .with_mcp_override("mcp_servers.docs.url=\"http://127.0.0.1:1\"")
            .with_mcp_override("model=\"m\"");
        assert_eq!(config.mcp_servers(), ["docs", "echo"]);
    }

    #[test]
    fn an_override_without_equals_is_rejected_with_an_example() {
        let err = CodexBackendConfig::default()
            .with_mcp_override("mcp_servers.a")
            .validate()
            .unwrap_err();
        let text = err.to_string();
        assert!(
            text.contains("mcp_config_overrides") && text.contains("key=value"),
            "{text}"
        );
    }
}
