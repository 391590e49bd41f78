//! `prompt-diary project`: what the project file found from a folder says, with the defaults
//! filled in, and (`--test`) where a Python or JavaScript test's cassette lives and what to do
//! with it: the record mode in effect (`--record-mode`, the environment, the file; CI never
//! records), whether it is missing, and the real Codex a recording goes through. The Python and
//! TypeScript helpers ask this (`--json`) instead of parsing TOML, modes or cassettes, or
//! deciding paths themselves.

use std::path::{Path, PathBuf};

use clap::{Args, ValueEnum};
use serde_json::{Value, json};

use crate::cassette::{FlagMode, RecordMode};
use crate::codex_bin::{BinarySource, codex_to_record_with};
use crate::project::{DEFAULT_CASSETTES, ProjectFile, TestPlan, TestRunner, test_cassette};

/// Arguments of `project`.
#[derive(Debug, Args)]
pub(crate) struct Project {
    /// Where to look for `prompt-diary.toml` (it and the folders above it); default: the test
    /// file's folder with `--test-file`, else here. Without a project file, the cassette folder
    /// is `cassettes/` in this folder.
    #[arg(long)]
    dir: Option<PathBuf>,
    /// Print a JSON object instead of text.
    #[arg(long)]
    json: bool,
    /// The test file whose cassette to name (with `--test`).
    #[arg(long, requires = "test")]
    test_file: Option<PathBuf>,
    /// A part of the test's name, in order (pytest: the node id's parts after the file; vitest:
    /// `describe` blocks, then the test); prints the test's cassette (`cassette`).
    #[arg(long = "test", value_name = "NAME")]
    test: Vec<String>,
    /// Whose naming the cassette path follows.
    #[arg(long, value_enum, default_value = "pytest")]
    runner: Runner,
    /// The record mode the runner's own option asks for (pytest's `--codex-record-mode`): over
    /// `PROMPT_DIARY_RECORD_MODE` and the file, refused under CI unless `none`. With it or
    /// `--test`, the answer says the mode in effect (`mode`, `mode_source`), `missing`,
    /// `check_unused`, `records` and the real Codex a recording goes through (`real_codex`,
    /// installed first when the project's pin is missing).
    #[arg(long, value_name = "MODE")]
    record_mode: Option<String>,
}

/// The test runners `--runner` takes.
#[derive(Debug, Clone, Copy, ValueEnum)]
enum Runner {
    /// pytest: `<cassettes>/<file stem>/<names joined by .>.jsonl`.
    Pytest,
    /// vitest and jest: `<cassettes>/<file's path from the root>/<name parts>.jsonl`.
    Vitest,
}

impl Project {
    /// Prints the project's settings; a bad project file is an error naming its file, line and
    /// key.
    pub(crate) fn run(self) -> anyhow::Result<()> {
        let test_file = self
            .test_file
            .as_deref()
            .map(std::path::absolute)
            .transpose()?;
        let dir = match (&self.dir, &test_file) {
            (Some(dir), _) => std::path::absolute(dir)?,
            (None, Some(file)) => file.parent().map_or_else(|| ".".into(), ToOwned::to_owned),
            (None, None) => std::path::absolute(".")?,
        };
        let found = ProjectFile::find(&dir)?;
        let file = found.clone().unwrap_or_else(|| ProjectFile {
            path: dir.join(crate::project::PROJECT_FILE),
            ..ProjectFile::default()
        });
        let rules = |rules: Vec<(&str, &str)>| {
            rules
                .into_iter()
                .map(|(name, pattern)| json!({"name": name, "pattern": pattern}))
                .collect::<Vec<_>>()
        };
        let runner = match self.runner {
            Runner::Pytest => TestRunner::Pytest,
            Runner::Vitest => TestRunner::Vitest,
        };
        let cassette = (!self.test.is_empty())
            .then(|| test_cassette(&file, test_file.as_deref(), &self.test, runner));
        let plan = if self.test.is_empty() && self.record_mode.is_none() {
            None
        } else {
            Some(self.plan(found.as_ref(), &dir, cassette.clone(), runner)?)
        };
        let mut value = json!({
            "file": found.as_ref().map(|f| f.path.display().to_string()),
            "root": file.root().display().to_string(),
            "cassettes": file.cassette_dir().display().to_string(),
            "codex": file.codex_version(),
            "record_mode": file.record_mode.map(|m| m.as_str()),
            "record_command": file.record_command,
            "volatile": rules(file.volatile.iter().map(|r| (r.name(), r.pattern().as_str())).collect()),
            "redact": rules(file.redact.iter().map(|r| (r.name(), r.pattern().as_str())).collect()),
            "cassette": cassette.as_ref().map(|c| c.display().to_string()),
        });
        if let (Some(plan), Value::Object(map)) = (&plan, &mut value) {
            map.extend(plan_json(plan, found.as_ref())?);
        }
        if self.json {
            return super::print_line(&serde_json::to_string_pretty(&value)?);
        }
        super::print_out(&as_text(
            &value,
            &file,
            &dir,
            cassette.as_ref(),
            plan.as_ref(),
        ))
    }
}

