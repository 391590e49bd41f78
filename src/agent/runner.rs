//! The two port traits: [`AgentRunner`] (one conversation) and [`AgentSessionFactory`] (one shared
//! backend that mints runners).

use async_trait::async_trait;

use super::{AgentConfig, AgentError, AgentTurnResult, TurnOptions};

/// One agent conversation.
///
/// The first [`turn`](AgentRunner::turn) starts the conversation; later turns continue it, so a
/// repair prompt sees everything that happened before. Callers never see conversation ids.
///
/// `turn` takes `&mut self`, so two turns can never overlap on one runner: the borrow checker
/// refuses it. For concurrent sessions create one runner per session.
///
/// ```compile_fail
/// # use prompt_diary::agent::{AgentRunner, TurnOptions};
/// async fn overlap(runner: &mut dyn AgentRunner) {
///     let first = runner.turn("one", TurnOptions::default());
///     let second = runner.turn("two", TurnOptions::default()); // error: second mutable borrow
///     let _ = futures_join(first, second);
/// }
/// # fn futures_join<A, B>(_: A, _: B) {}
/// ```
///
/// A turn future dropped mid-flight (for example by `tokio::time::timeout`) leaves the runner
/// usable: the next turn first settles the abandoned one.
#[async_trait]
pub trait AgentRunner: Send {
    /// Runs one turn with `prompt` and returns what the agent did.
    ///
    /// Artifact validation is the caller's: check the files in the working directory afterwards.
    async fn turn(
        &mut self,
        prompt: &str,
        options: TurnOptions,
    ) -> Result<AgentTurnResult, AgentError>;
}

/// Owns one shared backend and mints a fresh [`AgentRunner`] per conversation.
///
/// Runners have no lifecycle of their own; the factory's [`shutdown`](AgentSessionFactory::shutdown)
/// (or its drop) stops the backend. Phases hold it as `Arc<dyn AgentSessionFactory>`.
#[async_trait]
pub trait AgentSessionFactory: Send + Sync {
    /// A new conversation with `config`. Nothing is sent to the backend until its first turn.
    async fn runner(&self, config: AgentConfig) -> Result<Box<dyn AgentRunner>, AgentError>;

    /// Stops the backend. Runners minted earlier fail with [`AgentError::ShutDown`] afterwards.
    async fn shutdown(&self) -> Result<(), AgentError>;
}
