//! Moving a project's pin (`prompt-diary upgrade-codex --accept`): only the `codex = "..."` line
//! of `prompt-diary.toml` is rewritten, every other byte kept; a file without the key gets the
//! line, a project without a file gets a minimal one.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use super::{ProjectFile, ProjectFileError, parse};
use crate::codex_bin::check_version;

/// What [`move_pin`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum PinMoved {
    /// The file's `codex` line now names the version (it named `from`, or had no `codex` key).
    Moved {
        /// The project file.
        path: PathBuf,
        /// The version it named before, if it named one.
        from: Option<String>,
    },
    /// There was no project file: a minimal one now pins the version.
    Created {
        /// The new project file.
        path: PathBuf,
    },
}

/// Makes the project file at `path` pin `version` (checked first): rewrites only its
/// `codex = "..."` line (or adds one), or creates a minimal file when there is none. The result
/// is read back before it is written: anything but the pin changing is refused.
pub(crate) fn move_pin(path: &Path, version: &str) -> Result<PinMoved, ProjectFileError> {
    let refused = |reason: String| ProjectFileError::Write {
        path: path.to_owned(),
        reason,
    };
    check_version(version).map_err(|err| refused(err.to_string()))?;
    if !path.exists() {
        let text = format!(
            "# prompt-diary's project file (`prompt-diary init --print` shows every key).\n\
             codex = {}\n",
            toml_string(version)
        );
        write_atomic(path, &text)?;
        return Ok(PinMoved::Created {
            path: path.to_owned(),
        });
    }
    let before = ProjectFile::load(path)?;
    let text = std::fs::read_to_string(path).map_err(|err| refused(err.to_string()))?;
    let moved = rewrite(&text, version);
    let expected = ProjectFile {
        codex: Some(version.to_owned()),
        ..before.clone()
    };
    if parse::parse(path, &moved).ok().as_ref() != Some(&expected) {
        return Err(refused(format!(
            "its `codex` line could not be rewritten on its own; set `codex = \"{version}\"` \
             there by hand"
        )));
    }
    write_atomic(path, &moved)?;
    Ok(PinMoved::Moved {
        path: path.to_owned(),
        from: before.codex,
    })
}

/// `text` with the value of its top-level `codex` key replaced by `version`, or with a
/// `codex = "version"` line added before the first table (at the end when there is none).
fn rewrite(text: &str, version: &str) -> String {
    let value = toml_string(version);
    let mut offset = 0;
    let mut first_table = None;
    for line in text.split_inclusive('\n') {
        let trimmed = line.trim_start();
        if trimmed.starts_with('[') {
            first_table = Some(offset);
            break;
        }
        if let Some(span) = codex_value(line) {
            let (start, end) = (offset + span.0, offset + span.1);
            return format!("{}{value}{}", &text[..start], &text[end..]);
        }
        offset += line.len();
    }
    let added = format!("codex = {value}\n");
    match first_table {
        Some(at) => format!("{}{added}{}", &text[..at], &text[at..]),
        None if text.is_empty() || text.ends_with('\n') => format!("{text}{added}"),
        None => format!("{text}\n{added}"),
    }
}

/// The byte range of the string value on `line` when the line sets the `codex` key
/// (`codex = "0.171.0"  # comment`).
fn codex_value(line: &str) -> Option<(usize, usize)> {
    let indent = line.len() - line.trim_start().len();
    let rest = &line[indent..];
    let key_len = ["codex", "\"codex\"", "'codex'"]
        .iter()
        .find(|key| rest.starts_with(**key))?
        .len();
    let after_key = &rest[key_len..];
    let eq = after_key.trim_start();
    let eq = eq.strip_prefix('=')?;
    let value = eq.trim_start();
    let start = line.len() - value.len();
    let quote = value.chars().next().filter(|c| *c == '"' || *c == '\'')?;
    let close = value[1..].find(quote)?;
    if value[1..=close].contains('\\') {
        return None;
    }
    Some((start, start + close + 2))
}

