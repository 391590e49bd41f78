//! The readable text of a [`Timeline`] (what `prompt-diary inspect` prints without `--json`).

use std::fmt;

use serde_json::Value;

use crate::cassette::app_server::read::timeline::{Timeline, TurnView, clip};
use crate::cassette::effects::Effect;

impl fmt::Display for Timeline {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let h = &self.header;
        writeln!(f, "cassette {}", self.file.display())?;
        writeln!(
            f,
            "  scenario {} · format {} · Codex {} · recorded {}",
            h.scenario, h.format, h.codex_version, h.recorded_at
        )?;
        writeln!(
            f,
            "  protocol schema {}",
            h.schema_fingerprint().unwrap_or_default()
        )?;
        writeln!(f, "  re-record with: {}", h.record_command)?;
        if !h.backend_overrides().is_empty() {
            // What the app-server starts with: an MCP server here is a process that
            // `rerecord` starts only when the user names it (`--allow-mcp-server NAME`).
            writeln!(f, "  app-server settings (-c), applied when it starts:")?;
            for setting in h.backend_overrides() {
                writeln!(f, "    -c {setting}")?;
            }
        }
        for conv in &self.conversations {
            writeln!(f)?;
            let settings = if conv.settings.is_empty() {
                "default settings".to_owned()
            } else {
                Value::Object(conv.settings.clone()).to_string()
            };
            writeln!(
                f,
                "conversation {} (line {}): {settings}",
                conv.label, conv.line
            )?;
            for turn in &conv.turns {
                write_turn(f, turn)?;
            }
        }
        if let Some(exit) = &self.exit {
            writeln!(f)?;
            writeln!(f, "server exit: {}", exit.status)?;
        }
        Ok(())
    }
}

fn write_turn(f: &mut fmt::Formatter<'_>, turn: &TurnView) -> fmt::Result {
    let status = turn.status.as_deref().unwrap_or("never completed");
    let timing = turn
        .duration_ms
        .map_or_else(|| "time not recorded".to_owned(), |ms| format!("{ms} ms"));
    writeln!(
        f,
        "  turn {} (line {}) [{status}, {timing}]",
        turn.index, turn.line
    )?;
    writeln!(f, "    prompt: {}", clip(&turn.prompt))?;
    if turn.output_schema.is_some() {
        writeln!(f, "    output schema: yes")?;
    }
    for event in &turn.events {
        writeln!(
            f,
            "    line {:>4}  {:<13} {}",
            event.line, event.kind, event.summary
        )?;
    }
    if let Some(error) = &turn.error {
        writeln!(f, "    error: {}", clip(error))?;
    }
    for effect in &turn.files {
        let what = match effect {
            Effect::Write { path, text } => format!("wrote {path} ({} bytes)", text.len()),
            Effect::Hashed { path, len, .. } => format!("wrote {path} ({len} bytes, by hash)"),
            Effect::Delete { path } => format!("deleted {path}"),
        };
        writeln!(f, "    file: {what}")?;
    }
    Ok(())
}
