//! [`CodexAgentSessionFactory`]: the production [`AgentSessionFactory`].

use std::collections::HashMap;

use async_trait::async_trait;
use tokio::sync::Mutex;

use super::runner::check_mcp_tools;
use super::{CodexAgentRunner, CodexBackend, CodexBackendConfig};
use crate::agent::{AgentConfig, AgentError, AgentRunner, AgentSessionFactory};

/// Owns the app-server processes and mints one [`CodexAgentRunner`] per conversation.
///
/// Runners whose backend configs are equal share one process; a runner that needs another MCP
/// setup gets a process of its own ([`runner_with_backend`](Self::runner_with_backend)).
/// [`shutdown`](AgentSessionFactory::shutdown) stops them all; dropping the factory does too.
///
/// When a cleanup on a backend cannot be confirmed within its bound (a timed-out turn whose
/// interrupt never settles, a [`close`](AgentRunner::close) the app-server never confirms), that
/// backend is stopped and marked invalid: `runner()` and every runner's `turn()` on it return
/// [`AgentError::BackendInvalid`], which says to start a new factory.
pub struct CodexAgentSessionFactory {
    default: CodexBackendConfig,
    backends: Mutex<HashMap<CodexBackendConfig, CodexBackend>>,
}

impl CodexAgentSessionFactory {
    /// Starts the default backend.
    pub async fn start(config: CodexBackendConfig) -> Result<Self, AgentError> {
        let backend = CodexBackend::start(config.clone()).await?;
        Ok(Self::with_backend(backend))
    }

    /// A factory whose default backend is `backend` (for example one started over a recording
    /// or replay transport).
    pub fn with_backend(backend: CodexBackend) -> Self {
        let default = backend.config().clone();
        let mut backends = HashMap::new();
        backends.insert(default.clone(), backend);
        Self {
            default,
            backends: Mutex::new(backends),
        }
    }

    /// The backend for `config`: the running one if the config is equal, else a new process.
    pub async fn backend(&self, config: &CodexBackendConfig) -> Result<CodexBackend, AgentError> {
        let mut backends = self.backends.lock().await;
        if let Some(existing) = backends.get(config) {
            if let Some(err) = existing.invalid_error() {
                return Err(err);
            }
            if existing.is_shut_down() {
                return Err(AgentError::ShutDown);
            }
            return Ok(existing.clone());
        }
        let backend = CodexBackend::start(config.clone()).await?;
        backends.insert(config.clone(), backend.clone());
        Ok(backend)
    }

    /// A conversation on the backend for `backend_config`, started if no equal one runs.
    ///
    /// Fails with [`AgentError::InvalidConfig`] when the config's
    /// [`mcp_tools`](AgentConfig::mcp_tools) name a server `backend_config` does not set up, and
    /// with [`AgentError::BackendInvalid`] once that backend was stopped as unusable.
    pub async fn runner_with_backend(
        &self,
        config: AgentConfig,
        backend_config: CodexBackendConfig,
    ) -> Result<Box<dyn AgentRunner>, AgentError> {
        check_mcp_tools(&config, &backend_config)?;
        let backend = self.backend(&backend_config).await?;
        Ok(Box::new(CodexAgentRunner::new(backend, config)))
    }

    /// The process ids of the running app-servers.
    pub async fn backend_pids(&self) -> Vec<u32> {
        let backends = self.backends.lock().await;
        let mut pids: Vec<u32> = backends.values().filter_map(CodexBackend::pid).collect();
        pids.sort_unstable();
        pids
    }
}

#[async_trait]
impl AgentSessionFactory for CodexAgentSessionFactory {
    async fn runner(&self, config: AgentConfig) -> Result<Box<dyn AgentRunner>, AgentError> {
        self.runner_with_backend(config, self.default.clone()).await
    }

    async fn shutdown(&self) -> Result<(), AgentError> {
        let backends: Vec<CodexBackend> = self.backends.lock().await.values().cloned().collect();
        for backend in backends {
            backend.shutdown().await?;
        }
        Ok(())
    }
}

impl Drop for CodexAgentSessionFactory {
    fn drop(&mut self) {
        for backend in self.backends.get_mut().values() {
            backend.close_now();
        }
    }
}
