//! The turn workload the live benches share: `conversations` conversations of `turns` one-message
//! turns each, against the real Codex binary and the scripted zero-delay model.
//!
//! The same workload runs through `CodexAgentRunner`, through a minimal hand-written JSON-RPC
//! client, and (bench `python_sdk`) through the official Python SDK. To measure a client's memory
//! alone, it runs in a child process (this bench program started again with
//! `PROMPT_DIARY_BENCH_CHILD` set) while the scripted model stays in the parent.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use prompt_diary::agent::{AgentConfig, AgentRunner, TurnOptions};
use prompt_diary::codex::{CodexAgentRunner, CodexBackend, CodexBackendConfig};
use prompt_diary::testing::{CodexHome, Scenario, ScriptedModel};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

use super::{Summary, status_kib};

/// Every wait in a workload is bounded by this.
pub(crate) const TURN_TIMEOUT: Duration = Duration::from_secs(120);

/// The prompt of turn `t` of conversation `c`.
pub(crate) fn prompt(c: usize, t: usize) -> String {
    format!("CONV-{c}: turn {t}")
}

/// The scripted reply to turn `t` of conversation `c`.
pub(crate) fn reply(c: usize, t: usize) -> String {
    format!("reply {c}.{t}")
}

/// The scripted model's side of the workload.
pub(crate) fn scenario(conversations: usize, turns: usize) -> Scenario {
    let conversations: Vec<Value> = (0..conversations)
        .map(|c| {
            let replies: Vec<Value> = (0..turns)
                .map(|t| json!({"message": reply(c, t)}))
                .collect();
            json!({"match": format!("CONV-{c}:"), "replies": replies})
        })
        .collect();
    let text = json!({"name": "bench", "conversations": conversations}).to_string();
    Scenario::from_json(&text).expect("the bench scenario is valid")
}

/// What one run of the workload measured.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(crate) struct Measured {
    /// Turns completed (all of them, or the run failed).
    pub turns: usize,
    /// From the first turn's start to the last turn's end, in seconds.
    pub elapsed_s: f64,
    /// Spawn + `initialize`, in milliseconds.
    pub startup_ms: f64,
    /// Each turn's latency, in milliseconds.
    pub latencies_ms: Vec<f64>,
    /// Peak RSS of the client process (KiB), when it ran in its own process.
    pub client_hwm_kib: u64,
    /// Peak RSS of the app-server (KiB) just before it was stopped.
    pub server_hwm_kib: u64,
}

impl Measured {
    /// Turns per second.
    pub(crate) fn throughput(&self) -> f64 {
        self.turns as f64 / self.elapsed_s
    }
}

/// Several runs of one workload, summarised.
pub(crate) struct RunStats {
    /// Turns per second, per run.
    pub throughput: Summary,
    /// Every turn's latency (ms), all runs together.
    pub latency_ms: Summary,
    /// The client's peak RSS (MiB), per run.
    pub client_mib: Summary,
    /// The app-server's peak RSS (MiB), per run.
    pub server_mib: Summary,
}

impl RunStats {
    /// The summaries of `runs`.
    pub(crate) fn of(runs: &[Measured]) -> RunStats {
        let per_run =
            |f: &dyn Fn(&Measured) -> f64| Summary::of(&runs.iter().map(f).collect::<Vec<_>>());
        let latencies: Vec<f64> = runs
            .iter()
            .flat_map(|m| m.latencies_ms.iter().copied())
            .collect();
        RunStats {
            throughput: per_run(&Measured::throughput),
            latency_ms: Summary::of(&latencies),
            client_mib: per_run(&|m| m.client_hwm_kib as f64 / 1024.0),
            server_mib: per_run(&|m| m.server_hwm_kib as f64 / 1024.0),
        }
    }
}

/// Starts a fresh scripted zero-delay model scripted for `conversations` × `turns`, runs `run`
/// against it on `codex_bin`, and checks that every turn was served and the model saw no error
/// and has no reply left.
pub(crate) async fn against_scripted_model<F, Fut>(
    codex_bin: &Path,
    conversations: usize,
    turns: usize,
    run: F,
) -> Measured
where
    F: FnOnce(Target) -> Fut,
    Fut: std::future::Future<Output = Measured>,
{
    let model = ScriptedModel::start(scenario(conversations, turns))
        .await
        .expect("the scripted model starts");
    model.keep_request_bodies(false);
    let home = CodexHome::for_model(&model).expect("a Codex home");
    let measured = run(Target {
        codex_bin: codex_bin.to_owned(),
        codex_home: home.path().to_owned(),
    })
    .await;
    assert_eq!(
        measured.turns,
        conversations * turns,
        "every turn accounted for"
    );
    // Every reply served, every request answered.
    if let Err(mismatch) = model.finish().await {
        panic!("{mismatch}");
    }
    measured
}

