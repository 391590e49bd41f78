//! Playing a recorded `codex exec` run back: its events printed with fresh values, its workspace
//! effects applied when its turn ends (as they were live), its `-o` file written, its stderr tail
//! said when it failed, and its exit code returned. The stand-in finds the run and calls this.

use std::path::Path;

use tokio::io::{AsyncWrite, AsyncWriteExt as _};

use crate::cassette::effects::{Effect, apply as apply_effects};
use crate::cassette::exec::format::{ExecInvocation, StdoutLine};
use crate::cassette::exec::replayer::fill_line;
use crate::cassette::normalize::Bindings;
use crate::cassette::normalize::placeholder::{Fresh, fresh_value};

/// What a replayed run was given besides its recording.
#[derive(Debug)]
pub(crate) struct Stage<'a> {
    /// The run's working directory, where its effects go.
    pub(crate) workspace: &'a Path,
    /// The `-o` file the caller asked for, if any.
    pub(crate) last_message: Option<&'a Path>,
}

/// Plays `run` on `stage` with `bindings` (fresh values, the volatile values sent) and `made`
/// (how unbound placeholders get values): its stdout lines to `out`, its stderr tail to `err` when
/// it failed. Returns its exit code (1 when it was killed by a signal), or why it could not be
/// played (an effect or the `-o` file could not be written).
pub(crate) async fn play(
    run: &ExecInvocation,
    stage: &Stage<'_>,
    mut bindings: Bindings,
    mut made: Fresh<'_>,
    out: &mut (impl AsyncWrite + Unpin),
    err: &mut (impl AsyncWrite + Unpin),
) -> Result<i32, String> {
    let mut fresh = |p: &str| fresh_value(p, &mut made);
    let effects: Vec<Effect> = run
        .effects
        .iter()
        .map(|effect| match effect {
            Effect::Write { path, text } => Effect::Write {
                path: path.clone(),
                text: bindings.fill_text(text, &mut fresh).into_owned(),
            },
            other => other.clone(),
        })
        .collect();
    let mut applied = false;
    let apply = |applied: &mut bool| -> Result<(), String> {
        if !*applied {
            *applied = true;
            apply_effects(stage.workspace, &effects).map_err(|e| e.to_string())?;
        }
        Ok(())
    };
    for line in &run.stdout {
        // Files are in place when the turn's end is printed, as they were live.
        if let StdoutLine::Json(value) = line {
            let kind = value.get("type").and_then(serde_json::Value::as_str);
            if matches!(kind, Some("turn.completed" | "turn.failed")) {
                apply(&mut applied)?;
            }
        }
        let text = fill_line(line, &mut bindings, &mut fresh);
        let _ = out.write_all(text.as_bytes()).await;
        let _ = out.write_all(b"\n").await;
        let _ = out.flush().await;
    }
    apply(&mut applied)?;
    if let (Some(file), Some(text)) = (stage.last_message, &run.last_message) {
        let text = bindings.fill_text(text, &mut fresh).into_owned();
        std::fs::write(file, text)
            .map_err(|e| format!("could not write the -o file {}: {e}", file.display()))?;
    }
    let code = run.exit.code.unwrap_or(1);
    if code != 0 {
        for line in &run.exit.stderr_tail {
            let text = bindings.fill_text(line, &mut fresh).into_owned();
            let _ = err.write_all(format!("{text}\n").as_bytes()).await;
        }
    }
    Ok(code)
}
