//! Replaying a `codex exec` run: the recorded run it matches prints its events (fresh ids),
//! applies its workspace effects, writes its `-o` file and exits with its status. In
//! `new_episodes`, a first run the cassette does not hold is recorded and appended instead.

use tokio::io::AsyncWriteExt as _;

use super::ExecInput;
use super::args::ExecArgs;
use crate::cassette::{
    Bindings, CassetteSettings, Effect, ExecInvocation, ExecReplay, ExecRequest, Fresh,
    RecordOptions, StdoutLine, apply_effects, exec_bindings, fill_exec_line,
};
use crate::stand_in::StandInError;

/// Replays `exec` from the cassette `settings` name (with their `[[redact]]` patterns;
/// `record_command` records it, for reports); returns the exit code (the recorded one; 1 on a divergence, 2 when the cassette cannot be
/// read; reports on stderr). With `episodes` (`new_episodes`), a first run the cassette does not
/// hold is recorded with those options and appended to it.
pub(super) async fn replay(
    exec: &ExecArgs,
    input: &ExecInput,
    settings: &CassetteSettings,
    record_command: &str,
    episodes: Option<&RecordOptions>,
) -> Result<i32, StandInError> {
    let path = &settings.path;
    let cassette = match ExecReplay::load(path, record_command) {
        Ok(cassette) => cassette.with_redact(&settings.redact),
        Err(err) => {
            crate::stand_in::report::failure(&err);
            return Ok(2);
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
        Err(_) if episodes.is_some() && exec.resume.is_none() => {
            let options = episodes
                .cloned()
                .unwrap_or_else(|| RecordOptions::new(path));
            return super::record::record(exec, input, &options, true).await;
        }
        Err(divergence) => {
            crate::stand_in::report::failure(&divergence.report());
            if episodes.is_some() {
                eprintln!(
                    "prompt-diary stand-in: new_episodes records only first runs the cassette \
                     lacks: a `resume` of a replayed thread cannot go on in a real Codex"
                );
            }
            return Ok(1);
        }
    };
    note_used_run(cassette.run_number(run));
    let mut bindings = exec_bindings(&input.workspace, exec.resume.as_deref());
    cassette.bind_volatile(&request, &mut bindings);
    Ok(play(exec, input, run, bindings, cassette.fresh()).await)
}

/// The variable naming a file where each replayed run's number (1-based, in cassette order) is
/// appended as a line: a test helper reads it to fail a test that left recorded runs unused.
pub(crate) const USED_RUNS_ENV: &str = "PROMPT_DIARY_USED_RUNS";

/// Appends `number` to the file `PROMPT_DIARY_USED_RUNS` names, if set; a failure to write is
/// said on stderr (the run itself goes on).
fn note_used_run(number: Option<usize>) {
    let (Some(file), Some(number)) = (std::env::var_os(USED_RUNS_ENV), number) else {
        return;
    };
    let written = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&file)
        .and_then(|mut out| std::io::Write::write_all(&mut out, format!("{number}\n").as_bytes()));
    if let Err(err) = written {
        eprintln!(
            "prompt-diary stand-in: could not note the replayed run in {USED_RUNS_ENV} ({}): {err}",
            std::path::Path::new(&file).display()
        );
    }
}

/// Plays the recorded `run` for `exec` with `bindings` (fresh values, the volatile values sent);
/// returns its exit code.
async fn play(
    exec: &ExecArgs,
    input: &ExecInput,
    run: &ExecInvocation,
    mut bindings: Bindings,
    mut made: Fresh<'_>,
) -> i32 {
    let mut fresh = |p: &str| crate::cassette::fresh_value(p, &mut made);
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
                    crate::stand_in::report::failure(&err);
                    return 1;
                }
            }
        }
        let text = fill_exec_line(line, &mut bindings, &mut fresh);
        let _ = out.write_all(text.as_bytes()).await;
        let _ = out.write_all(b"\n").await;
        let _ = out.flush().await;
    }
    if let Err(err) = apply(&mut applied) {
        crate::stand_in::report::failure(&err);
        return 1;
    }
    if let (Some(file), Some(text)) = (&exec.last_message, &run.last_message) {
        let text = bindings.fill_text(text, &mut fresh).into_owned();
        if let Err(err) = std::fs::write(file, text) {
            let report = format!("could not write the -o file {}: {err}", file.display());
            crate::stand_in::report::failure(&report);
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
