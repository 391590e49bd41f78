//! Bench 3: against the official Python SDK (`openai-codex==0.163.0`, `AsyncCodex`,
//! `thread.run`). The same workload on the same binary and scripted model, sequential (one
//! conversation) and with 32 concurrent conversations; each client runs in its own process so its
//! peak RSS is its own, and the app-server's is reported apart.
//!
//! Needs `.prompt-diary/venv` (`bash scripts/python-env.sh`). Knobs: `PROMPT_DIARY_BENCH_REPS`
//! (default 3), `PROMPT_DIARY_BENCH_SEQ_TURNS` (default 20), `PROMPT_DIARY_BENCH_CONCURRENT`
//! (conversations, default 32), `PROMPT_DIARY_BENCH_CONC_TURNS` (turns each, default 3).

mod common;

use std::path::{Path, PathBuf};

use common::workload::{self, Measured, RunStats};
use common::{Summary, knob, publish, table};

const BENCH: &str = "python_sdk";

/// Who runs the workload.
#[derive(Clone, Copy, PartialEq)]
enum Client {
    /// The Python SDK.
    Sdk,
    /// `CodexAgentRunner`, with at most this many turns in flight if set.
    Ours(Option<usize>),
}

impl Client {
    fn name(self) -> String {
        match self {
            Client::Sdk => "Python SDK `AsyncCodex`".to_owned(),
            Client::Ours(None) => "prompt-diary `CodexAgentRunner`".to_owned(),
            Client::Ours(Some(n)) => {
                format!("prompt-diary `CodexAgentRunner`, at most {n} turns in flight")
            }
        }
    }
}

async fn one(
    bin: &Path,
    python: &Path,
    client: Client,
    conversations: usize,
    turns: usize,
) -> Measured {
    workload::against_scripted_model(bin, conversations, turns, |target| async move {
        match client {
            Client::Sdk => workload::run_python(python, &target, conversations, turns).await,
            Client::Ours(in_flight) => {
                workload::run_adapter_in_child(&target, conversations, turns, in_flight).await
            }
        }
    })
    .await
}

fn main() {
    workload::child_main();
    let Some(bin) = common::codex_bin(BENCH) else {
        return;
    };
    let python = PathBuf::from(common::ROOT).join(".prompt-diary/venv/bin/python");
    if !python.is_file() {
        eprintln!(
            "SKIPPED bench {BENCH}: no {}; create it with `bash scripts/python-env.sh`",
            python.display()
        );
        return;
    }
    let reps = knob("REPS", 3).max(1);
    let seq_turns = knob("SEQ_TURNS", 20).max(1);
    let concurrent = knob("CONCURRENT", 32).max(1);
    let conc_turns = knob("CONC_TURNS", 3).max(1);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    let workloads = [
        (format!("sequential: 1 × {seq_turns} turns"), 1, seq_turns),
        (
            format!("concurrent: {concurrent} × {conc_turns} turns"),
            concurrent,
            conc_turns,
        ),
    ];
    // The SDK's async API runs each blocking call (including waiting for the next notification)
    // on asyncio's default thread pool: min(32, CPUs + 4) threads, which caps how many
    // conversations make progress at once. The capped row runs ours under the same cap.
    let pool = (std::thread::available_parallelism().map_or(1, |n| n.get()) + 4).min(32);
    let mut rows = Vec::new();
    let mut verdicts = Vec::new();
    runtime.block_on(async {
        one(&bin, &python, Client::Sdk, 1, 1).await; // warm-up, not counted
        one(&bin, &python, Client::Ours(None), 1, 1).await;
        for (name, conversations, turns) in &workloads {
            let mut clients = vec![Client::Sdk, Client::Ours(None)];
            if *conversations > pool {
                clients.push(Client::Ours(Some(pool)));
            }
            let mut runs: Vec<Vec<Measured>> = vec![Vec::new(); clients.len()];
            for rep in 0..reps {
                // Rotate which client goes first, so drift in the machine's load hits all.
                for k in 0..clients.len() {
                    let i = (k + rep) % clients.len();
                    let m = one(&bin, &python, clients[i], *conversations, *turns).await;
                    eprintln!(
                        "{name} rep {rep} {}: {:.1} turns/s, client {} KiB",
                        clients[i].name(),
                        m.throughput(),
                        m.client_hwm_kib
                    );
                    runs[i].push(m);
                }
            }
            let median = |runs: &[Measured], f: fn(&Measured) -> f64| {
                Summary::of(&runs.iter().map(f).collect::<Vec<_>>()).median
            };
            for (client, runs) in clients.iter().zip(&runs) {
                let RunStats {
                    throughput: tput,
                    latency_ms: lat,
                    client_mib: rss,
                    server_mib: server,
                } = RunStats::of(runs);
                rows.push(vec![
                    name.clone(),
                    client.name(),
                    tput.range(1),
                    format!("{:.0} / {:.0}", lat.median, lat.p95),
                    rss.range(1),
                    server.range(0),
                ]);
            }
            for (client, ours) in clients.iter().zip(&runs).skip(1) {
                let speed =
                    median(ours, Measured::throughput) / median(&runs[0], Measured::throughput);
                let memory = median(ours, |m| m.client_hwm_kib as f64)
                    / median(&runs[0], |m| m.client_hwm_kib as f64);
                verdicts.push(format!(
                    "- {name}, {}: throughput ours / SDK **{speed:.2}×** (target ≥ 1: {}); client \
                     peak RSS ours / SDK **{memory:.2}×** (target < 1: {}).",
                    client.name(),
                    if speed >= 1.0 { "met" } else { "missed" },
                    if memory < 1.0 { "met" } else { "missed" },
                ));
            }
        }
    });
    let mut text = table(
        &[
            "workload",
            "client",
            "turns/s, median (min–max)",
            "turn latency p50 / p95 (ms)",
            "client peak RSS (MiB), median (min–max)",
            "app-server peak RSS (MiB)",
        ],
        &rows,
    );
    text.push('\n');
    text.push_str(&verdicts.join("\n"));
    let notes = format!(
        "{reps} runs per client and workload, alternating which goes first. Each client runs in \
         its own process (ours: this bench program started again as a child running \
         `CodexBackend` + one `CodexAgentRunner` per conversation on a multi-threaded Tokio \
         runtime; the SDK: `benches/python/sdk_workload.py` with `AsyncCodex`, \
         `thread_start` + `thread.run`, conversations under `asyncio.gather`), against a fresh \
         scripted zero-delay model in this process and the same pinned binary. Client peak RSS \
         is the client process's `VmHWM` (ours) or `ru_maxrss` (Python), app-server excluded; \
         the app-server's `VmHWM` is read before it stops. Throughput counts turns from the first \
         turn's start (including `thread/start`) to the last turn's end; spawn and `initialize` \
         are excluded. The SDK's async API waits for each notification on asyncio's default \
         thread pool ({pool} threads here), so at most about {pool} of its conversations make \
         progress at once; the capped row gives ours the same limit \
         (`CodexBackendConfig::max_turns_in_flight`), which shows how much of a difference is \
         the concurrency policy rather than the client."
    );
    publish(BENCH, "3. Against the official Python SDK", &text, &notes);
}
