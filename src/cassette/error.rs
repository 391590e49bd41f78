//! [`CassetteError`]: what can go wrong reading, writing or using a cassette.

use std::path::PathBuf;

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
    /// The file was written by a newer prompt-diary, in a format this one cannot read.
    #[error(
        "the cassette {path} has format version {found}, written by a newer prompt-diary; this one reads version {supported}: upgrade prompt-diary to read format {found}"
    )]
    NewerFormat {
        /// The file.
        path: PathBuf,
        /// The version found.
        found: u64,
        /// The version this prompt-diary reads.
        supported: u32,
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
        "refusing to write {path}: line {line} still contains {what} after redaction (at {field}). Remove the secret from the traffic (or the environment) and record again{hint}"
    )]
    SecretDetected {
        /// The cassette that was not written.
        path: PathBuf,
        /// The line that looks secret.
        line: usize,
        /// Where in the line: a JSON path, and the other lines when a stream splits the secret.
        field: String,
        /// What it looks like.
        what: String,
        /// What else to do, when the line says more (Codex's own sign-in traffic); else empty.
        hint: String,
    },
    /// Recording is not allowed here.
    #[error("refusing to record {path}: {reason}")]
    RecordingRefused {
        /// The cassette.
        path: PathBuf,
        /// Why.
        reason: String,
    },
    /// Another writer held the cassette's lock longer than this writer could wait.
    #[error(
        "could not write {path}: its lock {lock} is held by {holder} (waited {waited} s). Another recorder of the same cassette is writing it; if that process hangs, stop it (if none runs, delete the lock file), then record again"
    )]
    Locked {
        /// The cassette.
        path: PathBuf,
        /// The lock file beside it.
        lock: PathBuf,
        /// Who holds it: pid, host, since when.
        holder: String,
        /// How long this writer waited, in seconds.
        waited: f64,
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