/// Writes `text` to `path` through a temp file in the same folder and a rename.
fn write_atomic(path: &Path, text: &str) -> Result<(), ProjectFileError> {
    let failed = |err: std::io::Error| ProjectFileError::Write {
        path: path.to_owned(),
        reason: err.to_string(),
    };
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let mut file = tempfile::Builder::new()
        .prefix(".prompt-diary-toml-")
        .tempfile_in(dir)
        .map_err(failed)?;
    file.write_all(text.as_bytes()).map_err(failed)?;
    file.persist(path).map_err(|err| failed(err.error))?;
    Ok(())
}

/// `text` as a TOML basic string.
pub(super) fn toml_string(text: &str) -> String {
    let mut quoted = String::from("\"");
    for c in text.chars() {
        match c {
            '"' => quoted.push_str("\\\""),
            '\\' => quoted.push_str("\\\\"),
            c if c.is_control() => quoted.push_str(&format!("\\u{:04X}", u32::from(c))),
            c => quoted.push(c),
        }
    }
    quoted.push('"');
    quoted
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_codex_value_changes() {
        let text = "# pin\ncodex = \"0.171.0\"   # the pin\ncassettes = \"c\"\n\n[[volatile]]\nname = \"date\"\npattern = '\\d+'\n";
        assert_eq!(
            rewrite(text, "0.163.0"),
            text.replace("\"0.171.0\"", "\"0.163.0\"")
        );
        let spaced = "  'codex'='1.0.0'\r\n";
        assert_eq!(rewrite(spaced, "2.0.0"), "  'codex'=\"2.0.0\"\r\n");
    }

    #[test]
    fn a_file_without_the_key_gets_the_line_before_its_first_table() {
        assert_eq!(
            rewrite("cassettes = \"c\"\n[[redact]]\npattern = 'x'\n", "1.2.3"),
            "cassettes = \"c\"\ncodex = \"1.2.3\"\n[[redact]]\npattern = 'x'\n"
        );
        assert_eq!(
            rewrite("# only a comment", "1.2.3"),
            "# only a comment\ncodex = \"1.2.3\"\n"
        );
        assert_eq!(
            rewrite("[[volatile]]\ncodex = 1\n", "1.2.3"),
            "codex = \"1.2.3\"\n[[volatile]]\ncodex = 1\n",
            "a `codex` inside a table is not the pin"
        );
    }

    #[test]
    fn moving_keeps_every_other_byte_and_creating_says_so() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(super::super::PROJECT_FILE);
        assert_eq!(
            move_pin(&path, "0.163.0").unwrap(),
            PinMoved::Created { path: path.clone() }
        );
        assert_eq!(ProjectFile::load(&path).unwrap().codex_version(), "0.163.0");
        let text = super::super::template("0.171.0", "tests/cassettes");
        std::fs::write(&path, &text).unwrap();
        assert_eq!(
            move_pin(&path, "0.163.0").unwrap(),
            PinMoved::Moved {
                path: path.clone(),
                from: Some("0.171.0".into())
            }
        );
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            text.replace("codex = \"0.171.0\"", "codex = \"0.163.0\"")
        );
        let err = move_pin(&path, "../x").unwrap_err().to_string();
        assert!(err.contains("is not a Codex release version"), "{err}");
        assert_eq!(ProjectFile::load(&path).unwrap().codex_version(), "0.163.0");
        let entries = std::fs::read_dir(dir.path()).unwrap().count();
        assert_eq!(entries, 1, "no temp file is left");
    }

    #[test]
    fn an_escaped_or_odd_value_is_refused_and_nothing_written() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(super::super::PROJECT_FILE);
        let text = "codex = \"\"\"0.171.0\"\"\"\n";
        std::fs::write(&path, text).unwrap();
        let err = move_pin(&path, "0.163.0").unwrap_err().to_string();
        assert!(
            err.contains("set `codex = \"0.163.0\"` there by hand"),
            "{err}"
        );
        assert_eq!(std::fs::read_to_string(&path).unwrap(), text);
    }
}
