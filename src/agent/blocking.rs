//! A blocking facade over the async port, for callers without an async runtime.
//!
//! ```no_run
//! use prompt_diary::agent::{AgentConfig, TurnOptions};
//! use prompt_diary::agent::blocking::BlockingSessionFactory;
//! use prompt_diary::codex::{CodexAgentSessionFactory, CodexBackendConfig};
//!
//! let factory = BlockingSessionFactory::start(|| async {
//!     CodexAgentSessionFactory::start(CodexBackendConfig::default()).await
//! })?;
//! let mut runner = factory.runner(AgentConfig::new("/tmp/workspace"))?;
//! let result = runner.turn("Write notes.md", TurnOptions::default())?;
//! println!("{}", result.assistant_text);
//! factory.shutdown()?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::future::Future;
use std::sync::Arc;

use tokio::runtime::Runtime;

use super::{
    AgentConfig, AgentError, AgentRunner, AgentSessionFactory, AgentTurnResult, TurnOptions,
};

/// A session factory driven from synchronous code. It owns a small tokio runtime.
pub struct BlockingSessionFactory {
    runtime: Arc<Runtime>,
    inner: Arc<dyn AgentSessionFactory>,
}

/// A runner driven from synchronous code; see [`BlockingSessionFactory::runner`].
pub struct BlockingRunner {
    runtime: Arc<Runtime>,
    inner: Box<dyn AgentRunner>,
}

impl BlockingSessionFactory {
    /// Builds a runtime and starts a factory on it with `start`.
    ///
    /// Must not be called from inside an async runtime.
    pub fn start<F, Fut, S>(start: F) -> Result<Self, AgentError>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<S, AgentError>>,
        S: AgentSessionFactory + 'static,
    {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .map_err(|err| AgentError::BackendUnavailable {
                message: format!("could not build a tokio runtime for the blocking API: {err}"),
            })?;
        let inner = runtime.block_on(start())?;
        Ok(Self {
            runtime: Arc::new(runtime),
            inner: Arc::new(inner),
        })
    }

    /// A new conversation; see [`AgentSessionFactory::runner`].
    pub fn runner(&self, config: AgentConfig) -> Result<BlockingRunner, AgentError> {
        let inner = self.runtime.block_on(self.inner.runner(config))?;
        Ok(BlockingRunner {
            runtime: Arc::clone(&self.runtime),
            inner,
        })
    }

    /// Stops the backend; see [`AgentSessionFactory::shutdown`].
    pub fn shutdown(&self) -> Result<(), AgentError> {
        self.runtime.block_on(self.inner.shutdown())
    }
}

impl BlockingRunner {
    /// Runs one turn; see [`AgentRunner::turn`].
    pub fn turn(
        &mut self,
        prompt: &str,
        options: TurnOptions,
    ) -> Result<AgentTurnResult, AgentError> {
        self.runtime.block_on(self.inner.turn(prompt, options))
    }

    /// Releases the conversation; see [`AgentRunner::close`].
    pub fn close(&mut self) -> Result<(), AgentError> {
        self.runtime.block_on(self.inner.close())
    }
}
