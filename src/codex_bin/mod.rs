//! The Codex CLI binary: which one to run, installing the pinned version into the project, and
//! the fingerprint of the protocol schema it speaks.
//!
//! - [`resolve_codex_bin`]: an explicit path, `PROMPT_DIARY_CODEX_BIN`, the project-local install
//!   of the project's pin (a [`ProjectPin`] the caller reads from the project file), then `codex`
//!   on `PATH`, never prompt-diary's stand-in; a missing binary is a [`BinaryNotFound`] naming
//!   the places it looked at and the command that installs it. `codex_to_record_with` is the
//!   real Codex a test harness records through, the one place the pin is installed unasked.
//! - [`install_codex`]: `npm install` of a checked version under `.prompt-diary/codex/`.
//! - [`PINNED_CODEX_VERSION`]: the version this crate is tested with, the pin of a project whose
//!   `prompt-diary.toml` names none.
//! - [`schema_fingerprint`]: a hash of `codex app-server generate-json-schema`, written into every
//!   cassette header so a protocol change is noticed.
//!
//! Nothing here knows of sessions, cassettes or the adapter; the transport opener
//! (`connect`), the adapter, the stand-in and the command line all use it.

mod install;
mod resolve;
mod schema;

pub(crate) use install::check_version;
#[cfg(feature = "rerecord")]
pub(crate) use install::project_root;
pub use install::{InstallError, install_codex};
pub use resolve::{
    BinaryNotFound, BinarySource, CODEX_BIN_ENV, PINNED_CODEX_VERSION, ProjectPin,
    installed_binary, resolve_codex_bin,
};
#[cfg(any(feature = "cli", test))]
pub(crate) use resolve::{STAND_IN_BIN, codex_to_record_with};
pub use schema::schema_fingerprint;
#[cfg(feature = "rerecord")]
pub(crate) use schema::write_schema;
