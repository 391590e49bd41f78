//! The `prompt-diary` binary driven as a user would: its commands on cassettes, the demo,
//! `upgrade-codex`, `rerecord` of an exec cassette, and the pages `view` writes (read as files,
//! and opened in headless Chromium by the browser tier). See `tests/README.md`.

#[path = "../support/browser.rs"]
mod browser;
#[path = "../support/stand_in_run.rs"]
mod stand_in_run;
#[path = "../support/synthetic.rs"]
mod synthetic;

mod binary_resolution;
mod cli;
mod cli_exec;
mod demo;
mod guards_and_messages;
mod journey;
mod project;
mod project_file;
mod record_mode_flag;
mod rerecord_exec;
mod rerecord_isolation;
#[cfg(unix)]
mod rerecord_jobs;
mod rerecord_policy;
mod scripted_model;
mod untrusted;
mod upgrade;
#[cfg(unix)]
mod upgrade_faults;
mod view;
mod view_browser;
