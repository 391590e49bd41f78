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

use common::workload::{self, Measured, Target};
use common::{Summary, knob, publish, table};
use prompt_diary::testing::{CodexHome, ScriptedModel};

const BENCH: &str = "python_sdk";

async fn one(bin: &Path, python: Option<&Path>, conversations: usize, turns: usize) -> Measured {
    let model = ScriptedModel::start(workload::scenario(conversations, turns))
        .await
        .expect("the scripted model starts");
    model.keep_request_bodies(false);
    let home = CodexHome::for_model(&model).expect("a Codex home");
    let target = Target {
        codex_bin: bin.to_owned(),
        codex_home: home.path().to_owned(),
    };
    let measured = match python {
        Some(python) => workload::run_python(python, &target, conversations, turns).await,
        None => workload::run_adapter_in_child(&target, conversations, turns).await,
    };
    assert_eq!(
        measured.turns,
        conversations * turns,
        "every turn accounted for"
    );
    assert!(
        model.errors().is_empty() && model.unused_replies().is_empty(),
        "the scripted model saw {:?}",
        model.errors()
    );
    model.shutdown().await;
    measured
}

fn mib(kib: f64) -> f64 {
    kib / 1024.0
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
    let mut rows = Vec::new();
    let mut verdicts = Vec::new();
    runtime.block_on(async {
        one(&bin, Some(&python), 1, 1).await; // warm-up, not counted
        one(&bin, None, 1, 1).await;
        for (name, conversations, turns) in &workloads {
            let (mut sdk, mut ours) = (Vec::new(), Vec::new());
            for rep in 0..reps {
                let order = if rep % 2 == 0 {
                    [true, false]
                } else {
                    [false, true]
                };
                for is_python in order {
                    let p = is_python.then_some(python.as_path());
                    let m = one(&bin, p, *conversations, *turns).await;
                    eprintln!(
                        "{name} rep {rep} {}: {:.1} turns/s, client {} KiB",
                        if is_python { "python" } else { "ours" },
                        m.throughput(),
                        m.client_hwm_kib
                    );
                    if is_python { sdk.push(m) } else { ours.push(m) }
                }
            }
            for (client, runs) in [
                ("Python SDK `AsyncCodex`", &sdk),
                ("prompt-diary `CodexAgentRunner`", &ours),
            ] {
                let tput = Summary::of(&runs.iter().map(Measured::throughput).collect::<Vec<_>>());
                let lat = Summary::of(
                    &runs
                        .iter()
                        .flat_map(|m| m.latencies_ms.clone())
                        .collect::<Vec<_>>(),
                );
                let rss = Summary::of(
                    &runs
                        .iter()
                        .map(|m| mib(m.client_hwm_kib as f64))
                        .collect::<Vec<_>>(),
                );
                let server = Summary::of(
                    &runs
                        .iter()
                        .map(|m| mib(m.server_hwm_kib as f64))
                        .collect::<Vec<_>>(),
                );
                rows.push(vec![
                    name.clone(),
                    client.to_owned(),
                    tput.range(1),
                    format!("{:.0} / {:.0}", lat.median, lat.p95),
                    rss.range(1),
                    server.range(0),
                ]);
            }
            let median = |runs: &[Measured], f: fn(&Measured) -> f64| {
                Summary::of(&runs.iter().map(f).collect::<Vec<_>>()).median
            };
            let speed = median(&ours, Measured::throughput) / median(&sdk, Measured::throughput);
            let memory = median(&ours, |m| m.client_hwm_kib as f64)
                / median(&sdk, |m| m.client_hwm_kib as f64);
            verdicts.push(format!(
                "- {name}: throughput ours / SDK **{speed:.2}×** (target ≥ 1: {}); client peak RSS \
                 ours / SDK **{memory:.2}×** (target < 1: {}).",
                if speed >= 1.0 { "met" } else { "missed" },
                if memory < 1.0 { "met" } else { "missed" },
            ));
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
         are excluded."
    );
    publish(BENCH, "3. Against the official Python SDK", &text, &notes);
}
