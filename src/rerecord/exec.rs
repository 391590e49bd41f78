//! Re-recording an exec cassette offline: the model's side is derived from the runs' events (each
//! completed message, command and MCP call becomes a scripted reply, in order), and each run is
//! made again through the stand-in in record mode with its command line and stdin, placeholders
//! bound to fresh paths and to the thread ids the new runs print. The binder is the replay's own
//! ([`Bindings`]): the model's replies, the command lines and stdin all go through it, so text
//! the cassette keeps escaped (`{{lbrace}}name}}`) is said again as written (`{{name}}`). The
//! stand-in writes the result as it would for any client: unchanged, or `<name>.jsonl.new` for
//! review.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use serde_json::Value;
use tokio::io::AsyncWriteExt as _;

use super::CodexHome;
use super::RerecordError;
use super::policy::HomePolicy;
use super::scenario::{Underivable, say_reply, shell_reply};
use crate::cassette::{
    Bindings, CODEX_HOME, ExecCassette, ExecInvocation, LAST_MESSAGE, OUTPUT_SCHEMA,
    RECORD_MODE_ENV, StdoutLine, TEMP_PATH, WriteOutcome, exec_bindings,
};
use crate::codex_bin::CODEX_BIN_ENV;
use crate::stand_in::CASSETTE_ENV;
use prompt_diary_scripted_model::{ConversationScript, Reply, Scenario, ScriptedModel, Streaming};

/// How long one re-recorded run may take.
const RUN_TIMEOUT: Duration = Duration::from_secs(300);

/// The scenario that makes the scripted model do again what the model did in the exec runs, its
/// texts said through `bindings` (escaped literals as written, bound placeholders filled).
pub(crate) fn exec_scenario_of(
    cassette: &ExecCassette,
    bindings: &Bindings,
) -> Result<Scenario, Underivable> {
    let mut replies = Vec::new();
    let mut underivable = Vec::new();
    // Reasoning and web searches lead to the message or call of the same response.
    let mut leading: Vec<Reply> = Vec::new();
    for run in &cassette.invocations {
        let schema = run.call.output_schema.is_some();
        for (index, line) in run.stdout.iter().enumerate() {
            let number = run.line + 1 + index;
            let StdoutLine::Json(event) = line else {
                continue;
            };
            match event["type"].as_str().unwrap_or("") {
                "item.completed" => match reply_of_exec_item(&event["item"], schema) {
                    Ok(Some(reply @ (Reply::Reasoning { .. } | Reply::WebSearch { .. }))) => {
                        leading.push(reply);
                    }
                    Ok(Some(reply)) if leading.is_empty() => replies.push(reply),
                    Ok(Some(reply)) => {
                        let mut items = std::mem::take(&mut leading);
                        items.push(reply);
                        replies.push(Reply::Response { items });
                    }
                    Ok(None) => {}
                    Err(what) => underivable.push((number, what)),
                },
                "turn.completed" => match leading.len() {
                    0 => {}
                    1 => replies.extend(leading.pop()),
                    _ => replies.push(Reply::Response {
                        items: std::mem::take(&mut leading),
                    }),
                },
                "turn.failed" | "error" => underivable.push((
                    number,
                    "a failed turn or an error event, which the scripted model cannot produce \
                     from an exec cassette yet"
                        .to_owned(),
                )),
                _ => {}
            }
        }
    }
    if !underivable.is_empty() {
        return Err(Underivable {
            cassette: cassette.path.clone(),
            lines: underivable,
        });
    }
    replies
        .iter_mut()
        .for_each(|reply| say_reply(reply, bindings));
    Ok(Scenario {
        name: cassette.header.scenario.clone(),
        conversations: vec![ConversationScript {
            r#match: None,
            replies,
        }],
        stream: Streaming::default(),
    })
}

