//! The command line: thin clap structs mapped onto library calls, one file per command.
//!
//! The split in one sentence: `cli` parses arguments and prints what the library returns;
//! [`cmds`](crate::compose) wires concrete backends into the code that uses the port; everything
//! else (recording, replaying, fixtures and their drift check) is library code the tests call
//! the same way.
//!
//! | command | library call |
//! |---|---|
//! | `init [--dir DIR] [--print]` | `project::template` (crate-private) |
//! | `install-codex` | [`install_codex`](crate::codex_bin::install_codex) of the project's pin |
//! | `record` | [`Fixture::record_in`](crate::cli::fixtures::Fixture::record_in), `rerecord::recording::record_prompt` (crate-private) |
//! | `replay` | [`replay_cassette`](crate::replay::replay_cassette) |
//! | `install-stand-in DIR` | `stand_in::install_stand_in` (crate-private) |
//! | `project [--json]` | [`ProjectFile::find`](crate::project::ProjectFile::find) |
//! | `inspect` | [`Timeline`](crate::cassette::Timeline); `cassette::ExecStory` for exec cassettes (crate-private) |
//! | `verify` | `cassette::verify_dir` (crate-private: the command is its interface) |
//! | `review [--html]`, `accept` | `cassette::list_pending`, `view::pending_page` (crate-private) |
//! | `rerecord CASSETTE...` | [`rerecord_cassette`](crate::rerecord::rerecord_cassette) |
//! | `upgrade-codex --to VERSION [--accept] [DIR]` | `rerecord::upgrade` (crate-private); `--accept` moves the pin in `prompt-diary.toml` |
//! | `view CASSETTE [-o FILE] [--open]` | `view::render` (crate-private) |
//! | `record-fixtures [--check]` | [`rerecord`](crate::cli::fixtures::rerecord) |
//! | `scripted-model SCENARIO` | [`ScriptedModel::start`](crate::testing::ScriptedModel::start), [`CodexHome::for_model`](crate::testing::CodexHome::for_model) |
//! | `demo` | `cli::fixtures::demo_run::demo_live`, `demo_replay` (crate-private) |

mod accept;
mod app;
mod demo;
pub mod fixtures;
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
mod upgrade;
mod verify;
mod view;

pub use app::{Cli, Command, run};
use app::{print_err, print_line, print_out};
