//! Choosing between replaying and recording: the record modes testers know (`none`, `once`,
//! `new_episodes`, `all`), where a mode may come from (code or the project file, the environment,
//! a command-line flag), and what CI allows.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::{Mutex, OnceLock};

use super::{CassetteError, RecordOptions, RedactRule, RuleError, VolatileRule};

/// The environment variable that overrides the configured record mode.
pub(crate) const RECORD_MODE_ENV: &str = "PROMPT_DIARY_RECORD_MODE";

/// The old name of [`RECORD_MODE_ENV`], still read (with a note saying the new name).
pub(crate) const OLD_MODE_ENV: &str = "PROMPT_DIARY_CASSETTE_MODE";

/// The record modes testers know from vcrpy, pytest-recording and Polly. The old names
/// `replay`, `auto` and `record` are accepted as aliases (with a note).
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
    pub fn parse(text: &str) -> Result<(Self, Option<String>), RecordModeError> {
        Self::parse_from(text, ModeFrom::Code)
    }

    /// [`parse`](Self::parse) of a value written in `from`, which the error names.
    pub(crate) fn parse_from(
        text: &str,
        from: ModeFrom,
    ) -> Result<(Self, Option<String>), RecordModeError> {
        let mode = match text.trim() {
            "none" => return Ok((Self::None, None)),
            "once" => return Ok((Self::Once, None)),
            "new_episodes" => return Ok((Self::NewEpisodes, None)),
            "all" => return Ok((Self::All, None)),
            "replay" => Self::None,
            "auto" => Self::Once,
            "record" => Self::All,
            other => {
                return Err(RecordModeError {
                    value: other.to_owned(),
                    from,
                });
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
    type Err = RecordModeError;

    fn from_str(text: &str) -> Result<Self, RecordModeError> {
        Self::parse(text).map(|(mode, _)| mode)
    }
}

/// Where a record mode was written, for [`RecordModeError`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ModeFrom {
    /// Code: [`RecordMode::parse`] or `str::parse`.
    Code,
    /// A command-line flag, by name.
    #[cfg_attr(not(feature = "cli"), allow(dead_code))]
    Flag(&'static str),
    /// An environment variable, by name.
    Env(&'static str),
    /// The project file's `record_mode` (the file's error names the file and line).
    ProjectFile,
}

/// A record mode that is none of the accepted names: the value, where it was written (a flag,
/// an environment variable, the project file), and the names accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "invalid record mode {value:?}{}: accepted values are none, once, new_episodes, all{}",
    self.place(),
    self.next_step()
)]
#[non_exhaustive]
pub struct RecordModeError {
    /// The value as written (trimmed).
    pub value: String,
    from: ModeFrom,
}

impl RecordModeError {
    /// Where the value was written, as the message says it.
    fn place(&self) -> String {
        match self.from {
            ModeFrom::Code => String::new(),
            ModeFrom::Flag(flag) => format!(" given to {flag}"),
            ModeFrom::Env(var) => format!(" in {var}"),
            ModeFrom::ProjectFile => " in the project file".to_owned(),
        }
    }

    /// What to do, where the message can say more than the accepted values.
    fn next_step(&self) -> String {
        match self.from {
            ModeFrom::Env(var) => format!(" (or unset {var}: the configured mode applies)"),
            ModeFrom::Code | ModeFrom::Flag(_) | ModeFrom::ProjectFile => String::new(),
        }
    }
}

impl std::fmt::Display for RecordMode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Who asked for the record mode in effect.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ModeSource {
    /// Code ([`CassetteSettings::mode`]) or the project file's `record_mode`: read as `none`
    /// under CI.
    Configured,
    /// An environment variable, by name: a recording mode is refused under CI.
    Env(&'static str),
    /// A command-line flag, by name: a recording mode is refused under CI.
    Flag(&'static str),
}

/// A mode asked for on a command line: the flag's name and its value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct FlagMode {
    /// The flag, e.g. `--record-mode`.
    pub flag: &'static str,
    /// What it asked for.
    pub mode: RecordMode,
}

/// Whether `CI` is set (to anything but empty, `0` or `false`).
pub(crate) fn in_ci(env: &dyn Fn(&str) -> Option<String>) -> bool {
    env("CI").is_some_and(|v| !v.is_empty() && v != "0" && v != "false")
}

/// The record mode in effect for `path`: a `flag` first, then `PROMPT_DIARY_RECORD_MODE` (or its
/// old name `PROMPT_DIARY_CASSETTE_MODE`), then `configured`. Under CI a configured mode is read
/// as `none`, and a recording mode asked by a flag or the environment is refused, whether or not
/// anything would need recording. Old names (of the variable or of a mode) are said to `note`.
pub(crate) fn choose_mode(
    path: &Path,
    configured: RecordMode,
    flag: Option<FlagMode>,
    env: &dyn Fn(&str) -> Option<String>,
    note: &mut dyn FnMut(String),
) -> Result<(RecordMode, ModeSource), CassetteError> {
    let refused = |reason: String| CassetteError::RecordingRefused {
        path: path.to_owned(),
        reason,
    };
    let set = |key: &str| env(key).filter(|v| !v.trim().is_empty());
    let (mode, source, asked) = if let Some(flag) = flag {
        let asked = format!("{} {}", flag.flag, flag.mode);
        (flag.mode, ModeSource::Flag(flag.flag), asked)
    } else if let Some((var, value)) = set(RECORD_MODE_ENV)
        .map(|v| (RECORD_MODE_ENV, v))
        .or_else(|| set(OLD_MODE_ENV).map(|v| (OLD_MODE_ENV, v)))
    {
        if var == OLD_MODE_ENV {
            note(format!(
                "{OLD_MODE_ENV} is the old name of {RECORD_MODE_ENV}: set that instead"
            ));
        }
        let (mode, alias) = RecordMode::parse_from(&value, ModeFrom::Env(var))
            .map_err(|err| refused(err.to_string()))?;
        if let Some(alias) = alias {
            note(format!("{var}: {alias}"));
        }
        (
            mode,
            ModeSource::Env(var),
            format!("{var}={}", value.trim()),
        )
    } else {
        (configured, ModeSource::Configured, String::new())
    };
    if !in_ci(env) || mode == RecordMode::None {
        return Ok((mode, source));
    }
    match source {
        ModeSource::Configured => Ok((RecordMode::None, source)),
        ModeSource::Env(_) | ModeSource::Flag(_) => Err(refused(format!(
            "CI is set, and CI never records, but {asked} asks for the recording mode `{mode}`; \
             leave it unset in CI (CI replays the committed cassettes) and record locally"
        ))),
    }
}

/// Says `note` once per process, as a `tracing` warning.
fn warn_once(note: String) {
    static SAID: OnceLock<Mutex<HashSet<String>>> = OnceLock::new();
    let said = SAID.get_or_init(Mutex::default);
    if said
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .insert(note.clone())
    {
        tracing::warn!("{note}");
    }
}

/// A cassette and what to do with it: part of the backend config.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CassetteSettings {
    /// The cassette file.
    pub path: PathBuf,
    /// The configured mode (`PROMPT_DIARY_RECORD_MODE` overrides it; read as `none` under CI).
    pub mode: RecordMode,
    /// Shown in reports as the command that records this cassette again (after a divergence,
    /// or interactions left unused).
    pub record_command: Option<String>,
    /// Shown when the cassette is missing, as the command that records it (`record_command`
    /// when unset).
    pub missing_command: Option<String>,
    /// Replace a differing cassette instead of writing `.new`.
    pub overwrite: bool,
    /// The project's volatile-value rules (`[[volatile]]`).
    pub volatile: Vec<VolatileRule>,
    /// The project's own secret patterns (`[[redact]]`), on top of the built-in kinds.
    pub redact: Vec<RedactRule>,
}

/// What to actually do, after the environment and the file system have had their say.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Resolved {
    /// Replay this file (`none`, or `once` with the cassette there).
    Replay,
    /// Record with these options (`all`, or `once`/`new_episodes` with no cassette yet).
    Record(RecordOptions),
    /// Replay what the cassette holds and record, then append, what it does not
    /// (`new_episodes` with the cassette there).
    Episodes(RecordOptions),
}

