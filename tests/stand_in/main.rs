//! The `prompt-diary-codex` stand-in: recording and replaying `codex app-server` and
//! `codex exec` through it, a killed recorder, and the official Python and TypeScript SDKs
//! through it. See `tests/README.md`.

#[path = "../support/per_test_user.rs"]
mod per_test_user;
#[path = "../support/sdk.rs"]
mod sdk;
#[path = "../support/stand_in_run.rs"]
mod stand_in_run;
#[path = "../support/volatile_session.rs"]
mod volatile_session;

mod app_server;
mod concurrent_writers;
mod exec;
mod exec_safety;
mod honest_extension;
mod never_itself;
mod per_test_cassette;
mod python_sdk;
mod record_modes;
mod seed_runner;
mod ts_sdk;
mod volatile;
