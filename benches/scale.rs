//! Bench 4: scale. 1, 8, 32 and 64 concurrent runners on one backend (one app-server), then a
//! fixed number of runners with more turns each: throughput, p95 turn latency, peak RSS of our
//! process (the client alone, in a child process) and of the app-server.
//!
//! Knobs: `PROMPT_DIARY_BENCH_REPS` (default 3), `PROMPT_DIARY_BENCH_TURNS` (turns per runner in
//! the runner sweep, default 4), `PROMPT_DIARY_BENCH_SWEEP_RUNNERS` (runners in the turns sweep,
//! default 8).

mod common;

use std::path::Path;

use common::workload::{self, Measured, RunStats};
use common::{knob, publish, table};

const BENCH: &str = "scale";

async fn one(bin: &Path, runners: usize, turns: usize) -> Measured {
    workload::against_scripted_model(bin, runners, turns, |target| async move {
        workload::run_adapter_in_child(&target, runners, turns, None).await
    })
    .await
}

fn main() {
    workload::child_main();
    let Some(bin) = common::codex_bin(BENCH) else {
        return;
    };
    let reps = knob("REPS", 3).max(1);
    let turns = knob("TURNS", 4).max(1);
    let sweep_runners = knob("SWEEP_RUNNERS", 8).max(1);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    let mut configs: Vec<(usize, usize)> = [1, 8, 32, 64].map(|r| (r, turns)).to_vec();
    for t in [1, 4 * turns] {
        configs.push((sweep_runners, t));
    }
    let mut rows = Vec::new();
    let mut base_cost = None;
    runtime.block_on(async {
        one(&bin, 1, 1).await; // warm-up, not counted
        for &(runners, turns) in &configs {
            let runs: Vec<Measured> = {
                let mut runs = Vec::new();
                for rep in 0..reps {
                    let m = one(&bin, runners, turns).await;
                    eprintln!(
                        "{runners} runners × {turns} turns, rep {rep}: {:.1} turns/s",
                        m.throughput()
                    );
                    runs.push(m);
                }
                runs
            };
            let RunStats {
                throughput: tput,
                latency_ms: lat,
                client_mib: ours,
                server_mib: server,
            } = RunStats::of(&runs);
            let cost = 1000.0 / tput.median; // wall ms per turn
            let base = *base_cost.get_or_insert(cost);
            rows.push(vec![
                runners.to_string(),
                turns.to_string(),
                tput.range(1),
                format!("{cost:.1} ({:.2}×)", cost / base),
                format!("{:.0}", lat.median),
                format!("{:.0}", lat.p95),
                ours.range(1),
                server.range(0),
            ]);
        }
    });
    let text = table(
        &[
            "runners",
            "turns each",
            "turns/s, median (min–max)",
            "wall ms per turn (vs 1 runner)",
            "latency p50 (ms)",
            "latency p95 (ms)",
            "our peak RSS (MiB)",
            "app-server peak RSS (MiB)",
        ],
        &rows,
    );
    let notes = format!(
        "{reps} runs per row. One backend (one `codex app-server`) per run, one \
         `CodexAgentRunner` per conversation, all at once, against a fresh scripted zero-delay \
         model (in the parent process) and the pinned binary. Our peak RSS is the `VmHWM` of a \
         child process that holds only the client (backend, session, runners, Tokio); the \
         app-server's is its `VmHWM` before it stops. Wall ms per turn = 1000 / throughput; the \
         last rows keep {sweep_runners} runners and vary the turns per conversation (each turn \
         resends the conversation so far to the model, so later turns cost Codex more)."
    );
    publish(
        BENCH,
        "4. Scale: concurrent runners on one backend",
        &text,
        &notes,
    );
}