impl CassetteSettings {
    /// Settings for `path` in `mode`.
    pub fn new(path: impl Into<PathBuf>, mode: RecordMode) -> Self {
        Self {
            path: path.into(),
            mode,
            record_command: None,
            missing_command: None,
            overwrite: false,
            volatile: Vec::new(),
            redact: Vec::new(),
        }
    }

    /// These settings with one more volatile-value rule: each distinct value `pattern` matches
    /// in client text is recorded as `{{name:1}}`, `{{name:2}}`, ... and matches any text of the
    /// pattern on replay, where the server's repetition of it says the value sent then (see
    /// [`VolatileRule::new`] for the names accepted). Rules apply in the order they are added.
    ///
    /// ```
    /// # use prompt_diary::cassette::{RecordMode, CassetteSettings};
    /// let settings = CassetteSettings::new("tests/cassettes/news.jsonl", RecordMode::None)
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

    /// The command that records this cassette when it is missing.
    pub(crate) fn missing_command(&self) -> String {
        let own = self
            .missing_command
            .as_ref()
            .or(self.record_command.as_ref());
        own.cloned().unwrap_or_else(|| {
            format!(
                "{RECORD_MODE_ENV}=once cargo test (records {})",
                file_name(&self.path)
            )
        })
    }

    /// What to do: the mode in effect (see [`choose_mode`]: the environment over the configured
    /// mode; CI never records), then the file system (`once` and `new_episodes` record a missing
    /// cassette). Old names are said once per process as `tracing` warnings.
    pub(crate) fn resolve(&self) -> Result<Resolved, CassetteError> {
        self.resolve_with(None, &|key| std::env::var(key).ok(), &mut warn_once)
    }

