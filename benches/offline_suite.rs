//! Bench 5: what the offline suite costs. Time per replayed turn over the committed cassette
//! corpus (`cassettes/*.jsonl` replayed through the command line's fixture tooling, exactly as the replay tests
//! do), and the wall time of the replay tests under `cargo test` (with `hyperfine` when it is
//! installed, timed here otherwise).
//!
//! Knobs: `PROMPT_DIARY_BENCH_REPS` (replays per cassette, default 10; a cassette slower than 1 s
//! gets 2), `PROMPT_DIARY_BENCH_SUITE_RUNS`
//! (timed `cargo test` runs, default 3; 0 skips them).

mod common;
// The command line's fixture tooling (not public), compiled here as the replay tests compile it.
#[allow(
    dead_code,
    unused_imports,
    reason = "the command line's fixture tooling, shared by source: this bench replays fixtures only"
)]
#[path = "../src/cli/fixtures/mod.rs"]
mod fixtures;

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{Summary, knob, ms, publish, table};

const BENCH: &str = "offline_suite";
const TESTS: &str = "cargo test --quiet --test replay -- cassette_replay:: cassette_errors:: \
                     replay_engine::";

/// Wall times (s) of the replay tests: hyperfine's when installed, else our own.
fn suite_times(runs: usize) -> (Vec<f64>, &'static str) {
    let hyperfine = Command::new("hyperfine")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if hyperfine {
        let json = tempfile::NamedTempFile::new().expect("a temp file");
        let status = Command::new("hyperfine")
            .args([
                "--warmup",
                "1",
                "--runs",
                &runs.to_string(),
                "--style",
                "basic",
                "--export-json",
            ])
            .arg(json.path())
            .arg(TESTS)
            .current_dir(common::ROOT)
            .stdout(Stdio::inherit())
            .status()
            .expect("hyperfine runs");
        assert!(status.success(), "hyperfine failed: {status}");
        let report: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(json.path()).expect("hyperfine's JSON"))
                .expect("hyperfine's JSON parses");
        let times = report["results"][0]["times"]
            .as_array()
            .map(|t| t.iter().filter_map(serde_json::Value::as_f64).collect())
            .unwrap_or_default();
        return (times, "hyperfine (1 warm-up run)");
    }
    let run = || {
        let started = Instant::now();
        let status = Command::new("sh")
            .args(["-c", TESTS])
            .current_dir(common::ROOT)
            .stdout(Stdio::null())
            .status()
            .expect("cargo test runs");
        assert!(status.success(), "the replay tests failed: {status}");
        started.elapsed().as_secs_f64()
    };
    run(); // warm-up (builds the tests if needed)
    (
        (0..runs).map(|_| run()).collect(),
        "timed by this bench (1 warm-up run; hyperfine not installed)",
    )
}

fn main() {
    let reps = knob("REPS", 10).max(1);
    let suite_runs = knob("SUITE_RUNS", 3);
    let root = Path::new(common::ROOT);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    let mut rows = Vec::new();
    let (mut fast_ms, mut fast_turns) = (0.0, 0usize);
    for fixture in fixtures::list(root).expect("the fixtures") {
        if !fixture.cassette_path.is_file() {
            continue;
        }
        let turns: usize = fixture.client.runners.iter().map(|r| r.turns.len()).sum();
        let replay = || {
            let started = Instant::now();
            runtime
                .block_on(fixture.replay(None))
                .unwrap_or_else(|err| panic!("{}: {err}", fixture.name));
            started.elapsed()
        };
        let warm = replay();
        let slow = warm > Duration::from_secs(1);
        let samples: Vec<f64> = (0..if slow { 2 } else { reps })
            .map(|_| ms(replay()))
            .collect();
        let s = Summary::of(&samples);
        if !slow {
            fast_ms += s.median;
            fast_turns += turns;
        }
        rows.push(vec![
            format!(
                "`{}`{}",
                fixture.name,
                if slow {
                    " (waits for its turn timeout)"
                } else {
                    ""
                }
            ),
            turns.to_string(),
            s.range(2),
            format!("{:.2}", s.median / turns as f64),
        ]);
    }
    let mut text = table(
        &[
            "cassette",
            "turns",
            "ms per replay, median (min–max)",
            "ms per turn",
        ],
        &rows,
    );
    text.push_str(&format!(
        "\n**{:.2} ms per replayed turn** over the {fast_turns} turns of the cassettes that do not \
         wait for a timeout (sum of medians / turns).\n",
        fast_ms / fast_turns.max(1) as f64
    ));
    if suite_runs > 0 {
        let (times, how) = suite_times(suite_runs);
        let s = Summary::of(&times);
        text.push_str(&format!(
            "\n| replay tests | wall s, median (min–max) | runs | timed with |\n|---|---|---|---|\n\
             | `{TESTS}` | {} | {} | {how} |\n",
            s.range(2),
            times.len()
        ));
    }
    let notes = "Each replay is what a replay test does: parse the cassette, start a backend on \
                 `ReplayTransport`, run the fixture's client script (fresh temp workspaces), and \
                 `shutdown` (which fails on unused interactions). The `cargo test` wall time \
                 includes cargo's freshness check and the debug-profile test binaries; the tests \
                 inside a binary run in parallel, so its wall time is close to its slowest test. \
                 A cassette whose turn timed out while recording replays its timeout at once (no \
                 wall-clock wait), so it costs what the others cost.";
    publish(BENCH, "5. Offline suite cost", &text, notes);
}
