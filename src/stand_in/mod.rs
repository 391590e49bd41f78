//! A drop-in `codex` stand-in: any Codex client that launches `codex app-server` on stdio, or
//! runs `codex exec` (the TypeScript SDK, shell scripts), can launch this instead, and its
//! session is recorded to, or replayed from, a cassette.
//!
//! Configured by environment, because clients pass their environment to the child:
//! - `PROMPT_DIARY_CASSETTE`: the cassette file (required);
//! - `PROMPT_DIARY_RECORD_MODE`: `none` (default), `once`, `new_episodes` or `all` (the old
//!   `PROMPT_DIARY_CASSETTE_MODE` still works); over the `record_mode` of the project file found
//!   from the working directory upwards;
//! - `PROMPT_DIARY_CODEX_BIN`: the real Codex used when recording (else the usual resolution).
//! - `PROMPT_DIARY_REPORT_DIR`: a folder that every failure report is also written to, one file
//!   each (a divergence's page beside its report), for test harnesses such as the pytest plugin.
//!
//! Recording spawns the real Codex with the same arguments and passes traffic through unchanged,
//! through the library's recording transport. Replay serves
//! the cassette through [`ReplayTransport`](crate::cassette::ReplayTransport), both opened by
//! the crate's transport opener (`connect`): a divergence is reported on stderr and as a JSON-RPC error to the request
//! that diverged, and the stand-in exits non-zero.
//!
//! `codex exec` runs are recorded by running the real Codex with the same command line and
//! stdin, passing its output through line by line, and appending the run to an exec cassette;
//! replay matches each run by content (command line, stdin, output schema), prints the recorded
//! events with fresh ids, applies the workspace effects and exits with the recorded status. See
//! `docs/cassette-format.md`. `prompt-diary install-stand-in DIR` writes `DIR/codex`, a link to the
//! stand-in, for scripts that find `codex` on `PATH`.

mod args;
mod config_args;
mod error;
mod exec;
#[cfg(feature = "cli")]
mod install;
mod pump;
mod report;
mod run;

#[cfg(test)]
mod mode_table;

pub use args::UnsupportedArgs;
pub use error::{CASSETTE_ENV, StandInError};
#[cfg(feature = "cli")]
pub(crate) use install::{install_stand_in, stand_in_beside};
pub use run::run;