/// The reply that makes the model produce `item` again; `Ok(None)` for an `error` item, a notice
/// of Codex's own (such as a model without metadata) that comes back by itself.
fn reply_of_exec_item(item: &Value, schema: bool) -> Result<Option<Reply>, String> {
    let text = |key: &str| item[key].as_str().unwrap_or_default().to_owned();
    let reply = match item["type"].as_str().unwrap_or("?") {
        "error" => return Ok(None),
        "agent_message" => {
            let body = text("text");
            match serde_json::from_str(&body) {
                Ok(value) if schema => Reply::Json { value },
                _ => Reply::Message { text: body },
            }
        }
        "command_execution" => shell_reply(&text("command"))?,
        "reasoning" => Reply::Reasoning {
            summary: text("text"),
        },
        "web_search" => Reply::WebSearch {
            query: Some(text("query"))
                .filter(|q| !q.is_empty())
                .ok_or("a web search without a query")?,
        },
        "mcp_tool_call" => Reply::McpTool {
            server: text("server"),
            tool: text("tool"),
            arguments: item.get("arguments").cloned().unwrap_or(Value::Null),
        },
        other => {
            return Err(format!(
                "a `{other}` item, which the scripted model cannot produce"
            ));
        }
    };
    Ok(Some(reply))
}

/// The `prompt-diary-codex` stand-in: beside this program, or one folder up (a test binary in
/// cargo's `deps`).
fn stand_in() -> Option<PathBuf> {
    let exe = std::env::current_exe().ok()?;
    let name = format!("prompt-diary-codex{}", std::env::consts::EXE_SUFFIX);
    exe.ancestors()
        .skip(1)
        .take(2)
        .map(|dir| dir.join(&name))
        .find(|p| p.is_file())
}

/// Re-records the exec cassette at `path` with the Codex at `codex_bin` (see the module).
///
/// One binder ([`Bindings`], the one replay uses) says every recorded text again: the workspace,
/// the homes and the temp folder bound before the first run, the schema and `-o` files for each
/// run, each `{{thread:N}}` once a run printed its new id; text the cassette keeps escaped is
/// sent as it was written.
pub(crate) async fn rerecord_exec(
    path: &Path,
    cassette: &ExecCassette,
    codex_bin: &Path,
) -> Result<WriteOutcome, RerecordError> {
    let io = |err: std::io::Error| {
        client_side(path, 1, format!("could not set up the re-recording: {err}"))
    };
    // The runs start in the scratch workspace: the stand-in is told the cassette's absolute path,
    // else it would record beside the runs and the cassette would read as unchanged.
    let cassette_path = std::path::absolute(path).map_err(io)?;
    let scratch = tempfile::tempdir().map_err(io)?;
    // The runs start here; a relative `-C DIR` names the workspace below it.
    let start = scratch.path().join("workspace");
    let workspace =
        match relative_cd(cassette).map_err(|(line, why)| client_side(path, line, why))? {
            Some(dir) => start.join(dir),
            None => start.clone(),
        };
    std::fs::create_dir_all(&workspace).map_err(io)?;
    let mut bindings = exec_bindings(&workspace, None);
    bindings.bind(TEMP_PATH, &scratch.path().display().to_string());
    carry_volatile(&cassette_path, cassette, scratch.path(), &mut bindings)
        .map_err(|why| client_side(path, 1, why))?;
    let scenario = exec_scenario_of(cassette, &bindings)?;
    let stand_in = stand_in().ok_or_else(|| {
        client_side(
            path,
            1,
            "the prompt-diary-codex stand-in is not beside this program; build it with `cargo \
             build`"
                .to_owned(),
        )
    })?;
    // Ended by `finish` below; an early return drops it without the test kit's panic.
    let model = ScriptedModel::start(scenario)
        .await
        .map_err(io)?
        .without_drop_check();
    let home = CodexHome::for_model_with(&model, &HomePolicy::default()).map_err(io)?;
    bindings.bind(CODEX_HOME, &home.path().display().to_string());
    let user_home = scratch.path().join("home");
    std::fs::create_dir_all(&user_home).map_err(io)?;
    let runner = StandInRun {
        stand_in: &stand_in,
        cassette: &cassette_path,
        user_home: &user_home,
        codex_bin,
        codex_home: home.path(),
        start: &start,
    };
    for (index, run) in cassette.invocations.iter().enumerate() {
        let args = run_args(run, index, scratch.path(), &mut bindings)
            .map_err(|reason| client_side(path, run.line, reason))?;
        let stdin = bindings.resolve_text(&run.call.stdin).into_owned();
        let out = runner
            .run(&args, &stdin)
            .await
            .map_err(|reason| client_side(path, run.line, reason))?;
        if out.status.code() != run.exit.code {
            return Err(client_side(
                path,
                run.line,
                exited_otherwise(&out, run.exit.code),
            ));
        }
        // The thread this run printed binds the placeholder its recording printed.
        let recorded = thread_started(run.stdout.iter().filter_map(|line| match line {
            StdoutLine::Json(event) => Some(event.clone()),
            StdoutLine::Text(_) => None,
        }));
        let printed = thread_started(
            String::from_utf8_lossy(&out.stdout)
                .lines()
                .filter_map(|line| serde_json::from_str(line).ok()),
        );
        if let (Some(placeholder), Some(id)) = (recorded, printed) {
            if bindings.get(&placeholder).is_none() {
                bindings.bind(&placeholder, &id);
            }
        }
    }
    model
        .finish()
        .await
        .map_err(|mismatch| super::error::diverged(path, super::error::calls_text(&mismatch)))?;
    outcome_of(path, &cassette_path)
}

