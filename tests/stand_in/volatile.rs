//! A project's volatile values through the stand-in in app-server mode, driven as the official
//! Python SDK drives it: a JSON-RPC client over stdio whose request ids are UUIDs, in a folder
//! whose `prompt-diary.toml` names a `date` rule and a UUID `run_id` rule. A prompt with a date
//! and run ids is recorded through the real Codex (the scripted model echoes them); replayed with
//! another date and other run ids, the reply says the values sent now, each run id in its place:
//! never the request ids, the thread id or a value of its own.

use std::path::Path;
use std::process::Stdio;

use prompt_diary::testing::conformance::{ScriptedCodex, codex_for_conformance};
use prompt_diary::testing::{Scenario, date_in_days};
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt as _, AsyncWriteExt as _, BufReader, Lines};
use tokio::process::{Child, ChildStdin, ChildStdout};

use crate::sdk::{record_env, replay_env};
use crate::stand_in_run::{RUN_BUDGET, STAND_IN};
use crate::volatile_session::{Values, fresh_uuid};

const PROJECT: &str = "[[volatile]]\nname = \"date\"\npattern = '\\d{4}-\\d{2}-\\d{2}'\n\n\
    [[volatile]]\nname = \"run_id\"\n\
    pattern = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}'\n";

/// The stand-in as `codex app-server`, spoken to line by line.
struct Session {
    child: Child,
    stdin: ChildStdin,
    lines: Lines<BufReader<ChildStdout>>,
}

