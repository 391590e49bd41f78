//! Choosing between recording and replaying.

use std::path::{Path, PathBuf};
use std::str::FromStr;

use super::{CassetteError, RecordOptions, RedactRule, RuleError, VolatileRule};

/// The environment variable that overrides the configured mode.
pub(crate) const CASSETTE_MODE_ENV: &str = "PROMPT_DIARY_CASSETTE_MODE";

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

/// The record modes testers know from vcrpy, pytest-recording and Polly. (Replaces
/// [`CassetteMode`]; its `replay`, `auto` and `record` are accepted as aliases.)
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum RecordMode {
    /// Replay only; a missing cassette is an error naming the command that records it. The
    /// default, and what CI always uses.
    #[default]
    None,
    /// Replay; record a cassette that does not exist yet.
    Once,
    /// Replay what is recorded; record the conversations (or exec runs) the cassette does not
    /// hold yet and append them.
    NewEpisodes,
    /// Record everything again; a cassette that changed waits beside the old one as `.new`.
    All,
}

impl RecordMode {
    /// The mode's name in `prompt-diary.toml`, flags and `PROMPT_DIARY_RECORD_MODE`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::None => "none",
            Self::Once => "once",
            Self::NewEpisodes => "new_episodes",
            Self::All => "all",
        }
    }

    /// Parses a mode name, or one of the old aliases (`replay` is `none`, `auto` is `once`,
    /// `record` is `all`); the second value is a note for an alias, saying its new name.
    pub fn parse(text: &str) -> Result<(Self, Option<String>), String> {
        let mode = match text.trim() {
            "none" => return Ok((Self::None, None)),
            "once" => return Ok((Self::Once, None)),
            "new_episodes" => return Ok((Self::NewEpisodes, None)),
            "all" => return Ok((Self::All, None)),
            "replay" => Self::None,
            "auto" => Self::Once,
            "record" => Self::All,
            other => {
                return Err(format!(
                    "invalid record mode {other:?}: accepted values are none, once, new_episodes, all"
                ));
            }
        };
        let note = format!(
            "record mode {:?} is an old name: it means {:?}, write that",
            text.trim(),
            mode.as_str()
        );
        Ok((mode, Some(note)))
    }
}

impl FromStr for RecordMode {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        Self::parse(text).map(|(mode, _)| mode)
    }
}

impl std::fmt::Display for RecordMode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
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
    /// The project's volatile-value rules (`[[volatile]]`).
    pub volatile: Vec<VolatileRule>,
    /// The project's own secret patterns (`[[redact]]`), on top of the built-in kinds.
    pub redact: Vec<RedactRule>,
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
            volatile: Vec::new(),
            redact: Vec::new(),
        }
    }

    /// These settings with one more volatile-value rule: client text `pattern` matches is
    /// recorded as `{{name}}` and matches any text of the pattern on replay (see
    /// [`VolatileRule::new`] for the names accepted). Rules apply in the order they are added.
    ///
    /// ```
    /// # use prompt_diary::cassette::{CassetteMode, CassetteSettings};
    /// let settings = CassetteSettings::new("tests/cassettes/news.jsonl", CassetteMode::Replay)
    ///     .with_volatile("date", r"\d{4}-\d{2}-\d{2}")?
    ///     .with_redact("acme-key", r"acme_[A-Za-z0-9]{32}")?;
    /// assert_eq!(settings.volatile[0].name(), "date");
    /// # Ok::<(), prompt_diary::cassette::RuleError>(())
    /// ```
    pub fn with_volatile(mut self, name: &str, pattern: &str) -> Result<Self, RuleError> {
        self.volatile.push(VolatileRule::new(name, pattern)?);
        Ok(self)
    }

    /// These settings with one more secret pattern of the project's own, redacted on top of the
    /// built-in kinds and named `name` in the cassette header's `redactions`.
    pub fn with_redact(mut self, name: &str, pattern: &str) -> Result<Self, RuleError> {
        self.redact.push(RedactRule::new(name, pattern)?);
        Ok(self)
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
        self.resolve_with(|key| std::env::var(key).ok())
    }

    /// [`resolve`](Self::resolve) with the environment read through `env`.
    pub fn resolve_with(
        &self,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<Resolved, CassetteError> {
        let mode = match env(CASSETTE_MODE_ENV) {
            Some(value) if !value.trim().is_empty() => {
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
        refuse_recording_in_ci(&self.path, &env)?;
        let mut options = RecordOptions::new(&self.path);
        options.record_command = self.record_command();
        options.overwrite = self.overwrite;
        Ok(Resolved::Record(options))
    }
}

/// Refuses to record `path` when `CI` is set (to anything but empty, `0` or `false`): CI never
/// records. `env` reads the environment (`|key| std::env::var(key).ok()`).
pub(crate) fn refuse_recording_in_ci(
    path: &Path,
    env: impl Fn(&str) -> Option<String>,
) -> Result<(), CassetteError> {
    if env("CI").is_some_and(|v| !v.is_empty() && v != "0" && v != "false") {
        return Err(CassetteError::RecordingRefused {
            path: path.to_owned(),
            reason: "CI is set, and CI never records; record locally and commit the cassette (CI replays it)".into(),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env<'a>(pairs: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |key| {
            pairs
                .iter()
                .find(|(k, _)| *k == key)
                .map(|(_, v)| (*v).to_owned())
        }
    }

    #[test]
    fn the_environment_overrides_the_configured_mode() {
        let settings = CassetteSettings::new("/nonexistent/c.jsonl", CassetteMode::Replay);
        let resolved = settings
            .resolve_with(env(&[(CASSETTE_MODE_ENV, "record")]))
            .unwrap();
        assert!(matches!(resolved, Resolved::Record(_)));
        assert_eq!(settings.resolve_with(env(&[])).unwrap(), Resolved::Replay);
    }

    #[test]
    fn auto_records_only_a_missing_cassette() {
        let dir = tempfile::tempdir().unwrap();
        let existing = dir.path().join("there.jsonl");
        std::fs::write(&existing, "").unwrap();
        let auto = |path: &std::path::Path| {
            CassetteSettings::new(path, CassetteMode::Auto).resolve_with(env(&[]))
        };
        assert_eq!(auto(&existing).unwrap(), Resolved::Replay);
        assert!(matches!(
            auto(&dir.path().join("missing.jsonl")).unwrap(),
            Resolved::Record(_)
        ));
    }

    #[test]
    fn ci_never_records() {
        let settings = CassetteSettings::new("/nonexistent/c.jsonl", CassetteMode::Record);
        let err = settings
            .resolve_with(env(&[("CI", "true")]))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("refusing to record") && err.contains("CI never records"),
            "{err}"
        );
    }

    #[test]
    fn a_bad_mode_names_the_variable_and_the_accepted_values() {
        let settings = CassetteSettings::new("/nonexistent/c.jsonl", CassetteMode::Replay);
        let err = settings
            .resolve_with(env(&[(CASSETTE_MODE_ENV, "sometimes")]))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("PROMPT_DIARY_CASSETTE_MODE") && err.contains("replay, record, auto"),
            "{err}"
        );
    }
}
