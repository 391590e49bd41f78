//! The library on fakes, no Codex and no cassette: the workflow's phases on the fake session
//! factory, the scripted model and scenario files over plain TCP, the adapter against a
//! misbehaving fake app-server, and the layering check on the sources. See `tests/README.md`.

mod fake_factory;
mod generate_agent_retry;
mod generate_phases;
mod generate_workflow;
mod hardening;
mod house_rules;
mod layering;
mod scenario_files;
mod scripted_model;
mod scripted_model_verify;
