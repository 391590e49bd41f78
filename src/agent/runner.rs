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
/// usable: the next turn (or [`close`](AgentRunner::close)) first settles the abandoned one.
///
/// When its work is done, [`close`](AgentRunner::close) releases the conversation on the
/// backend while the factory goes on serving other runners; phases close what they open.
/// `close` also takes `&mut self`, so closing while a turn runs cannot compile either.
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

    /// Releases the conversation on the backend; the factory and its other runners go on.
    ///
    /// Idempotent: closing again, or closing a runner that never ran a turn, returns `Ok(())`
    /// at once. A turn after `close` fails with [`AgentError::RunnerClosed`]. When the backend
    /// does not confirm the release within its bound, the backend is stopped and this returns
    /// [`AgentError::BackendInvalid`] (the same error every later call on that factory gets).
    async fn close(&mut self) -> Result<(), AgentError>;
}

/// Owns one shared backend and mints a fresh [`AgentRunner`] per conversation.
///
/// Each runner's conversation lives until [`AgentRunner::close`] (or the runner's drop, which
/// releases it in the background where the backend allows); the factory's
/// [`shutdown`](AgentSessionFactory::shutdown) (or its drop) stops the backend. Phases hold it as `Arc<dyn AgentSessionFactory>`.
#[async_trait]
pub trait AgentSessionFactory: Send + Sync {
    /// A new conversation with `config`. Nothing is sent to the backend until its first turn.
    /// Fails with [`AgentError::BackendInvalid`] once a cleanup could not be confirmed.
    async fn runner(&self, config: AgentConfig) -> Result<Box<dyn AgentRunner>, AgentError>;

    /// Stops the backend. Runners minted earlier fail with [`AgentError::ShutDown`] afterwards.
    async fn shutdown(&self) -> Result<(), AgentError>;
}
