//! Bench: a long pipeline on one backend. `COUNT` (default 100) sequential conversations of one
//! turn each on one app-server, once closing each runner after its turn and once not: the
//! app-server's RSS (`VmRSS` of the Codex process, `/proc/<pid>/status`) after every 10
//! conversations, and each conversation's time (runner, turn, and `close` when it closes).
//! Goal: with `close`, the RSS at the end is at most 1.2× the RSS after the first 10.
//!
//! Knobs: `PROMPT_DIARY_BENCH_COUNT` (conversations per run, default 100),
//! `PROMPT_DIARY_BENCH_REPS` (runs of each mode, alternating, default 1).

mod common;

use std::time::{Duration, Instant};

use common::{Summary, knob, ms, publish, status_kib, table};
use prompt_diary::agent::{AgentSessionFactory, TurnOptions};
use prompt_diary::codex::CodexAgentSessionFactory;
use prompt_diary::testing::conformance::ScriptedCodex;

const BENCH: &str = "close_memory";

/// One run: the RSS (KiB) after every 10 conversations and each conversation's time (ms).
struct Run {
    rss_kib: Vec<u64>,
    times_ms: Vec<f64>,
}

async fn run(bin: &std::path::Path, count: usize, close: bool) -> Run {
    let scenario = common::workload::scenario(count, 1);
    let codex = ScriptedCodex::start(scenario, bin.to_owned())
        .await
        .expect("the scripted model starts");
    let factory = CodexAgentSessionFactory::start(codex.backend_config())
        .await
        .expect("the app-server starts");
    let backend = factory
        .backend(&codex.backend_config())
        .await
        .expect("the backend");
    let pid = backend.pid().expect("a live app-server has a pid");
    let options = TurnOptions::with_timeout(Duration::from_secs(120));
    let mut out = Run {
        rss_kib: Vec::new(),
        times_ms: Vec::new(),
    };
    let mut kept = Vec::new();
    for c in 0..count {
        let started = Instant::now();
        let mut runner = factory.runner(codex.agent_config()).await.expect("runner");
        let result = runner
            .turn(&common::workload::prompt(c, 0), options.clone())
            .await
            .expect("turn");
        assert_eq!(result.assistant_text, common::workload::reply(c, 0));
        if close {
            runner.close().await.expect("close");
        } else {
            kept.push(runner); // not dropped either: a dropped runner is not released anyway
        }
        out.times_ms.push(ms(started.elapsed()));
        if (c + 1) % 10 == 0 {
            out.rss_kib.push(status_kib(pid, "VmRSS"));
        }
    }
    let loaded = backend.loaded_conversations().await.expect("loaded list");
    eprintln!(
        "{} close: {count} conversations, {loaded} still loaded, RSS {} KiB at the end",
        if close { "with" } else { "without" },
        out.rss_kib.last().copied().unwrap_or(0)
    );
    drop(kept);
    factory.shutdown().await.expect("shutdown");
    out
}

fn mib(kib: &[u64]) -> String {
    let s = Summary::of(&kib.iter().map(|k| *k as f64 / 1024.0).collect::<Vec<_>>());
    if s.n == 1 {
        format!("{:.1}", s.median)
    } else {
        s.range(1)
    }
}

fn main() {
    let Some(bin) = common::codex_bin(BENCH) else {
        return;
    };
    let count = (knob("COUNT", 100) / 10).max(1) * 10;
    let reps = knob("REPS", 1).max(1);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    let (mut with, mut without) = (Vec::new(), Vec::new());
    runtime.block_on(async {
        run(&bin, 10, true).await; // warm-up, not counted
        for _ in 0..reps {
            with.push(run(&bin, count, true).await);
            without.push(run(&bin, count, false).await);
        }
    });
    let mut rows = Vec::new();
    for i in 0..count / 10 {
        let at = |runs: &[Run]| runs.iter().map(|r| r.rss_kib[i]).collect::<Vec<_>>();
        rows.push(vec![
            ((i + 1) * 10).to_string(),
            mib(&at(&with)),
            mib(&at(&without)),
        ]);
    }
    let ratio = |runs: &[Run]| {
        let r: Vec<f64> = runs
            .iter()
            .map(|r| *r.rss_kib.last().unwrap() as f64 / r.rss_kib[0] as f64)
            .collect();
        Summary::of(&r)
    };
    let times = |runs: &[Run]| {
        Summary::of(
            &runs
                .iter()
                .flat_map(|r| r.times_ms.clone())
                .collect::<Vec<_>>(),
        )
    };
    let (rw, ro) = (ratio(&with), ratio(&without));
    let (tw, to) = (times(&with), times(&without));
    rows.push(vec![
        format!("RSS at {count} ÷ RSS at 10"),
        format!(
            "**{:.2}×**{}",
            rw.median,
            if reps > 1 {
                format!(" ({:.2}–{:.2})", rw.min, rw.max)
            } else {
                String::new()
            }
        ),
        format!(
            "**{:.2}×**{}",
            ro.median,
            if reps > 1 {
                format!(" ({:.2}–{:.2})", ro.min, ro.max)
            } else {
                String::new()
            }
        ),
    ]);
    rows.push(vec![
        "per conversation, ms: median (range)".to_owned(),
        tw.range(0),
        to.range(0),
    ]);
    rows.push(vec![
        "per conversation, ÷ without close".to_owned(),
        format!("{:.2}×", tw.median / to.median),
        "1.00×".to_owned(),
    ]);
    let goal = if rw.median <= 1.2 { "met" } else { "NOT met" };
    let notes = format!(
        "App-server RSS in MiB after every 10 conversations (`VmRSS` of the Codex process), \
         {reps} run(s) of each mode, alternating, after a 10-conversation warm-up; a \
         conversation's time is the runner, its one turn and (with close) `close()`. Goal \
         (with close, RSS at {count} ≤ 1.2× RSS at 10): {goal}."
    );
    publish(
        BENCH,
        "15. A long pipeline on one backend: close (issue 28)",
        &table(
            &["conversations", "with close (MiB)", "without close (MiB)"],
            &rows,
        ),
        &notes,
    );
}
