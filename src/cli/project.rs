//! `prompt-diary project`: what the project file found from a folder says, with the defaults
//! filled in. The Python and TypeScript helpers ask this (`--json`) instead of parsing TOML.

use std::path::PathBuf;

use clap::Args;
use serde_json::json;

use crate::project::{DEFAULT_CASSETTES, ProjectFile};

/// Arguments of `project`.
#[derive(Debug, Args)]
pub struct Project {
    /// Where to look for `prompt-diary.toml` (it and the folders above it); default: here.
    #[arg(long, default_value = ".")]
    dir: PathBuf,
    /// Print a JSON object instead of text.
    #[arg(long)]
    json: bool,
}

impl Project {
    /// Prints the project's settings; a bad project file is an error naming its file, line and
    /// key.
    pub fn run(self) -> anyhow::Result<()> {
        let dir = std::path::absolute(&self.dir)?;
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
        let value = json!({
            "file": found.as_ref().map(|f| f.path.display().to_string()),
            "root": file.root().display().to_string(),
            "cassettes": file.cassette_dir().display().to_string(),
            "codex": file.codex_version(),
            "record_mode": file.record_mode.map(|m| m.as_str()),
            "record_command": file.record_command,
            "volatile": rules(file.volatile.iter().map(|r| (r.name(), r.pattern().as_str())).collect()),
            "redact": rules(file.redact.iter().map(|r| (r.name(), r.pattern().as_str())).collect()),
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