impl Project {
    /// The plan for the test (or the session) in this process's environment; notes (old names)
    /// on stderr.
    fn plan(
        &self,
        found: Option<&ProjectFile>,
        dir: &Path,
        cassette: Option<PathBuf>,
        runner: TestRunner,
    ) -> anyhow::Result<TestPlan> {
        let flag = match &self.record_mode {
            Some(asked) => {
                let (mode, note) = RecordMode::parse(asked).map_err(anyhow::Error::msg)?;
                if let Some(note) = note {
                    super::print_err(&format!("note: {note}"));
                }
                let flag = match runner {
                    TestRunner::Pytest => "--codex-record-mode",
                    TestRunner::Vitest => "--record-mode",
                };
                Some(FlagMode { flag, mode })
            }
            None => None,
        };
        let env = |key: &str| std::env::var(key).ok();
        let mut note = |note: String| super::print_err(&format!("note: {note}"));
        Ok(TestPlan::new(found, dir, cassette, flag, &env, &mut note)?)
    }
}

/// The plan's keys of `project --json`; the real Codex is found (installed when the project's
/// pin is missing, progress on stderr) only when the plan records.
fn plan_json(
    plan: &TestPlan,
    found: Option<&ProjectFile>,
) -> anyhow::Result<serde_json::Map<String, Value>> {
    let real_codex = if plan.records() {
        let (path, source) = codex_to_record_with(found.map(ProjectFile::pin), super::print_err)?;
        let source = match (source, found) {
            (BinarySource::LocalInstall, Some(file)) => format!(
                "Codex {} pinned in {} (prompt-diary install-codex)",
                file.codex_version(),
                file.path.display()
            ),
            (BinarySource::LocalInstall, None) => "the project-local install".to_owned(),
            (BinarySource::Environment, _) => crate::codex_bin::CODEX_BIN_ENV.to_owned(),
            (BinarySource::Path | BinarySource::Explicit, _) => "codex on PATH".to_owned(),
        };
        json!({"path": path.display().to_string(), "source": source})
    } else {
        Value::Null
    };
    let mut map = serde_json::Map::new();
    for (key, value) in [
        ("mode", json!(plan.mode.as_str())),
        ("mode_source", json!(plan.source)),
        ("exists", json!(plan.exists)),
        ("missing", json!(plan.missing())),
        ("records", json!(plan.records())),
        ("check_unused", json!(plan.check_unused())),
        ("real_codex", real_codex),
    ] {
        map.insert(key.to_owned(), value);
    }
    Ok(map)
}

/// `project`'s text for people.
fn as_text(
    value: &Value,
    file: &ProjectFile,
    dir: &Path,
    cassette: Option<&PathBuf>,
    plan: Option<&TestPlan>,
) -> String {
    let mut text = match &value["file"] {
        serde_json::Value::String(path) => format!("project file: {path}\n"),
        _ => format!(
            "no prompt-diary.toml in {} or above: the defaults hold (`prompt-diary init` writes one)\n",
            dir.display()
        ),
    };
    text.push_str(&format!(
        "cassettes:   {}{}\ncodex:       {}\nrecord mode: {}\n",
        file.cassette_dir().display(),
        if file.cassettes.is_none() {
            format!(" (default `{DEFAULT_CASSETTES}`)")
        } else {
            String::new()
        },
        file.codex_version(),
        file.record_mode.map_or("none (default)", |m| m.as_str()),
    ));
    if let Some(cassette) = &cassette {
        text.push_str(&format!("cassette:    {}\n", cassette.display()));
    }
    if let Some(plan) = &plan {
        text.push_str(&format!("mode now:    {} ({})\n", plan.mode, plan.source));
    }
    text.push_str(&format!(
        "record command: {}\n",
        file.record_command
            .as_deref()
            .unwrap_or("none (reports name the default commands)")
    ));
    let mut rules = |kind: &str, list: Vec<(&str, String)>| {
        if list.is_empty() {
            text.push_str(&format!("{kind}: none\n"));
        }
        for (name, pattern) in list {
            text.push_str(&format!("{kind}: {name} = {pattern:?}\n"));
        }
    };
    rules(
        "volatile",
        file.volatile
            .iter()
            .map(|r| (r.name(), r.pattern().to_string()))
            .collect(),
    );
    rules(
        "redact",
        file.redact
            .iter()
            .map(|r| (r.name(), r.pattern().to_string()))
            .collect(),
    );
    text
}
