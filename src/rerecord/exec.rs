//! Re-recording an exec cassette offline: the model's side is derived from the runs' events (each
//! completed message, command and MCP call becomes a scripted reply, in order), and each run is
//! made again through the stand-in in record mode with its command line and stdin, placeholders
//! bound to fresh paths and to the thread ids the new runs print. The stand-in writes the result as
//! it would for any client: unchanged, or `<name>.jsonl.new` for review.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use serde_json::Value;
use tokio::io::AsyncWriteExt as _;

use super::CodexHome;
use super::run::RerecordError;
use super::scenario::{Underivable, unwrap_shell};
use crate::cassette::{ExecCassette, StdoutLine, WriteOutcome};
use prompt_diary_scripted_model::{ConversationScript, Reply, Scenario, ScriptedModel, Streaming};

/// How long one re-recorded run may take.
const RUN_TIMEOUT: Duration = Duration::from_secs(300);

/// The scenario that makes the scripted model do again what the model did in the exec runs.
pub(crate) fn exec_scenario_of(cassette: &ExecCassette) -> Result<Scenario, Underivable> {
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
        "command_execution" => {
            let command = text("command");
            let cmd = unwrap_shell(&command)
                .ok_or_else(|| format!("a command run other than through `bash -c`: {command}"))?;
            Reply::Shell { cmd }
        }
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
pub(crate) async fn rerecord_exec(
    path: &Path,
    cassette: &ExecCassette,
    codex_bin: &Path,
) -> Result<WriteOutcome, RerecordError> {
    let scenario = exec_scenario_of(cassette)?;
    let fail = |line: usize, reason: String| RerecordError::ClientSide {
        path: path.to_owned(),
        line,
        reason,
    };
    let stand_in = stand_in().ok_or_else(|| {
        fail(
            1,
            "the prompt-diary-codex stand-in is not beside this program; build it with `cargo \
             build`"
                .to_owned(),
        )
    })?;
    let io = |err: std::io::Error| fail(1, format!("could not set up the re-recording: {err}"));
    // Ended by `finish` below; an early return drops it without the test kit's panic.
    let model = ScriptedModel::start(scenario)
        .await
        .map_err(io)?
        .without_drop_check();
    let home = CodexHome::for_model(&model).map_err(io)?;
    let scratch = tempfile::tempdir().map_err(io)?;
    let workspace = scratch.path().join("workspace");
    std::fs::create_dir_all(&workspace).map_err(io)?;
    let pending = crate::cassette::pending_path(path);
    let mut threads: Vec<(String, String)> = Vec::new();
    for (index, run) in cassette.invocations.iter().enumerate() {
        let bind = |text: &str| -> String {
            let mut out = text.replace("{{workspace}}", &workspace.display().to_string());
            for (placeholder, id) in &threads {
                out = out.replace(placeholder.as_str(), id);
            }
            out
        };
        let mut args = Vec::new();
        for arg in &run.call.args {
            args.push(match arg.as_str() {
                "{{output_schema}}" => {
                    let file = scratch.path().join(format!("schema-{index}.json"));
                    let schema = run.call.output_schema.clone().unwrap_or(Value::Null);
                    std::fs::write(&file, schema.to_string()).map_err(io)?;
                    file.display().to_string()
                }
                "{{last_message}}" => scratch
                    .path()
                    .join(format!("last-{index}.txt"))
                    .display()
                    .to_string(),
                "{{temp_path}}" => scratch.path().display().to_string(),
                other => bind(other),
            });
        }
        if let Some(left) = args.iter().find(|a| a.contains("{{")) {
            return Err(fail(
                run.line,
                format!("the argument {left:?} names a placeholder no earlier run bound"),
            ));
        }
        let mut child = tokio::process::Command::new(&stand_in)
            .args(&args)
            .current_dir(&workspace)
            .env("PROMPT_DIARY_CASSETTE", path)
            .env("PROMPT_DIARY_CASSETTE_MODE", "record")
            .env("PROMPT_DIARY_CODEX_BIN", codex_bin)
            .env("CODEX_HOME", home.path())
            .env_remove("CI")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .map_err(|err| fail(run.line, format!("could not start the stand-in: {err}")))?;
        if let Some(mut stdin) = child.stdin.take() {
            let _ = stdin.write_all(bind(&run.call.stdin).as_bytes()).await;
        }
        let out = tokio::time::timeout(RUN_TIMEOUT, child.wait_with_output())
            .await
            .map_err(|_| {
                fail(
                    run.line,
                    format!("the run took longer than {RUN_TIMEOUT:?}"),
                )
            })?
            .map_err(|err| fail(run.line, format!("the run's output: {err}")))?;
        if out.status.code() != run.exit.code {
            return Err(fail(run.line, exited_otherwise(&out, run.exit.code)));
        }
        // The thread this run printed binds the placeholder its recording printed.
        let started = |lines: Vec<Value>| {
            lines
                .into_iter()
                .find(|e| e["type"] == "thread.started")
                .and_then(|e| e["thread_id"].as_str().map(str::to_owned))
        };
        let recorded = started(
            run.stdout
                .iter()
                .filter_map(|l| match l {
                    StdoutLine::Json(v) => Some(v.clone()),
                    StdoutLine::Text(_) => None,
                })
                .collect(),
        );
        let fresh = started(
            String::from_utf8_lossy(&out.stdout)
                .lines()
                .filter_map(|l| serde_json::from_str(l).ok())
                .collect(),
        );
        if let (Some(placeholder), Some(id)) = (recorded, fresh) {
            if !threads.iter().any(|(p, _)| *p == placeholder) {
                threads.push((placeholder, id));
            }
        }
    }
    model
        .finish()
        .await
        .map_err(|mismatch| super::run::diverged(path, super::run::calls_text(&mismatch)))?;
    Ok(if pending.exists() {
        WriteOutcome::Pending {
            existing: path.to_owned(),
            pending,
        }
    } else {
        WriteOutcome::Unchanged(path.to_owned())
    })
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
mod tests {
    use super::*;

    const HEADER: &str = r#"{"cassette":"prompt-diary","format":1,"kind":"exec","scenario":"s","codex_version":"0.171.0","recorded_at":"2026-11-28","redactions":[],"record_command":"r"}"#;
    const RUNS: &str = r#"{"kind":"invocation","args":["exec","--json","-"],"stdin":"Write a.md","output_schema":null}
{"kind":"stdout","json":{"item":{"id":"item_0","message":"Model metadata for `mock-model` not found.","type":"error"},"type":"item.completed"}}
{"kind":"stdout","json":{"item":{"command":"/bin/bash -lc \"printf 'x\\\\n' > a.md\"","exit_code":0,"id":"item_1","status":"completed","type":"command_execution"},"type":"item.completed"}}
{"kind":"stdout","json":{"item":{"id":"item_2","text":"Wrote a.md.","type":"agent_message"},"type":"item.completed"}}
{"kind":"exit","code":0,"status":"exit status: 0","stderr_tail":[]}
{"kind":"invocation","args":["exec","--json","--output-schema","{{output_schema}}","resume","{{thread:1}}","-"],"stdin":"Count","output_schema":{"type":"object"}}
{"kind":"stdout","json":{"item":{"id":"item_3","text":"{\"lines\":1}","type":"agent_message"},"type":"item.completed"}}
{"kind":"exit","code":0,"status":"exit status: 0","stderr_tail":[]}
"#;

    fn parse(text: &str) -> ExecCassette {
        ExecCassette::parse(Path::new("c.jsonl"), text).unwrap()
    }

    #[test]
    fn commands_messages_and_schema_answers_become_replies_in_order() {
        let scenario = exec_scenario_of(&parse(&format!("{HEADER}\n{RUNS}"))).unwrap();
        assert_eq!(
            scenario.conversations[0].replies,
            [
                Reply::Shell {
                    cmd: r"printf 'x\n' > a.md".to_owned()
                },
                Reply::Message {
                    text: "Wrote a.md.".to_owned()
                },
                Reply::Json {
                    value: serde_json::json!({"lines": 1})
                },
            ]
        );
    }

    #[test]
    fn what_the_scripted_model_cannot_produce_is_named_by_line() {
        let text = format!("{HEADER}\n{RUNS}").replace(
            r#""text":"Wrote a.md.","type":"agent_message""#,
            r#""text":"a plan","type":"todo_list""#,
        );
        let err = exec_scenario_of(&parse(&text)).unwrap_err().to_string();
        assert!(
            err.contains("line 5: a `todo_list` item, which the scripted model cannot produce"),
            "{err}"
        );
    }
}