/// Where the live workload runs.
#[derive(Debug, Clone)]
pub(crate) struct Target {
    /// The Codex binary.
    pub codex_bin: PathBuf,
    /// The `CODEX_HOME` whose config names the scripted model.
    pub codex_home: PathBuf,
}

/// Runs the workload through `CodexAgentRunner`: one backend, one runner per conversation, all
/// conversations at once, each conversation's turns in order. With `in_flight`, the backend runs
/// at most that many turns at a time (`CodexBackendConfig::max_turns_in_flight`).
pub(crate) async fn run_adapter(
    target: &Target,
    conversations: usize,
    turns: usize,
    in_flight: Option<usize>,
) -> Measured {
    let mut config = CodexBackendConfig::default()
        .with_codex_bin(&target.codex_bin)
        .with_codex_home(&target.codex_home);
    if let Some(turns) = in_flight {
        config = config.with_max_turns_in_flight(turns);
    }
    let spawned = Instant::now();
    let backend = CodexBackend::start(config)
        .await
        .expect("the backend starts");
    let startup_ms = super::ms(spawned.elapsed());
    let workspaces: Vec<_> = (0..conversations)
        .map(|_| tempfile::tempdir().expect("a temp workspace"))
        .collect();
    let started = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for (c, workspace) in workspaces.iter().enumerate() {
        let mut runner = CodexAgentRunner::new(backend.clone(), AgentConfig::new(workspace.path()));
        tasks.spawn(async move {
            let mut latencies = Vec::with_capacity(turns);
            for t in 0..turns {
                let begun = Instant::now();
                let result = runner
                    .turn(&prompt(c, t), TurnOptions::with_timeout(TURN_TIMEOUT))
                    .await
                    .unwrap_or_else(|err| panic!("conversation {c} turn {t}: {err}"));
                latencies.push(super::ms(begun.elapsed()));
                assert_eq!(result.assistant_text, reply(c, t), "a lost or crossed turn");
            }
            latencies
        });
    }
    let mut latencies_ms = Vec::new();
    while let Some(done) = tasks.join_next().await {
        latencies_ms.extend(done.expect("a conversation task"));
    }
    let elapsed_s = started.elapsed().as_secs_f64();
    let server_hwm_kib = backend.pid().map_or(0, |pid| status_kib(pid, "VmHWM"));
    backend.shutdown().await.expect("the backend stops");
    Measured {
        turns: latencies_ms.len(),
        elapsed_s,
        startup_ms,
        latencies_ms,
        client_hwm_kib: 0,
        server_hwm_kib,
    }
}

/// Runs one conversation of `turns` turns through a minimal hand-written JSON-RPC client: spawn,
/// `initialize`, `initialized`, `thread/start`, then per turn `turn/start` and read until
/// `turn/completed`, answering nothing else.
pub(crate) async fn run_raw(target: &Target, turns: usize) -> Measured {
    let spawned = Instant::now();
    let mut child = tokio::process::Command::new(&target.codex_bin)
        .args(["app-server", "--listen", "stdio://"])
        .env("CODEX_HOME", &target.codex_home)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("codex app-server starts");
    let pid = child.id().unwrap_or(0);
    let mut stdin = child.stdin.take().expect("piped stdin");
    let mut lines = BufReader::new(child.stdout.take().expect("piped stdout")).lines();
    let mut next_id = 0;
    async fn send(stdin: &mut tokio::process::ChildStdin, value: Value) {
        let mut line = value.to_string();
        line.push('\n');
        stdin
            .write_all(line.as_bytes())
            .await
            .expect("write to the app-server");
    }
    // Reads lines until `done` accepts one; returns it.
    async fn read_until(
        lines: &mut tokio::io::Lines<BufReader<tokio::process::ChildStdout>>,
        done: impl Fn(&Value) -> bool,
    ) -> Value {
        tokio::time::timeout(TURN_TIMEOUT, async {
            loop {
                let line = lines
                    .next_line()
                    .await
                    .expect("read")
                    .expect("app-server output");
                let value: Value = serde_json::from_str(&line).expect("a JSON line");
                if done(&value) {
                    return value;
                }
            }
        })
        .await
        .expect("the app-server answered in time")
    }
    let init = json!({"id": next_id, "method": "initialize",
        "params": {"clientInfo": {"name": "raw-bench", "version": "0"}}});
    send(&mut stdin, init).await;
    read_until(&mut lines, |v| v["id"] == json!(0)).await;
    send(&mut stdin, json!({"method": "initialized"})).await;
    let startup_ms = super::ms(spawned.elapsed());
    let workspace = tempfile::tempdir().expect("a temp workspace");
    let started = Instant::now();
    let mut latencies_ms = Vec::with_capacity(turns);
    let mut thread = String::new();
    for t in 0..turns {
        let begun = Instant::now();
        if t == 0 {
            next_id += 1;
            let id = next_id;
            let cwd = workspace.path().display().to_string();
            send(
                &mut stdin,
                json!({"id": id, "method": "thread/start", "params": {"cwd": cwd}}),
            )
            .await;
            let answer = read_until(&mut lines, |v| v["id"] == json!(id)).await;
            thread = answer["result"]["thread"]["id"]
                .as_str()
                .unwrap_or_default()
                .to_owned();
        }
        next_id += 1;
        let input = json!([{"type": "text", "text": prompt(0, t)}]);
        send(
            &mut stdin,
            json!({"id": next_id, "method": "turn/start",
            "params": {"threadId": thread, "input": input}}),
        )
        .await;
        read_until(&mut lines, |v| {
            v["method"] == "turn/completed" && v["params"]["threadId"] == json!(thread)
        })
        .await;
        latencies_ms.push(super::ms(begun.elapsed()));
    }
    let elapsed_s = started.elapsed().as_secs_f64();
    let server_hwm_kib = status_kib(pid, "VmHWM");
    drop(stdin);
    let _ = tokio::time::timeout(Duration::from_secs(10), child.wait()).await;
    let _ = child.kill().await;
    Measured {
        turns: latencies_ms.len(),
        elapsed_s,
        startup_ms,
        latencies_ms,
        client_hwm_kib: 0,
        server_hwm_kib,
    }
}

