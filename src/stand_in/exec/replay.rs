//! Replaying a `codex exec` run: the recorded run it matches prints its events (fresh ids),
//! applies its workspace effects, writes its `-o` file and exits with its status.

use tokio::io::AsyncWriteExt as _;

use super::args::ExecArgs;
use super::{EXEC_RECORD_HINT, ExecInput};
use crate::cassette::{
    CassetteSettings, Effect, ExecReplay, ExecRequest, StdoutLine, apply_effects, exec_bindings,
    fill_exec_line,
};

/// Replays `exec` from the cassette `settings` name (with their `[[redact]]` patterns); returns the exit code (the recorded one; 1 on a
/// divergence, 2 when the cassette cannot be read; reports on stderr).
pub(super) async fn replay(exec: &ExecArgs, input: &ExecInput, settings: &CassetteSettings) -> i32 {
    let cassette = match ExecReplay::load(&settings.path, EXEC_RECORD_HINT) {
        Ok(cassette) => cassette.with_redact(&settings.redact),
        Err(err) => {
            eprintln!("prompt-diary stand-in: {err}");
            return 2;
        }
    };
    let stdin = String::from_utf8_lossy(&input.stdin);
    let request = ExecRequest {
        args: &exec.classified,
        stdin: &stdin,
        output_schema: input.output_schema.as_ref(),
        workspace: &input.workspace,
    };
    let run = match cassette.find(&request) {
        Ok(run) => run,
        Err(divergence) => {
            eprintln!("prompt-diary stand-in: {}", divergence.report());
            return 1;
        }
    };
    let mut bindings = exec_bindings(&input.workspace, exec.resume.as_deref());
    cassette.bind_volatile(&request, &mut bindings);
    let mut fresh = |p: &str| crate::cassette::exec_fresh_value(p);
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
            apply_effects(&input.workspace, &effects).map_err(|e| e.to_string())?;
        }
        Ok(())
    };
    let mut out = tokio::io::stdout();
    for line in &run.stdout {
        // Files are in place when the turn's end is printed, as they were live.
        if let StdoutLine::Json(value) = line {
            let kind = value.get("type").and_then(serde_json::Value::as_str);
            if matches!(kind, Some("turn.completed" | "turn.failed")) {
                if let Err(err) = apply(&mut applied) {
                    eprintln!("prompt-diary stand-in: {err}");
                    return 1;
                }
            }
        }
        let text = fill_exec_line(line, &mut bindings);
        let _ = out.write_all(text.as_bytes()).await;
        let _ = out.write_all(b"\n").await;
        let _ = out.flush().await;
    }
    if let Err(err) = apply(&mut applied) {
        eprintln!("prompt-diary stand-in: {err}");
        return 1;
    }
    if let (Some(file), Some(text)) = (&exec.last_message, &run.last_message) {
        let text = bindings.fill_text(text, &mut fresh).into_owned();
        if let Err(err) = std::fs::write(file, text) {
            eprintln!(
                "prompt-diary stand-in: could not write the -o file {}: {err}",
                file.display()
            );
            return 1;
        }
    }
    let code = run.exit.code.unwrap_or(1);
    if code != 0 {
        let mut err = tokio::io::stderr();
        for line in &run.exit.stderr_tail {
            let text = bindings.fill_text(line, &mut fresh).into_owned();
            let _ = err.write_all(format!("{text}\n").as_bytes()).await;
        }
    }
    code
}