    /// [`resolve`](Self::resolve) with a command-line `flag`, the environment read through
    /// `env`, and notes said to `note`.
    pub(crate) fn resolve_with(
        &self,
        flag: Option<FlagMode>,
        env: &dyn Fn(&str) -> Option<String>,
        note: &mut dyn FnMut(String),
    ) -> Result<Resolved, CassetteError> {
        let (mode, _) = choose_mode(&self.path, self.mode, flag, env, note)?;
        let exists = self.path.exists();
        Ok(match mode {
            RecordMode::None => Resolved::Replay,
            RecordMode::Once if exists => Resolved::Replay,
            RecordMode::NewEpisodes if exists => Resolved::Episodes(self.record_options()),
            RecordMode::Once | RecordMode::NewEpisodes | RecordMode::All => {
                Resolved::Record(self.record_options())
            }
        })
    }

    /// Options that record this cassette: its path, record command, overwrite, and the
    /// project's `[[volatile]]` and `[[redact]]` rules. Every recording path (`record`,
    /// `record --script`, the adapter, the stand-in) starts from these, so none can leave the
    /// rules out; the cassette header lists them.
    pub fn record_options(&self) -> RecordOptions {
        let mut options = RecordOptions::new(&self.path);
        options.record_command = self.record_command();
        options.overwrite = self.overwrite;
        options.volatile.clone_from(&self.volatile);
        options.redact.clone_from(&self.redact);
        options
    }
}

/// The file name of `path`, for commands shown to people.
pub(crate) fn file_name(path: &Path) -> String {
    path.file_name().map_or_else(
        || path.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    )
}

/// Refuses to record `path` when `CI` is set (to anything but empty, `0` or `false`): CI never
/// records. `env` reads the environment (`|key| std::env::var(key).ok()`).
#[cfg(feature = "rerecord")]
pub(crate) fn refuse_recording_in_ci(
    path: &Path,
    env: impl Fn(&str) -> Option<String>,
) -> Result<(), CassetteError> {
    if in_ci(&env) {
        return Err(CassetteError::RecordingRefused {
            path: path.to_owned(),
            reason: "CI is set, and CI never records; record locally and commit the cassette (CI replays it)".into(),
        });
    }
    Ok(())
}

#[cfg(test)]
#[path = "mode_tests.rs"]
mod tests;
