//! The project file, `prompt-diary.toml`: a project's Codex pin, cassette folder, record command,
//! record mode, and its volatile and redaction rules. Found from the working directory upwards,
//! like `Cargo.toml`. Without one, the defaults hold: the crate's own pin, `cassettes/`.
//!
//! ```toml
//! codex = "0.171.0"                 # the Codex CLI version this project pins
//! cassettes = "tests/cassettes"     # the cassette folder, relative to this file
//! record_command = "just record"    # shown in divergence reports
//! record_mode = "once"              # none | once | new_episodes | all; read as none under CI
//! [[volatile]]
//! name = "date"
//! pattern = '\d{4}-\d{2}-\d{2}'
//! [[redact]]
//! pattern = 'acme_[A-Za-z0-9]{32}'
//! ```

#[cfg(any(feature = "cli", test))]
mod init;
mod parse;
#[cfg(any(feature = "rerecord", test))]
mod pin;
mod settings;
#[cfg(any(feature = "cli", test))]
mod test_cassette;

use std::path::{Path, PathBuf};

use crate::cassette::{RecordMode, RedactRule, VolatileRule};
use crate::codex_bin::{
    BinaryNotFound, BinarySource, PINNED_CODEX_VERSION, ProjectPin, resolve_codex_bin,
};

#[cfg(any(feature = "cli", test))]
pub(crate) use init::{template, write_new};
#[cfg(any(feature = "rerecord", test))]
pub(crate) use pin::{PinMoved, move_pin};
#[cfg(any(feature = "cli", test))]
pub(crate) use test_cassette::{TestPlan, TestRunner, test_cassette};

/// The project file's name.
pub const PROJECT_FILE: &str = "prompt-diary.toml";

/// The cassette folder when the project file names none (or there is no project file).
pub(crate) const DEFAULT_CASSETTES: &str = "cassettes";

/// A parsed `prompt-diary.toml`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProjectFile {
    /// Where the file is (its folder is the project's root).
    pub path: PathBuf,
    /// `codex`: the pinned Codex CLI version, checked (`X.Y.Z`, optionally `-pre.N`).
    pub codex: Option<String>,
    /// `cassettes`: the cassette folder, as written (relative to the file's folder).
    pub cassettes: Option<PathBuf>,
    /// `record_command`: shown in divergence reports.
    pub record_command: Option<String>,
    /// `record_mode`.
    pub record_mode: Option<RecordMode>,
    /// `[[volatile]]` rules.
    pub volatile: Vec<VolatileRule>,
    /// `[[redact]]` rules.
    pub redact: Vec<RedactRule>,
}

impl ProjectFile {
    /// The project's root: the folder holding the file.
    pub fn root(&self) -> &Path {
        self.path.parent().unwrap_or(Path::new("."))
    }

    /// The Codex version the project pins: `codex`, else the crate's own pin.
    pub fn codex_version(&self) -> &str {
        self.codex.as_deref().unwrap_or(PINNED_CODEX_VERSION)
    }

    /// Where the project's pinned Codex is installed: [`root`](Self::root) and
    /// [`codex_version`](Self::codex_version), for
    /// [`resolve_codex_bin`].
    pub fn pin(&self) -> ProjectPin<'_> {
        ProjectPin {
            root: self.root(),
            version: self.codex_version(),
        }
    }

    /// The cassette folder, absolute when the file's path is.
    pub fn cassette_dir(&self) -> PathBuf {
        self.root().join(
            self.cassettes
                .as_deref()
                .unwrap_or(Path::new(DEFAULT_CASSETTES)),
        )
    }
}

impl ProjectFile {
    /// The project file for a command run in `start`: `prompt-diary.toml` in `start` or the
    /// nearest folder above it that holds one (like `Cargo.toml`), up to the repository's root
    /// (the first folder holding `.git`): a file above a repository is not its project's. `None`
    /// when there is none.
    pub fn find(start: &Path) -> Result<Option<Self>, ProjectFileError> {
        let start = std::path::absolute(start).unwrap_or_else(|_| start.to_owned());
        for dir in start.ancestors() {
            let candidate = dir.join(PROJECT_FILE);
            if candidate.is_file() {
                return Self::load(&candidate).map(Some);
            }
            if dir.join(".git").exists() {
                break;
            }
        }
        Ok(None)
    }

    /// Reads and checks the project file at `path`.
    pub fn load(path: &Path) -> Result<Self, ProjectFileError> {
        let text = std::fs::read_to_string(path).map_err(|source| ProjectFileError::Read {
            path: path.to_owned(),
            source,
        })?;
        parse::parse(path, &text)
    }
}

/// Resolves the Codex binary for a command run in the working directory, as
/// [`resolve_codex_bin`] documents, with the pin of the project file found from there (none: the
/// crate's own pin). A project file that cannot be read is an error naming it, never ignored.
pub fn find_codex_bin(explicit: Option<&Path>) -> Result<(PathBuf, BinarySource), BinaryNotFound> {
    let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
    let project = ProjectFile::find(&cwd).map_err(BinaryNotFound::project)?;
    resolve_codex_bin(explicit, project.as_ref().map(ProjectFile::pin))
}

/// The Codex version the project found from the working directory pins (the crate's own pin
/// when there is no project file, or one that cannot be read: the commands that need the file
/// say what is wrong with it).
pub(crate) fn pinned_version_here() -> String {
    std::env::current_dir()
        .ok()
        .and_then(|cwd| ProjectFile::find(&cwd).ok().flatten())
        .map_or_else(
            || PINNED_CODEX_VERSION.to_owned(),
            |file| file.codex_version().to_owned(),
        )
}

/// A project file that cannot be used. Each error names the file; a bad value also its line and
/// key.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ProjectFileError {
    /// The file could not be read.
    #[error("could not read the project file {}: {source}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The file could not be written (`init`, moving the pin).
    #[error("could not write the project file {}: {reason}", path.display())]
    Write {
        /// The file.
        path: PathBuf,
        /// Why.
        reason: String,
    },
    /// `init` found a project file already there.
    #[error(
        "{} already exists; `prompt-diary init` never overwrites it (edit it, or see every key \
         with `prompt-diary init --print`)",
        path.display()
    )]
    Exists {
        /// The file.
        path: PathBuf,
    },
    /// A key is unknown, or a value is not what the key takes.
    #[error(
        "{}:{line}: `{key}`: {message} (fix the project file; `prompt-diary init --print` shows every key)",
        path.display()
    )]
    Invalid {
        /// The file.
        path: PathBuf,
        /// The 1-based line.
        line: usize,
        /// The key (`codex`, `volatile[0].pattern`, ...).
        key: String,
        /// What is wrong.
        message: String,
    },
}

#[cfg(test)]
mod tests;
