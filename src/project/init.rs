//! `prompt-diary init`: a commented `prompt-diary.toml` with every key.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use super::pin::toml_string;
use super::{PROJECT_FILE, ProjectFileError};

/// The record command a new project file names: the cassettes recorded again by the tests.
pub(crate) const DEFAULT_RECORD_COMMAND: &str = "PROMPT_DIARY_RECORD_MODE=all cargo test";

/// A commented project file pinning `codex`, with the cassette folder `cassettes` (relative to
/// the file), every key explained, and the rules as commented-out examples.
pub(crate) fn template(codex: &str, cassettes: &str) -> String {
    format!(
        r#"# prompt-diary's project file. Every `prompt-diary` command and the `prompt-diary-codex`
# stand-in find it from the working directory upwards, like Cargo.toml.

# The Codex CLI version this project pins (X.Y.Z). `prompt-diary install-codex` installs it into
# .prompt-diary/codex/<version>/ beside this file; `prompt-diary upgrade-codex --to VERSION`
# re-records the cassettes on another one, and `--accept` then moves this line.
codex = {codex}

# The cassette folder, relative to this file.
cassettes = {cassettes}

# The command that records the cassettes again, shown in divergence reports.
record_command = {record_command}

# none: replay only, a missing cassette is an error (the default) | once: record a cassette
# that does not exist yet | new_episodes: record what a cassette lacks and append it | all:
# record everything again (a changed cassette waits as NAME.jsonl.new for review).
# Read as none under CI; PROMPT_DIARY_RECORD_MODE overrides it.
record_mode = "none"

# Values that differ from run to run (a date, a run id): each distinct value recorded as
# {{{{name:1}}}}, {{{{name:2}}}}, ..., matched by the pattern (a regular expression of the `regex`
# crate) on replay. A name may not be a built-in placeholder such as workspace or thread.
# [[volatile]]
# name = "date"
# pattern = '\d{{4}}-\d{{2}}-\d{{2}}'

# Your own secrets, redacted on top of the built-in kinds (cloud, VCS, chat, payment and
# model-provider keys, private keys, JWTs, ...).
# [[redact]]
# name = "acme-token"
# pattern = 'acme_[A-Za-z0-9]{{32}}'
"#,
        codex = toml_string(codex),
        cassettes = toml_string(cassettes),
        record_command = toml_string(DEFAULT_RECORD_COMMAND),
    )
}

/// Writes `text` as `dir/prompt-diary.toml`, refusing to replace a file already there.
pub(crate) fn write_new(dir: &Path, text: &str) -> Result<PathBuf, ProjectFileError> {
    let path = dir.join(PROJECT_FILE);
    let failed = |err: std::io::Error| ProjectFileError::Write {
        path: path.clone(),
        reason: err.to_string(),
    };
    let mut file = match std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&path)
    {
        Ok(file) => file,
        Err(err) if err.kind() == std::io::ErrorKind::AlreadyExists => {
            return Err(ProjectFileError::Exists { path });
        }
        Err(err) => return Err(failed(err)),
    };
    file.write_all(text.as_bytes()).map_err(failed)?;
    Ok(path)
}
