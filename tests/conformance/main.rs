//! The conformance tier through the library: the real pinned `codex app-server` driven by the
//! scripted local model on loopback (no account, key or network). Skipped with a message when no
//! Codex is installed; required when `CI` or `PROMPT_DIARY_REQUIRE_CODEX` is set. See
//! `tests/README.md`.

// The command line's fixture tooling (not public): this tier compiles the same folder.
#[allow(
    dead_code,
    unused_imports,
    reason = "the command line's fixture tooling, shared by source: this tier uses part of it"
)]
#[path = "../../src/cli/fixtures/mod.rs"]
mod fixtures;

#[path = "../support/per_test_user.rs"]
mod per_test_user;
#[path = "../support/stand_in_run.rs"]
mod stand_in_run;
#[path = "../support/volatile_session.rs"]
mod volatile_session;

mod close_release;
mod codex_conformance;
mod drift_check;
mod generate_conformance;
mod hardening_faults;
mod host_environment;
mod per_test_cassette;
mod placeholder_round_trip;
mod project_rules_paths;
mod record_modes;
mod record_replay;
mod redaction_streams;
mod rerecord;
mod schema_subset;
mod turn_slots;
mod volatile_values;