impl Session {
    /// The stand-in started in `project` with `env`; its stderr goes to `stderr`.
    fn start(project: &Path, env: &[(&'static str, String)], stderr: &Path) -> Self {
        let mut child = tokio::process::Command::new(STAND_IN)
            .args(["app-server", "--listen", "stdio://"])
            .current_dir(project)
            .env_remove("CI")
            .env_remove("CODEX_HOME")
            .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(stderr).unwrap())
            .kill_on_drop(true)
            .spawn()
            .expect("the stand-in starts");
        let stdin = child.stdin.take().unwrap();
        let lines = BufReader::new(child.stdout.take().unwrap()).lines();
        Self {
            child,
            stdin,
            lines,
        }
    }

    async fn send(&mut self, message: Value) {
        let line = format!("{message}\n");
        self.stdin.write_all(line.as_bytes()).await.unwrap();
    }

    /// The next message from the server, within the budget.
    async fn next(&mut self, stderr: &Path) -> Value {
        let line = tokio::time::timeout(RUN_BUDGET, self.lines.next_line())
            .await
            .expect("the server answers in time")
            .unwrap()
            .unwrap_or_else(|| {
                panic!(
                    "the stand-in closed its output:\n{}",
                    std::fs::read_to_string(stderr).unwrap_or_default()
                )
            });
        serde_json::from_str(&line).unwrap_or_else(|err| panic!("not JSON ({err}): {line}"))
    }

    /// Sends request `method` under a fresh UUID id; its result (notifications before it are
    /// skipped).
    async fn request(&mut self, method: &str, params: Value, stderr: &Path) -> Value {
        let id = fresh_uuid();
        self.send(json!({"id": id, "method": method, "params": params}))
            .await;
        loop {
            let message = self.next(stderr).await;
            if message.get("method").is_some() && message.get("id").is_some() {
                panic!("no server request was expected here: {message}");
            }
            if message["id"] == id.as_str() {
                return match message.get("result") {
                    Some(result) => result.clone(),
                    None => panic!(
                        "{method} failed: {message}\n{}",
                        std::fs::read_to_string(stderr).unwrap_or_default()
                    ),
                };
            }
        }
    }

    /// One session: initialize, a thread in `workspace`, one turn of `prompt`; the agent's
    /// reply. The stand-in exits cleanly once its stdin closes.
    async fn one_turn(mut self, workspace: &Path, prompt: &str, stderr: &Path) -> String {
        let client = json!({"clientInfo": {"name": "volatile_test", "title": "Volatile test", "version": "1.0.0"}, "capabilities": {"experimentalApi": true}});
        self.request("initialize", client, stderr).await;
        self.send(json!({"method": "initialized", "params": {}}))
            .await;
        let cwd = workspace.display().to_string();
        let started = self
            .request("thread/start", json!({"cwd": cwd}), stderr)
            .await;
        let thread = started["thread"]["id"].as_str().unwrap().to_owned();
        let input = json!([{"type": "text", "text": prompt}]);
        let turn = json!({"threadId": thread, "input": input});
        self.request("turn/start", turn, stderr).await;
        let mut reply = String::new();
        loop {
            let message = self.next(stderr).await;
            let item = &message["params"]["item"];
            if message["method"] == "item/completed" && item["type"] == "agentMessage" {
                reply.push_str(item["text"].as_str().unwrap_or_default());
            }
            if message["method"] == "turn/completed" {
                break;
            }
        }
        drop(self.stdin);
        let status = tokio::time::timeout(RUN_BUDGET, self.child.wait())
            .await
            .expect("the stand-in exits once its client is gone")
            .unwrap();
        assert!(
            status.success(),
            "{status}:\n{}",
            std::fs::read_to_string(stderr).unwrap_or_default()
        );
        reply
    }
}

/// Records a session whose prompt names today and `runs` run ids, then replays it 400 days later
/// with other run ids: the reply says the values sent now.
async fn recorded_then_replayed(test: &str, runs: usize) {
    let Some(bin) = codex_for_conformance(test) else {
        return;
    };
    let project = tempfile::tempdir().unwrap();
    std::fs::write(project.path().join("prompt-diary.toml"), PROJECT).unwrap();
    let cassette = project.path().join("diary.jsonl");
    let stderr = project.path().join("stderr.txt");

    let then = Values::new(date_in_days(0), runs);
    let scenario = format!(
        r#"{{"name": "volatile_stand_in", "conversations": [{{"replies": [{{"message": {:?}}}]}}]}}"#,
        then.reply()
    );
    let codex = ScriptedCodex::start(Scenario::from_json(&scenario).unwrap(), bin)
        .await
        .unwrap();
    let session = Session::start(project.path(), &record_env(&cassette, &codex), &stderr);
    let live = session
        .one_turn(codex.workspace.path(), &then.prompt(), &stderr)
        .await;
    assert_eq!(live, then.reply());
    let text = std::fs::read_to_string(&cassette).unwrap();
    let body: Vec<&str> = text.lines().skip(1).collect();
    for value in std::iter::once(&then.date).chain(&then.runs) {
        assert!(
            body.iter().all(|line| !line.contains(value.as_str())),
            "{value} is a placeholder:\n{text}"
        );
    }
    let numbered = Values {
        date: "{{date:1}}".to_owned(),
        runs: (1..=runs).map(|n| format!("{{{{run_id:{n}}}}}")).collect(),
    };
    assert!(text.contains(&numbered.prompt()), "{text}");
    assert!(text.contains(&numbered.reply()), "{text}");

    let now = Values::new(date_in_days(400), runs);
    let workspace = tempfile::tempdir().unwrap();
    let session = Session::start(project.path(), &replay_env(&cassette), &stderr);
    let replayed = session
        .one_turn(workspace.path(), &now.prompt(), &stderr)
        .await;
    assert_eq!(replayed, now.reply());
}

#[tokio::test]
async fn a_run_id_in_the_prompt_replays_as_the_one_sent_with_uuid_request_ids() {
    recorded_then_replayed("volatile run id through the stand-in", 1).await;
}

#[tokio::test]
async fn two_run_ids_in_one_prompt_rebind_independently_through_the_stand_in() {
    recorded_then_replayed("two volatile run ids through the stand-in", 2).await;
}
