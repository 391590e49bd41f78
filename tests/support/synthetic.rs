//! Synthetic sessions for the viewer's scale test and bench: traffic shaped like the pinned Codex's
//! (turns with reasoning, a command and its output, a file the agent writes, a reply, now and
//! then an approval and a retried error), recorded through the crate's own [`Recorder`] with
//! real workspace effects. Shared by `tests/cli/view.rs` and `benches/view_scale.rs`.

use std::path::Path;

use serde_json::{Value, json};

use prompt_diary::cassette::{Cassette, CassetteError, RecordOptions, Recorder};
use prompt_diary::codex_bin::PINNED_CODEX_VERSION;
use prompt_diary::transport::Message;

/// About how many cassette lines one synthetic turn takes.
#[allow(dead_code)] // the bench sizes its cassette with it
pub(crate) const LINES_PER_TURN: usize = 13;

fn msg(value: Value) -> Message {
    Message::from_value(value).unwrap_or_else(|_| unreachable!("a JSON-RPC message"))
}

/// Records `conversations` conversations of `turns` turns each into a cassette named
/// `dir/synthetic.jsonl` (not written), with each conversation's workspace under `dir`.
pub(crate) fn session(
    dir: &Path,
    conversations: usize,
    turns: usize,
) -> Result<Cassette, CassetteError> {
    let mut rec = Recorder::new(RecordOptions::new(dir.join("synthetic.jsonl")));
    rec.client_message(&msg(json!({"id": 0, "method": "initialize", "params":
        {"clientInfo": {"name": "prompt-diary", "version": env!("CARGO_PKG_VERSION")}}})));
    rec.server_message(&msg(json!({"id": 0, "result": {"userAgent":
        format!("prompt-diary/{PINNED_CODEX_VERSION} (Debian 12.0.0; x86_64) xterm"), "codexHome": "/tmp/codex-home-synthetic",
        "platformFamily": "unix", "platformOs": "linux"}})));
    rec.client_message(&msg(json!({"method": "initialized"})));
    let mut req = 1;
    for c in 0..conversations {
        let workspace = dir.join(format!("workspace-{c}"));
        std::fs::create_dir_all(&workspace).map_err(|source| CassetteError::Io {
            path: workspace.clone(),
            source,
        })?;
        conversation(&mut rec, &workspace, &mut req, c, turns)?;
    }
    rec.build("exit status: 0", &[])
}

fn conversation(
    rec: &mut Recorder,
    workspace: &Path,
    req: &mut i64,
    c: usize,
    turns: usize,
) -> Result<(), CassetteError> {
    let cwd = workspace.display().to_string();
    let thread = format!("019a{c:04x}-0000-7000-8000-00000000{c:04x}");
    rec.client_message(&msg(
        json!({"id": *req, "method": "thread/start", "params": {"cwd": cwd}}),
    ));
    rec.server_message(&msg(json!({"id": *req, "result": {"thread": {"id": thread,
        "cwd": cwd}, "model": "mock-model"}})));
    *req += 1;
    for t in 0..turns {
        let turn = format!("019b{c:04x}-{t:04x}-7000-8000-000000000000");
        let item = |n: usize| format!("item_{c}_{t}_{n}");
        let prompt =
            format!("Conversation {c}, step {t}: write step {t} into step.md and run the checks.");
        let input = json!([{"type": "text", "text": prompt}]);
        rec.client_message(&msg(json!({"id": *req, "method": "turn/start",
            "params": {"threadId": thread, "input": input}})));
        rec.server_message(&msg(json!({"id": *req, "result": {"turn": {"id": turn,
            "status": "inProgress", "items": []}}})));
        *req += 1;
        let note = |method: &str, params: Value| {
            let mut params = params;
            params["threadId"] = json!(thread);
            params["turnId"] = json!(turn);
            msg(json!({"method": method, "params": params}))
        };
        rec.server_message(&note(
            "turn/started",
            json!({"turn": {"id": turn, "status": "inProgress"}}),
        ));
        rec.server_message(&note(
            "item/completed",
            json!({"item": {"type": "userMessage",
            "id": item(0), "content": input}}),
        ));
        rec.server_message(&note("item/completed", json!({"item": {"type": "reasoning",
            "id": item(1), "summary": [format!("Section {t} goes after section {}.", t.saturating_sub(1))],
            "content": []}})));
        if t % 7 == 3 {
            rec.server_message(&note(
                "error",
                json!({"error": {"message":
                "stream disconnected before completion; retrying", "additionalDetails": null},
                "willRetry": true}),
            ));
        }
        let command = "/bin/bash -c \"grep -c Step step.md\"";
        rec.server_message(&note(
            "item/started",
            json!({"item": {"type": "commandExecution",
            "id": item(2), "command": command, "status": "inProgress"}}),
        ));
        if t % 10 == 5 {
            rec.server_message(&msg(json!({"id": 1000 + t, "method":
                "item/commandExecution/requestApproval", "params": {"threadId": thread,
                "turnId": turn, "itemId": item(2), "command": command,
                "reason": "run the checks"}})));
            rec.client_message(&msg(
                json!({"id": 1000 + t, "result": {"decision": "accept"}}),
            ));
        }
        let output = format!("{t}\nchecked {t} sections: ok\n");
        rec.server_message(&note(
            "item/commandExecution/outputDelta",
            json!({"itemId": item(2),
            "delta": output}),
        ));
        rec.server_message(&note(
            "item/completed",
            json!({"item": {"type": "commandExecution",
            "id": item(2), "command": command, "aggregatedOutput": output, "exitCode": 0,
            "status": "completed"}}),
        ));
        let step = format!("# Step {t}\n\nConversation {c} is at step {t}.\nThe checks pass.\n");
        write(&workspace.join("step.md"), &step)?;
        if t % 5 == 0 {
            let section = format!("## Section {t}\n\nWhat conversation {c} found at step {t}.\n");
            write(&workspace.join(format!("section-{t}.md")), &section)?;
        }
        rec.server_message(&note("item/completed", json!({"item": {"type": "fileChange",
            "id": item(3), "status": "completed", "changes": [{"path": "step.md",
            "kind": {"type": "update"}, "diff": format!("-# Step {}\n+# Step {t}\n", t.saturating_sub(1))}]}})));
        rec.server_message(&note(
            "item/completed",
            json!({"item": {"type": "agentMessage",
            "id": item(4), "text": format!("Step {t} is in step.md and the checks pass.")}}),
        ));
        rec.server_message(&note(
            "thread/tokenUsage/updated",
            json!({"tokenUsage":
            {"total": {"inputTokens": 1200 + t, "outputTokens": 20, "totalTokens": 1220 + t}}}),
        ));
        rec.server_message(&note(
            "turn/completed",
            json!({"turn": {"id": turn,
            "status": "completed", "error": null, "durationMs": 45}}),
        ));
    }
    Ok(())
}

fn write(path: &Path, text: &str) -> Result<(), CassetteError> {
    std::fs::write(path, text).map_err(|source| CassetteError::Io {
        path: path.to_owned(),
        source,
    })
}
