//! The scripted local model: a fake of the OpenAI Responses streaming endpoint on loopback.
//!
//! Codex is pointed at it through a Codex home (prompt-diary's `CodexHome`) whose `config.toml` declares
//! it as the model provider, and POSTs every model request to `<base_url>/responses`.
//!
//! - **Conversations.** Each Codex thread is one conversation, told apart by the `thread-id`
//!   header Codex (0.163.0 through 0.171.0) sends (falling back to `session-id`, then the
//!   body's `prompt_cache_key`; all three carry the thread id). The first time a conversation
//!   shows up it claims the first unclaimed [`ConversationScript`] whose `match` text occurs in
//!   one of its user messages, and then gets that script's replies in order, one per request.
//!   A failed reply ([`Reply::HttpError`]) is consumed like any other.
//! - **Failures of the script** (no script matches, a script has run out) are answered with
//!   HTTP 500 and an explanation, and listed in [`ScriptedModel::errors`].
//! - **Verified on drop.** Like wiremock's `MockServer`, a [`ScriptedModel`] dropped (or
//!   [shut down](ScriptedModel::shutdown)) with replies never served or requests it could not
//!   answer panics with a [`ScenarioMismatch`] naming the scenario and what was left. Tests that
//!   stop early on purpose opt out with [`ScriptedModel::expect_all_served`]`(false)`; library
//!   code ends the model with [`ScriptedModel::finish`], which returns the mismatch instead.
//! - **Determinism.** Nothing it sends depends on time or chance: ids come from the conversation
//!   index and the reply's number (`resp_0_1`, `msg_0_1`, `call_0_1`), usage is fixed.
//!
//! Its parts: [`scenario`](Scenario) files; `server` (the handle and its accept loop);
//! `connection` (one request, one answer); `routing` (which conversation, which reply);
//! `verify` (the check at the end); `http` and `sse` (the wire).
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use prompt_diary_scripted_model::{Scenario, ScriptedModel};
//! let scenario = Scenario::from_json(r#"{"name": "hi", "conversations": [{"replies": [{"message": "Hello."}]}]}"#)?;
//! let model = ScriptedModel::start(scenario).await?;
//! // point Codex at model.base_url() (prompt-diary's `CodexHome::for_model` writes that home)
//! // ... run turns ...
//! model.finish().await?; // every reply served, no request unanswered
//! # Ok(()) }
//! ```

mod connection;
mod http;
mod routing;
mod scenario;
mod server;
mod sse;
mod state;
mod verify;

pub use routing::RecordedRequest;
pub use scenario::{ConversationScript, Reply, Scenario, ScenarioError, Streaming};
pub use server::ScriptedModel;
pub use verify::ScenarioMismatch;
