//! Reading `prompt-diary.toml`: the text parsed by the `toml` crate into spanned raw values, then
//! each value checked, so every error names the file, the line and the key.

use std::ops::Range;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use toml::Spanned;

use super::{ProjectFile, ProjectFileError};
use crate::cassette::{ModeFrom, RecordMode, RedactRule, RuleField, VolatileRule};
use crate::codex_bin::check_version;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Raw {
    codex: Option<Spanned<String>>,
    cassettes: Option<Spanned<String>>,
    record_command: Option<Spanned<String>>,
    record_mode: Option<Spanned<String>>,
    #[serde(default)]
    volatile: Vec<Spanned<RawVolatile>>,
    #[serde(default)]
    redact: Vec<Spanned<RawRedact>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawVolatile {
    name: Spanned<String>,
    pattern: Spanned<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRedact {
    name: Option<Spanned<String>>,
    pattern: Spanned<String>,
}

/// Parses `text`, the contents of the project file at `path`.
pub(super) fn parse(path: &Path, text: &str) -> Result<ProjectFile, ProjectFileError> {
    let at = |span: Range<usize>, key: &str, message: String| ProjectFileError::Invalid {
        path: path.to_owned(),
        line: line_of(text, span.start),
        key: key.to_owned(),
        message,
    };
    let raw: Raw = toml::from_str(text).map_err(|err| {
        let span = err.span().unwrap_or(0..0);
        let key = key_at(text, span.clone());
        at(span, &key, err.message().trim().to_owned())
    })?;
    let codex = match raw.codex {
        Some(version) => {
            check_version(version.get_ref())
                .map_err(|err| at(version.span(), "codex", err.to_string()))?;
            Some(version.into_inner())
        }
        None => None,
    };
    let record_mode = match raw.record_mode {
        Some(mode) => {
            let (parsed, note) = RecordMode::parse_from(mode.get_ref(), ModeFrom::ProjectFile)
                .map_err(|err| at(mode.span(), "record_mode", err.to_string()))?;
            if let Some(note) = note {
                tracing::warn!("{}: {note}", path.display());
            }
            Some(parsed)
        }
        None => None,
    };
    let cassettes = match raw.cassettes {
        Some(folder) if folder.get_ref().trim().is_empty() => {
            return Err(at(
                folder.span(),
                "cassettes",
                "the cassette folder is empty; name a folder relative to this file".into(),
            ));
        }
        Some(folder) => {
            let root = path.parent().unwrap_or(Path::new("."));
            inside(root, Path::new(folder.get_ref()))
                .map_err(|reason| at(folder.span(), "cassettes", reason))?;
            Some(PathBuf::from(folder.into_inner()))
        }
        None => None,
    };
    let mut volatile = Vec::new();
    let mut name_spans = Vec::new();
    for (index, rule) in raw.volatile.into_iter().enumerate() {
        let rule = rule.into_inner();
        let built = VolatileRule::new(rule.name.get_ref(), rule.pattern.get_ref());
        volatile.push(built.map_err(|err| {
            let span = match err.field() {
                RuleField::Name => rule.name.span(),
                RuleField::Pattern => rule.pattern.span(),
            };
            let key = format!("volatile[{index}].{}", err.field().key());
            at(span, &key, err.to_string())
        })?);
        name_spans.push(rule.name.span());
    }
    if let Some((index, rule)) = duplicate(&volatile) {
        return Err(at(
            name_spans[index].clone(),
            &format!("volatile[{index}].name"),
            format!(
                "two volatile rules are named {:?}; names must differ",
                rule.name()
            ),
        ));
    }
    let mut redact = Vec::new();
    for (index, rule) in raw.redact.into_iter().enumerate() {
        let rule = rule.into_inner();
        let name = rule.name.as_ref().map_or_else(
            || format!("project-pattern-{}", index + 1),
            |name| name.get_ref().clone(),
        );
        redact.push(
            RedactRule::new(&name, rule.pattern.get_ref()).map_err(|err| {
                let span = match (err.field(), &rule.name) {
                    (RuleField::Name, Some(name)) => name.span(),
                    _ => rule.pattern.span(),
                };
                let key = format!("redact[{index}].{}", err.field().key());
                at(span, &key, err.to_string())
            })?,
        );
    }
    Ok(ProjectFile {
        path: path.to_owned(),
        codex,
        cassettes,
        record_command: raw.record_command.map(Spanned::into_inner),
        record_mode,
        volatile,
        redact,
    })
}

/// Checks that the cassette folder `folder` (as written) stays inside the project's `root`,
/// symbolic links resolved: the part of it that exists is resolved, the rest taken as written.
fn inside(root: &Path, folder: &Path) -> Result<(), String> {
    let shown = folder.display();
    let root = std::path::absolute(root).unwrap_or_else(|_| root.to_owned());
    let real_root = std::fs::canonicalize(&root).unwrap_or_else(|_| root.clone());
    // The deepest part of the folder that exists, resolved; the rest applied lexically.
    let joined = root.join(folder);
    let mut existing = joined.as_path();
    let mut rest = Vec::new();
    let resolved = loop {
        if let Ok(real) = std::fs::canonicalize(existing) {
            break real;
        }
        match (existing.parent(), existing.file_name()) {
            (Some(parent), Some(name)) => {
                rest.push(name.to_owned());
                existing = parent;
            }
            _ => break existing.to_owned(),
        }
    };
    let mut target = resolved;
    for part in rest.iter().rev() {
        target.push(part);
    }
    let mut clean = PathBuf::new();
    for part in target.components() {
        match part {
            std::path::Component::ParentDir => {
                clean.pop();
            }
            std::path::Component::CurDir => {}
            other => clean.push(other),
        }
    }
    if clean.starts_with(&real_root) {
        return Ok(());
    }
    Err(format!(
        "the cassette folder {shown:?} resolves to {}, outside the project {}; cassettes live \
         inside the project: name a folder under it, relative to this file",
        clean.display(),
        real_root.display()
    ))
}

/// The first rule whose name an earlier rule already has.
fn duplicate(rules: &[VolatileRule]) -> Option<(usize, &VolatileRule)> {
    rules
        .iter()
        .enumerate()
        .find(|(i, rule)| rules[..*i].iter().any(|other| other.name() == rule.name()))
}

/// The 1-based line of byte `offset` in `text`.
fn line_of(text: &str, offset: usize) -> usize {
    text.get(..offset.min(text.len()))
        .map_or(1, |before| before.matches('\n').count() + 1)
}

/// The key written at the start of the line `span` starts on, for errors the `toml` crate
/// reports by position only (an unknown key, a value of the wrong type).
fn key_at(text: &str, span: Range<usize>) -> String {
    let start = text
        .get(..span.start.min(text.len()))
        .and_then(|before| before.rfind('\n'))
        .map_or(0, |newline| newline + 1);
    let line = text[start..].lines().next().unwrap_or("");
    line.split_once('=')
        .map(|(key, _)| key.trim().trim_matches('"').to_owned())
        .filter(|key| !key.is_empty())
        .unwrap_or_else(|| line.trim().to_owned())
}