/// The environment variable that makes a bench program run one workload as a child and exit.
pub(crate) const CHILD_ENV: &str = "PROMPT_DIARY_BENCH_CHILD";

/// When this process is a workload child: runs the workload, prints its [`Measured`] as JSON on
/// stdout, and exits. Call first thing in `main`.
pub(crate) fn child_main() {
    let Ok(spec) = std::env::var(CHILD_ENV) else {
        return;
    };
    let spec: Value = serde_json::from_str(&spec).expect("a child spec");
    let target = Target {
        codex_bin: PathBuf::from(spec["codex_bin"].as_str().expect("codex_bin")),
        codex_home: PathBuf::from(spec["codex_home"].as_str().expect("codex_home")),
    };
    let conversations = spec["conversations"].as_u64().expect("conversations") as usize;
    let turns = spec["turns"].as_u64().expect("turns") as usize;
    let in_flight = spec["in_flight"].as_u64().map(|n| n as usize);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    let mut measured = runtime.block_on(run_adapter(&target, conversations, turns, in_flight));
    drop(runtime);
    measured.client_hwm_kib = status_kib(std::process::id(), "VmHWM");
    println!("{}", serde_json::to_string(&measured).expect("JSON"));
    std::process::exit(0);
}

/// Runs the adapter workload in a child process, so its peak memory is the client's alone.
pub(crate) async fn run_adapter_in_child(
    target: &Target,
    conversations: usize,
    turns: usize,
    in_flight: Option<usize>,
) -> Measured {
    let spec = json!({
        "codex_bin": target.codex_bin, "codex_home": target.codex_home,
        "conversations": conversations, "turns": turns, "in_flight": in_flight,
    });
    let exe = std::env::current_exe().expect("this bench program");
    let mut command = tokio::process::Command::new(exe);
    command.env(CHILD_ENV, spec.to_string());
    run_child(command).await
}

/// Runs the Python SDK workload (`benches/python/sdk_workload.py`) with `python`.
pub(crate) async fn run_python(
    python: &Path,
    target: &Target,
    conversations: usize,
    turns: usize,
) -> Measured {
    let script = Path::new(super::ROOT).join("benches/python/sdk_workload.py");
    let mut command = tokio::process::Command::new(python);
    command
        .arg(script)
        .arg(&target.codex_bin)
        .arg(&target.codex_home)
        .arg(conversations.to_string())
        .arg(turns.to_string());
    run_child(command).await
}

async fn run_child(mut command: tokio::process::Command) -> Measured {
    command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    let output = tokio::time::timeout(Duration::from_secs(600), command.output())
        .await
        .expect("the workload child finished within 600 s")
        .expect("the workload child ran");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "the workload child failed ({}):\n{stdout}\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    let last = stdout.lines().last().unwrap_or_default();
    serde_json::from_str(last)
        .unwrap_or_else(|err| panic!("child output is not JSON ({err}): {stdout}"))
}
