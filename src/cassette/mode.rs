//! Choosing between recording and replaying.

use std::path::PathBuf;
use std::str::FromStr;

use super::{CassetteError, RecordOptions};

/// The environment variable that overrides the configured mode.
pub const CASSETTE_MODE_ENV: &str = "PROMPT_DIARY_CASSETTE_MODE";

/// What to do with a cassette.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum CassetteMode {
    /// Play the cassette; no Codex process. A missing cassette is an error. The default.
    #[default]
    Replay,
    /// Run the real Codex and write the cassette.
    Record,
    /// Replay if the cassette exists, record it otherwise.
    Auto,
}

impl FromStr for CassetteMode {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        match text.trim() {
            "replay" => Ok(Self::Replay),
            "record" => Ok(Self::Record),
            "auto" => Ok(Self::Auto),
            other => Err(format!(
                "invalid {CASSETTE_MODE_ENV} value {other:?}: accepted values are replay, record, auto"
            )),
        }
    }
}

/// A cassette and what to do with it: part of the backend config.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CassetteSettings {
    /// The cassette file.
    pub path: PathBuf,
    /// The configured mode (the environment may override it).
    pub mode: CassetteMode,
    /// Shown in reports as the command that re-records this cassette.
    pub record_command: Option<String>,
    /// Replace a differing cassette instead of writing `.new`.
    pub overwrite: bool,
}

/// What to actually do, after the environment and the file system have had their say.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resolved {
    /// Replay this file.
    Replay,
    /// Record with these options.
    Record(RecordOptions),
}

impl CassetteSettings {
    /// Settings for `path` in `mode`.
    pub fn new(path: impl Into<PathBuf>, mode: CassetteMode) -> Self {
        Self {
            path: path.into(),
            mode,
            record_command: None,
            overwrite: false,
        }
    }

    /// The command that re-records this cassette.
    pub fn record_command(&self) -> String {
        self.record_command
            .clone()
            .unwrap_or_else(|| RecordOptions::new(&self.path).record_command)
    }

    /// The effective mode: `PROMPT_DIARY_CASSETTE_MODE` wins over the configured one; `auto`
    /// becomes replay or record depending on whether the file exists; recording is refused when
    /// `CI` is set.
    pub fn resolve(&self) -> Result<Resolved, CassetteError> {
        let mode = match std::env::var(CASSETTE_MODE_ENV) {
            Ok(value) if !value.trim().is_empty() => {
                value
                    .parse()
                    .map_err(|reason| CassetteError::RecordingRefused {
                        path: self.path.clone(),
                        reason,
                    })?
            }
            _ => self.mode,
        };
        let record = match mode {
            CassetteMode::Replay => false,
            CassetteMode::Record => true,
            CassetteMode::Auto => !self.path.exists(),
        };
        if !record {
            return Ok(Resolved::Replay);
        }
        if std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "0" && v != "false") {
            return Err(CassetteError::RecordingRefused {
                path: self.path.clone(),
                reason: "CI is set, and CI never records; record locally and commit the cassette (CI replays it)".into(),
            });
        }
        let mut options = RecordOptions::new(&self.path);
        options.record_command = self.record_command();
        options.overwrite = self.overwrite;
        Ok(Resolved::Record(options))
    }
}
