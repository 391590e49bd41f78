//! Cassettes: one recorded backend session, replayable offline.
//!
//! - [`format`](mod@format): the file (header + one JSON object per line) and its parser.
//! - [`normalize`]: volatile values ↔ placeholders.
//! - [`redact`]: secrets and the home directory never reach a cassette.
//! - [`effects`]: the files each turn wrote, captured and re-applied.
//! - [`Recorder`]: traffic → cassette. [`Replayer`]: cassette → server behaviour.
//! - [`Divergence`]: the report when the client does something the cassette does not contain.
//! - [`timeline`]: a cassette read as a story (`prompt-diary inspect`).
//! - [`verify`]: checks over a folder of cassettes (`prompt-diary verify`).
//! - [`pending`]: `.new` re-recordings waiting for review (`prompt-diary review` / `accept`).
//!
//! - [`RecordingTransport`]: a decorator recording any [`Transport`](crate::transport::Transport).
//! - [`ReplayTransport`]: a transport whose server is a cassette.
//!
//! This module knows the transport trait and the wire message, never Codex processes: which
//! transport a session gets is decided by [`crate::connect`].

mod divergence;
pub mod effects;
pub mod format;
mod history;
pub mod mode;
pub mod normalize;
mod order;
pub mod pending;
mod recorder;
mod recording;
pub mod redact;
mod replay;
mod replay_conv;
mod replayer;
mod request_ids;
mod shape;
pub mod timeline;
mod timeline_text;
pub mod verify;

use std::path::{Path, PathBuf};

pub use divergence::{Divergence, Leftover, UnusedInteractions};
pub use format::{Cassette, Entry, FORMAT_VERSION, Header};
pub use mode::{
    CASSETTE_MODE_ENV, CassetteMode, CassetteSettings, Resolved, refuse_recording_in_ci,
};
pub use pending::{PendingRecording, list_pending};
pub use recorder::{RecordOptions, Recorder};
pub use recording::{RecordingOutcome, RecordingTransport};
pub use replay::ReplayTransport;
pub use replayer::Replayer;
pub use timeline::Timeline;
pub use verify::{Expectations, VerifyReport, verify_dir};

/// A cassette could not be read, written or used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CassetteError {
    /// Replay was asked for a cassette that does not exist.
    #[error("no cassette at {path}. Record it first with: {record_command}")]
    Missing {
        /// The path looked at.
        path: PathBuf,
        /// The command that records it.
        record_command: String,
    },
    /// The file is empty.
    #[error("the cassette {path} is empty (not even a header line); re-record it")]
    Empty {
        /// The file.
        path: PathBuf,
    },
    /// The file was written by another format version.
    #[error(
        "the cassette {path} has format version {found}, but this prompt-diary reads version {expected}; re-record it with this version"
    )]
    UnsupportedFormat {
        /// The file.
        path: PathBuf,
        /// The version found.
        found: String,
        /// The version supported.
        expected: u32,
    },
    /// One line cannot be parsed.
    #[error("{path}:{line}: {reason}")]
    BadLine {
        /// The file.
        path: PathBuf,
        /// The 1-based line number.
        line: usize,
        /// What is wrong with it.
        reason: String,
    },
    /// Recording refused to write a line that still looks like a secret.
    #[error(
        "refusing to write {path}: line {line} still contains {what} after redaction. Remove the secret from the traffic (or the environment) and record again"
    )]
    SecretDetected {
        /// The cassette that was not written.
        path: PathBuf,
        /// The line that looks secret.
        line: usize,
        /// What it looks like.
        what: &'static str,
    },
    /// Recording is not allowed here.
    #[error("refusing to record {path}: {reason}")]
    RecordingRefused {
        /// The cassette.
        path: PathBuf,
        /// Why.
        reason: String,
    },
    /// Reading or writing failed.
    #[error("could not access the cassette {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
}

/// What writing a recording did.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum WriteOutcome {
    /// The cassette was written (it was new, or overwriting was asked for).
    Written(PathBuf),
    /// An equal cassette (after normalisation) was already there; it was left untouched.
    Unchanged(PathBuf),
    /// A different cassette was there; the new recording waits for review beside it.
    Pending {
        /// The existing cassette.
        existing: PathBuf,
        /// The new recording (`<name>.jsonl.new`).
        pending: PathBuf,
    },
}

/// `<path>.new`: where a re-recording waits for review.
pub fn pending_path(path: &Path) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(".new");
    PathBuf::from(name)
}

/// Writes `cassette` atomically (temp file + rename). If a cassette is already at its path and
/// differs after normalisation, the new one goes to [`pending_path`] unless `overwrite` is set.
pub fn write_cassette(cassette: &Cassette, overwrite: bool) -> Result<WriteOutcome, CassetteError> {
    let path = &cassette.path;
    let text = cassette.to_text();
    let mut target = path.clone();
    let mut outcome = WriteOutcome::Written(path.clone());
    if !overwrite && path.exists() {
        let same = std::fs::read_to_string(path)
            .ok()
            .and_then(|old| Cassette::parse(path, &old).ok())
            .is_some_and(|old| old.comparable_text() == cassette.comparable_text());
        if same {
            let _ = std::fs::remove_file(pending_path(path));
            return Ok(WriteOutcome::Unchanged(path.clone()));
        }
        target = pending_path(path);
        outcome = WriteOutcome::Pending {
            existing: path.clone(),
            pending: target.clone(),
        };
    }
    write_atomic(&target, &text)?;
    Ok(outcome)
}

/// Writes `text` to `path` through a temp file in the same folder and a rename, so a crash never
/// leaves a half-written file at `path`.
pub fn write_atomic(path: &Path, text: &str) -> Result<(), CassetteError> {
    use std::io::Write as _;
    let io = |source| CassetteError::Io {
        path: path.to_owned(),
        source,
    };
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(io)?;
    let mut file = tempfile::Builder::new()
        .prefix(".cassette-")
        .suffix(".tmp")
        .tempfile_in(dir)
        .map_err(io)?;
    file.write_all(text.as_bytes()).map_err(io)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        file.as_file()
            .set_permissions(std::fs::Permissions::from_mode(0o644))
            .map_err(io)?;
    }
    file.as_file().sync_all().map_err(io)?;
    file.persist(path).map_err(|err| io(err.error))?;
    Ok(())
}