/// What the stand-in made of the runs recorded into `absolute` (the cassette `path` names): the
/// `.new` beside it when the re-recording differs, else the cassette unchanged. Either must read
/// back as an exec cassette; one that does not is an error, never "unchanged".
fn outcome_of(path: &Path, absolute: &Path) -> Result<WriteOutcome, RerecordError> {
    let pending = crate::cassette::pending_path(absolute);
    let written = if pending.exists() { &pending } else { absolute };
    let text = std::fs::read_to_string(written).map_err(|err| {
        client_side(
            path,
            1,
            format!(
                "the re-recording {} could not be read: {err}",
                written.display()
            ),
        )
    })?;
    ExecCassette::parse(written, &text).map_err(|err| {
        client_side(
            path,
            1,
            format!(
                "the re-recording {} could not be read back: {err}",
                written.display()
            ),
        )
    })?;
    Ok(if pending.exists() {
        WriteOutcome::Pending {
            existing: path.to_owned(),
            pending: crate::cassette::pending_path(path),
        }
    } else {
        WriteOutcome::Unchanged(path.to_owned())
    })
}

/// The header's volatile rules carried into the runs: a value made for each recorded
/// placeholder, bound in `bindings`, and the runs recorded under the same rules and the
/// `[[redact]]` rules of the project the cassette at `path` is in (a project file in `scratch`,
/// above the workspace, which the stand-in finds).
fn carry_volatile(
    path: &Path,
    cassette: &ExecCassette,
    scratch: &Path,
    bindings: &mut Bindings,
) -> Result<(), String> {
    let rules = &cassette.header.volatile;
    let texts = cassette.invocations.iter().flat_map(|run| {
        run.call
            .args
            .iter()
            .map(String::as_str)
            .chain([run.call.stdin.as_str()])
    });
    super::volatile::bind_recorded(rules, texts, bindings)?;
    let redact = super::project_redact(path);
    if !rules.is_empty() || !redact.is_empty() {
        let file = scratch.join(crate::project::PROJECT_FILE);
        std::fs::write(file, super::volatile::project_file(rules, &redact))
            .map_err(|err| format!("could not set up the re-recording: {err}"))?;
    }
    Ok(())
}

/// The relative folder the runs name with `-C DIR`/`--cd DIR` (the recording's own spelling, such
/// as `ws`), which the scratch workspace is made as; `None` when no run names one (a run's
/// `{{workspace}}` is the workspace itself). Runs naming two different relative folders are
/// refused with the line of the second.
fn relative_cd(cassette: &ExecCassette) -> Result<Option<PathBuf>, (usize, String)> {
    let mut found: Option<PathBuf> = None;
    for run in &cassette.invocations {
        let mut args = run.call.args.iter();
        while let Some(arg) = args.next() {
            if !matches!(arg.as_str(), "-C" | "--cd") {
                continue;
            }
            let Some(dir) = args
                .next()
                .and_then(|v| super::untrusted::relative_folder(v))
            else {
                continue;
            };
            match &found {
                Some(earlier) if earlier != dir => {
                    return Err((
                        run.line,
                        format!(
                            "the runs name two working folders, `{}` and `{}`; re-recording \
                             makes one scratch workspace",
                            earlier.display(),
                            dir.display()
                        ),
                    ));
                }
                _ => found = Some(dir.to_owned()),
            }
        }
    }
    Ok(found)
}

/// Re-recording `path` failed at its `line`, for `reason`.
fn client_side(path: &Path, line: usize, reason: String) -> RerecordError {
    RerecordError::ClientSide {
        path: path.to_owned(),
        line,
        reason,
    }
}

