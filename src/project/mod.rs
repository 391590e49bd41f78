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

use std::path::{Path, PathBuf};

use crate::cassette::{RecordMode, RedactRule, VolatileRule};
use crate::codex_bin::PINNED_CODEX_VERSION;

/// The project file's name.
pub const PROJECT_FILE: &str = "prompt-diary.toml";

/// The cassette folder when the project file names none (or there is no project file).
pub const DEFAULT_CASSETTES: &str = "cassettes";

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

    /// The cassette folder, absolute when the file's path is.
    pub fn cassette_dir(&self) -> PathBuf {
        self.root().join(
            self.cassettes
                .as_deref()
                .unwrap_or(Path::new(DEFAULT_CASSETTES)),
        )
    }
}
