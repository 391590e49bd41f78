//! Test support (feature `test-util`): the scripted local model, Codex homes pointing at it,
//! client scripts, committed fixtures, and conformance-tier helpers.

pub mod codex_home;
pub mod conformance;
pub mod driver;
pub mod fixtures;
pub mod from_cassette;
pub mod processes;
pub mod recording;
pub mod scripted_model;

pub use codex_home::CodexHome;
pub use scripted_model::{RecordedRequest, Scenario, ScriptedModel};
