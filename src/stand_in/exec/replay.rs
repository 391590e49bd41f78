//! Replaying a `codex exec` run: the recorded run it matches is played back by the cassette's
//! exec room (its events with fresh ids, its workspace effects, its `-o` file, its status). In
//! `new_episodes`, a first run the cassette does not hold is recorded and appended instead.

use super::ExecInput;
use super::args::ExecArgs;
use crate::cassette::{
    Bindings, CassetteSettings, ExecInvocation, ExecReplay, ExecRequest, ExecStage, Fresh,
    RecordOptions, exec_bindings, play_exec_run,
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

/// Plays the recorded `run` for `exec` ([`play_exec_run`]) on stdout and stderr; returns its
/// exit code, 1 (reported) when it could not be played.
async fn play(
    exec: &ExecArgs,
    input: &ExecInput,
    run: &ExecInvocation,
    bindings: Bindings,
    made: Fresh<'_>,
) -> i32 {
    let stage = ExecStage {
        workspace: &input.workspace,
        last_message: exec.last_message.as_deref(),
    };
    let (mut out, mut err) = (tokio::io::stdout(), tokio::io::stderr());
    match play_exec_run(run, &stage, bindings, made, &mut out, &mut err).await {
        Ok(code) => code,
        Err(report) => {
            crate::stand_in::report::failure(&report);
            1
        }
    }
}