/// The command line of `run` (the `index`-th) said again: its schema and `-o` files bound to
/// fresh ones under `scratch` (the schema written there), every argument through `bindings`.
/// A placeholder nothing bound is an error naming the argument.
fn run_args(
    run: &ExecInvocation,
    index: usize,
    scratch: &Path,
    bindings: &mut Bindings,
) -> Result<Vec<String>, String> {
    if run.call.args.iter().any(|arg| arg == OUTPUT_SCHEMA) {
        let file = scratch.join(format!("schema-{index}.json"));
        let schema = run.call.output_schema.clone().unwrap_or(Value::Null);
        std::fs::write(&file, schema.to_string())
            .map_err(|err| format!("could not set up the re-recording: {err}"))?;
        bindings.bind(OUTPUT_SCHEMA, &file.display().to_string());
    }
    let last = scratch.join(format!("last-{index}.txt"));
    bindings.bind(LAST_MESSAGE, &last.display().to_string());
    let mut args = Vec::with_capacity(run.call.args.len());
    for arg in &run.call.args {
        let mut unbound = false;
        let said = bindings.fill_text(arg, &mut |placeholder| {
            unbound = true;
            placeholder.to_owned()
        });
        if unbound {
            return Err(format!(
                "the argument {arg:?} names a placeholder no earlier run bound"
            ));
        }
        args.push(said.into_owned());
    }
    Ok(args)
}

/// The thread id of the first `thread.started` event among `events`.
fn thread_started(mut events: impl Iterator<Item = Value>) -> Option<String> {
    events
        .find(|event| event["type"] == "thread.started")
        .and_then(|event| event["thread_id"].as_str().map(str::to_owned))
}

/// What every re-recorded run shares: the stand-in, the cassette it records into, the Codex it
/// runs and that Codex's home, and the folder the runs start in (the workspace, or the folder
/// above it that a relative `-C DIR` names it from).
struct StandInRun<'a> {
    stand_in: &'a Path,
    cassette: &'a Path,
    user_home: &'a Path,
    codex_bin: &'a Path,
    codex_home: &'a Path,
    start: &'a Path,
}

impl StandInRun<'_> {
    /// Runs the stand-in in record mode with `args`, `stdin` written to it; its output, or why
    /// there is none.
    async fn run(&self, args: &[String], stdin: &str) -> Result<std::process::Output, String> {
        let mut child = tokio::process::Command::new(self.stand_in)
            .args(args)
            .current_dir(self.start)
            // Nothing of the user's environment but what Codex needs (`environment.rs`).
            .env_clear()
            .envs(super::environment::minimal(self.user_home))
            .env(CASSETTE_ENV, self.cassette)
            .env(RECORD_MODE_ENV, "all")
            .env(CODEX_BIN_ENV, self.codex_bin)
            .env("CODEX_HOME", self.codex_home)
            .env_remove("CI")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .map_err(|err| format!("could not start the stand-in: {err}"))?;
        if let Some(mut pipe) = child.stdin.take() {
            let _ = pipe.write_all(stdin.as_bytes()).await;
        }
        tokio::time::timeout(RUN_TIMEOUT, child.wait_with_output())
            .await
            .map_err(|_| format!("the run took longer than {RUN_TIMEOUT:?}"))?
            .map_err(|err| format!("the run's output: {err}"))
    }
}

/// Why a re-recorded run that ended with `out` where the recording shows exit code `recorded`
/// is not a re-recording: the stand-in's own complaint, else the new Codex's exit and the end of
/// its stderr.
fn exited_otherwise(out: &std::process::Output, recorded: Option<i32>) -> String {
    let stderr = String::from_utf8_lossy(&out.stderr);
    let recorded = recorded.map_or_else(|| "no exit code".to_owned(), |c| format!("exit code {c}"));
    let complaint = stderr
        .lines()
        .filter(|l| l.contains("prompt-diary stand-in:") && !l.contains("waits in"))
        .collect::<Vec<_>>();
    if !complaint.is_empty() {
        return format!(
            "the stand-in could not record the run ({}, the recording shows {recorded}): {}",
            out.status,
            complaint.join("; ")
        );
    }
    let tail: Vec<&str> = stderr.lines().rev().take(3).collect();
    let tail: Vec<&str> = tail.into_iter().rev().collect();
    format!(
        "the new Codex ended the run with {} where the recording shows {recorded}; its stderr \
         ends: {}; nothing was left for review: run it again to see whether it repeats",
        out.status,
        if tail.is_empty() {
            "(nothing)".to_owned()
        } else {
            tail.join(" | ")
        }
    )
}

#[cfg(test)]
mod tests;
