//! Test support (feature `test-util`): imported by tests and the command line only, never by a
//! product room.
//!
//! At the root: the scripted local model ([`ScriptedModel`], scripted by a [`Scenario`] of
//! [`Reply`]s, verified on drop; from the `prompt-diary-scripted-model` crate), a [`CodexHome`]
//! pointing Codex at it, and the scripted [`FakeAgentSessionFactory`] for phase tests. The modules
//! hold the rest: [`conformance`] (finding the pinned Codex, skipping or failing a tier),
//! [`processes`] (no orphan checks) and [`session`] (the JSON-RPC session below the adapter).
//! This repository's committed fixtures and their drift check are not here: they are the command
//! line's own (`src/cli/fixtures/`, not public), which the replay and conformance tiers compile
//! into their crates.

pub mod conformance;
pub(crate) mod fake_factory;
pub mod processes;
pub mod session;

pub use crate::rerecord::CodexHome;

/// The date `days` days from today, `YYYY-MM-DD` (UTC): what a cassette's header says it was
/// recorded on, and a date a test can put in a prompt.
pub fn date_in_days(days: u64) -> String {
    crate::cassette::date_in_days(days)
}
pub use fake_factory::{FakeAgentSessionFactory, FakeRunner, FakeScriptError, FakeTurn};
pub use prompt_diary_scripted_model::{
    ConversationScript, RecordedRequest, Reply, Scenario, ScenarioError, ScenarioMismatch,
    ScriptedModel, Streaming,
};
