//! Test support (feature `test-util`): the scripted local model, Codex homes pointing at it,
//! client scripts, committed fixtures, conformance-tier helpers, and the scripted
//! [`FakeAgentSessionFactory`] for phase tests.

pub mod codex_home;
pub mod conformance;
pub mod driver;
pub mod fake_factory;
pub mod fixtures;
pub mod from_cassette;
pub mod processes;
pub mod recording;
pub mod scripted_model;
pub mod session;

pub use codex_home::CodexHome;
pub use fake_factory::{FakeAgentSessionFactory, FakeRunner, FakeTurn};
pub use scripted_model::{RecordedRequest, Scenario, ScriptedModel};
