//! The command line: thin clap structs mapped onto library calls, one file per command.
//!
//! The split in one sentence: `cli` parses arguments and prints what the library returns;
//! [`compose`](crate::compose) wires concrete backends into the code that uses the port;
//! recording and replaying are library code the tests call the same way. This repository's
//! fixtures and their drift check (`fixtures/`) are the command line's own, not public: the
//! replay and conformance tiers compile that folder into their crates.
//!
//! | command | library call |
//! |---|---|
//! | `init [--dir DIR] [--print]` | `project::template` (crate-private) |
//! | `install-codex` | [`install_codex`](crate::codex_bin::install_codex) of the project's pin |
//! | `record` | `cli::fixtures::Fixture::record_in`, `rerecord::recording::record_prompt` (crate-private) |
//! | `replay` | [`replay_cassette`](crate::replay::replay_cassette) |
//! | `install-stand-in DIR` | `stand_in::install_stand_in` (crate-private) |
//! | `project [--json] [--test NAME... --record-mode MODE]` | [`ProjectFile::find`](crate::project::ProjectFile::find), `project::TestPlan` (crate-private: the mode, the cassette and the real Codex a test harness sets) |
//! | `unused-runs CASSETTE --used FILE` | `cassette::AnyCassette` (crate-private) |
//! | `inspect` | [`Timeline`](crate::cassette::Timeline); `cassette::ExecStory` for exec cassettes (crate-private) |
//! | `verify` | `cassette::verify_dir` (crate-private: the command is its interface) |
//! | `review [--html]`, `accept` | `cassette::list_pending`, `view::pending_page` (crate-private) |
//! | `rerecord CASSETTE...` | [`rerecord_cassette`](crate::rerecord::rerecord_cassette) |
//! | `upgrade-codex --to VERSION [--accept] [DIR]` | `rerecord::upgrade` (crate-private); `--accept` moves the pin in `prompt-diary.toml` |
//! | `view CASSETTE [-o FILE] [--open]` | `view::render` (crate-private) |
//! | `record-fixtures [--check]` | `cli::fixtures::rerecord` (crate-private) |
//! | `scripted-model SCENARIO` | [`ScriptedModel::start`](crate::testing::ScriptedModel::start), [`CodexHome::for_model`](crate::testing::CodexHome::for_model) |
//! | `demo` | `cli::fixtures::demo_run::demo_live`, `demo_replay` (crate-private) |

mod accept;
mod app;
mod demo;
mod fixtures;
#[cfg(test)]
mod fixtures_tests;
mod here;
mod init;
mod inspect;
mod install;
mod project;
mod record;
mod record_fixtures;
mod replay;
mod rerecord;
mod review;
mod scripted_model;
mod stand_in;
mod unused_runs;
mod upgrade;
mod verify;
mod view;

pub use app::main;
use app::{print_err, print_line, print_out};
