//! `prompt-diary project`: what the project file found from a folder says, with the defaults
//! filled in, and (`--test`) where a Python or JavaScript test's cassette lives. The Python and
//! TypeScript helpers ask this (`--json`) instead of parsing TOML or deciding paths themselves.

use std::path::PathBuf;

use clap::{Args, ValueEnum};
use serde_json::json;

use crate::project::{DEFAULT_CASSETTES, ProjectFile, TestRunner, test_cassette};

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
        let value = json!({
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
        if self.json {
            return super::print_line(&serde_json::to_string_pretty(&value)?);
        }
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
        super::print_out(&text)
    }
}
