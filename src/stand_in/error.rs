//! [`StandInError`]: why the stand-in could not serve a client at all, and the environment
//! variable that names its cassette. Both modes (app-server and exec) report through it.

use crate::cassette::RECORD_MODE_ENV;
use crate::codex_bin::CODEX_BIN_ENV;
use crate::connect::ConnectError;
use crate::stand_in::UnsupportedArgs;

/// The environment variable naming the cassette.
pub const CASSETTE_ENV: &str = "PROMPT_DIARY_CASSETTE";

/// Why the stand-in could not serve a client at all (before any traffic).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StandInError {
    /// The client's command line is not one the stand-in serves.
    #[error(transparent)]
    Args(#[from] UnsupportedArgs),
    /// `PROMPT_DIARY_CASSETTE` is not set.
    #[error(
        "set {CASSETTE_ENV} to the cassette to replay or record (and {RECORD_MODE_ENV}=none|once|new_episodes|all; {CODEX_BIN_ENV} names the real Codex used to record)"
    )]
    NoCassette,
    /// The project file (`prompt-diary.toml`, found from the working directory upwards) cannot
    /// be used.
    #[error(transparent)]
    Project(#[from] crate::project::ProjectFileError),
    /// The cassette could not be replayed, or the real Codex could not be started to record.
    #[error(transparent)]
    Connect(#[from] ConnectError),
    /// An exec cassette could not be read, or recording was refused.
    #[error(transparent)]
    Cassette(#[from] crate::cassette::CassetteError),
    /// A `codex exec` run could not start: its stdin, its schema file or the real Codex.
    #[error("{0}")]
    Exec(String),
    /// The `codex` link to the stand-in could not be written (`prompt-diary install-stand-in`).
    #[error("{0}")]
    Install(String),
}
