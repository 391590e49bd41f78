//! Re-recording (feature `rerecord`): a cassette made again, offline, on any Codex.
//!
//! A cassette holds both sides of a session, so it can be played again on another Codex
//! without an account: the model's side becomes a scenario for the scripted local model
//! (`prompt-diary-scripted-model`), the client's side is sent again, and the new recording waits
//! beside the cassette as `<name>.jsonl.new` for `prompt-diary review`.
//!
//! - [`rerecord_cassette`] (`run.rs`): one cassette re-recorded; [`RerecordError`] says why not.
//! - `scenario.rs`: the model's side derived from a cassette ([`scenario_of`]: messages,
//!   reasoning, commands, file changes as `apply_patch` commands (`patch.rs`), MCP calls, web
//!   searches, model errors, stalls); [`Underivable`] names a line it cannot say.
//! - The client's side, three ways: the adapter plays a client script read from the cassette
//!   ([`client_script_of`](crate::replay::client_script_of), in [`replay`](crate::replay), which
//!   also replays a cassette for `prompt-diary replay`); the messages another client sent through
//!   the stand-in are sent again one by one (`raw_client.rs`); an exec cassette's runs go through
//!   the stand-in again (`exec.rs`).
//! - [`recording`]: a client script ([`replay::driver`](crate::replay::driver)) or one prompt
//!   recorded live.
//! - [`CodexHome`]: a Codex home pointing the real Codex at the scripted model, its commands in
//!   Codex's `workspace-write` sandbox (the scratch workspace only, no network).
//! - `policy.rs`: the sandbox and approvals a re-recording runs under, the cassette's own when
//!   they are as strict as the workspace-write sandbox, tightened (and said) otherwise;
//!   `untrusted.rs`: what a cassette may ask of a re-recording; it may come from anyone, so an
//!   MCP server it starts needs the user's `--allow-mcp-server NAME`, and other folders,
//!   process-starting settings and granted approvals are refused before anything runs.
//! - `environment.rs`: the minimal environment a re-recording's Codex and commands run with.
//! - `shell_words.rs`: command items read back as the shell calls that made them, in every
//!   quoting Codex writes.
//! - `volatile.rs`: the header's volatile rules carried into a re-recording: a value made to
//!   match each recorded placeholder, the runs recorded under the same rules.
//! - `upgrade.rs`: `prompt-diary upgrade-codex`: install a version, compare protocol schemas,
//!   re-record a folder on it, accept.
//!
//! Product paths end the scripted model with `finish()` and turn its test-kit check on drop off
//! (`without_drop_check`), so an early error is reported, never a panic.

mod codex_home;
mod environment;
mod error;
mod exec;
mod patch;
mod pending_file;
mod policy;
mod raw_client;
pub mod recording;
mod run;
mod scenario;
mod shell_words;
mod untrusted;
pub(crate) mod upgrade;
mod volatile;

pub use codex_home::CodexHome;
pub use error::RerecordError;
pub(crate) use error::RerecordSummary;
#[cfg(feature = "cli")]
pub(crate) use policy::note_for as policy_note;
pub use run::rerecord_cassette;
pub use scenario::{Underivable, scenario_of};

/// The line `rerecord` and `upgrade-codex` say before re-recording: what runs, and where.
pub(crate) const SANDBOX_NOTICE: &str = "the cassettes' commands are re-run by the real Codex in \
     its workspace-write sandbox (read-only for a cassette that ran read-only): a scratch \
     workspace is the only folder they may write, without network; MCP servers start only when \
     named with --allow-mcp-server";

/// The `[[redact]]` rules of the project the cassette at `path` is in (its project file found
/// from the cassette's folder upwards), which a re-recording applies as the first recording did;
/// none without a project file. A project file that cannot be read adds none here: the command
/// that re-records has read it already and said what is wrong with it.
fn project_redact(path: &std::path::Path) -> Vec<crate::cassette::RedactRule> {
    let Ok(path) = std::path::absolute(path) else {
        return Vec::new();
    };
    let start = path.parent().unwrap_or(&path);
    match crate::project::ProjectFile::find(start) {
        Ok(Some(project)) => project.redact,
        _ => Vec::new(),
    }
}
