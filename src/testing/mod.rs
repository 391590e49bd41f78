//! Test support (feature `test-util`).
//!
//! At the root: the scripted local model ([`ScriptedModel`], scripted by a [`Scenario`] of
//! [`Reply`]s, verified on drop), a [`CodexHome`] pointing Codex at it, and the scripted
//! [`FakeAgentSessionFactory`] for phase tests. The modules hold the rest: [`conformance`]
//! (finding the pinned Codex, skipping or failing a tier), [`driver`] and [`recording`] (client
//! scripts run through the adapter), [`fixtures`] (the committed cassettes and their drift
//! check), [`from_cassette`] (a cassette's client read back and replayed), [`processes`] (no
//! orphan checks) and [`session`] (the JSON-RPC session below the adapter).

pub(crate) mod codex_home;
pub mod conformance;
pub mod derive;
pub mod driver;
pub(crate) mod fake_factory;
pub mod fixtures;
pub mod from_cassette;
mod patch;
pub mod processes;
mod raw_client;
pub mod recording;
mod rerecord;
mod rerecord_exec;
pub(crate) mod scripted_model;
pub mod session;
pub(crate) mod upgrade;

pub use codex_home::CodexHome;
pub use fake_factory::{FakeAgentSessionFactory, FakeRunner, FakeScriptError, FakeTurn};
pub use scripted_model::{
    ConversationScript, RecordedRequest, Reply, Scenario, ScenarioError, ScenarioMismatch,
    ScriptedModel, Streaming,
};
