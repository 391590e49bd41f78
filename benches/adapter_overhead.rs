//! Bench 2: adapter overhead. Turns/s and per-turn latency of `CodexAgentRunner` against a
//! minimal hand-written JSON-RPC client, doing the same one-message turns on the same pinned
//! binary and the same scripted zero-delay model, alternating within one run.
//!
//! Knobs: `PROMPT_DIARY_BENCH_REPS` (pairs of runs, default 5), `PROMPT_DIARY_BENCH_TURNS` (turns
//! per run, default 30).

mod common;

use common::workload::{self, Measured};
use common::{Summary, knob, publish, table};

const BENCH: &str = "adapter_overhead";

async fn one(bin: &std::path::Path, turns: usize, adapter: bool) -> Measured {
    workload::against_scripted_model(bin, 1, turns, |target| async move {
        if adapter {
            workload::run_adapter(&target, 1, turns, None).await
        } else {
            workload::run_raw(&target, turns).await
        }
    })
    .await
}

fn main() {
    workload::child_main();
    let Some(bin) = common::codex_bin(BENCH) else {
        return;
    };
    let reps = knob("REPS", 5).max(1);
    let turns = knob("TURNS", 30).max(2);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    let (mut raw, mut ours) = (Vec::new(), Vec::new());
    runtime.block_on(async {
        // Warm-up (page cache, first spawn), not counted.
        one(&bin, 2, false).await;
        one(&bin, 2, true).await;
        for rep in 0..reps {
            // Alternate which client goes first, so drift in the machine's load hits both.
            let order = if rep % 2 == 0 {
                [false, true]
            } else {
                [true, false]
            };
            for adapter in order {
                let m = one(&bin, turns, adapter).await;
                eprintln!(
                    "rep {rep} {}: {:.1} turns/s",
                    if adapter { "adapter" } else { "raw" },
                    m.throughput()
                );
                if adapter { ours.push(m) } else { raw.push(m) }
            }
        }
    });
    let row = |name: &str, runs: &[Measured]| {
        let tput: Vec<f64> = runs.iter().map(Measured::throughput).collect();
        let lat: Vec<f64> = runs.iter().flat_map(|m| m.latencies_ms.clone()).collect();
        let startup: Vec<f64> = runs.iter().map(|m| m.startup_ms).collect();
        let lat = Summary::of(&lat);
        vec![
            name.to_owned(),
            Summary::of(&tput).range(1),
            format!("{:.1}", lat.median),
            format!("{:.1}", lat.p95),
            Summary::of(&startup).range(0),
        ]
    };
    let ratios: Vec<f64> = ours
        .iter()
        .zip(&raw)
        .map(|(a, r)| a.throughput() / r.throughput())
        .collect();
    let ratio = Summary::of(&ratios);
    let median_ratio = Summary::of(&ours.iter().map(Measured::throughput).collect::<Vec<_>>())
        .median
        / Summary::of(&raw.iter().map(Measured::throughput).collect::<Vec<_>>()).median;
    let rows = vec![
        row("raw JSON-RPC client (baseline)", &raw),
        row("`CodexAgentRunner`", &ours),
    ];
    let mut text = table(
        &[
            "client",
            "turns/s, median (min–max)",
            "turn latency p50 (ms)",
            "turn latency p95 (ms)",
            "spawn + initialize (ms), median (min–max)",
        ],
        &rows,
    );
    text.push_str(&format!(
        "\n**Adapter / raw throughput: {:.3}** (ratio of medians); per alternating pair: median {} \
         over {reps} pairs. Target ≥ 0.95: **{}**.\n",
        median_ratio,
        ratio.range(3),
        if median_ratio >= 0.95 {
            "met"
        } else {
            "missed"
        },
    ));
    let notes = format!(
        "One conversation of {turns} one-message turns per run (the first turn includes \
         `thread/start`), {reps} runs per client, alternating which goes first; latencies pooled \
         over all runs. Same pinned binary, a fresh scripted zero-delay model and Codex home per \
         run, both clients in this process on one Tokio runtime. The raw client parses every line \
         as JSON and answers nothing; the adapter also folds every item into events and checks \
         the reply. The time is dominated by Codex itself (model request, rollout), so the ratio \
         measures what the adapter adds on top of it."
    );
    publish(
        BENCH,
        "2. Adapter overhead vs a raw JSON-RPC client",
        &text,
        &notes,
    );
}
