//! Shared by the benchmark programs: summary statistics, knobs read from the environment,
//! machine facts, process memory, and the writer of `BENCHMARKS.md`.
//!
//! Each bench is a `harness = false` program: it measures, prints a markdown table, and replaces
//! its own section of `BENCHMARKS.md` (between `<!-- bench:NAME -->` markers) with the table, the
//! command that made it, the date and the machine.

#![allow(dead_code)] // each bench uses a different part of this module

pub(crate) mod workload;

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Duration;

/// The crate's root folder.
pub(crate) const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// Median, range and percentiles of one measured quantity.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Summary {
    /// How many samples.
    pub n: usize,
    /// The median (same as p50).
    pub median: f64,
    /// The smallest sample.
    pub min: f64,
    /// The largest sample.
    pub max: f64,
    /// The 95th percentile (nearest rank).
    pub p95: f64,
}

impl Summary {
    /// Summarises `samples` (at least one).
    pub(crate) fn of(samples: &[f64]) -> Summary {
        assert!(!samples.is_empty(), "no samples to summarise");
        let mut sorted = samples.to_vec();
        sorted.sort_by(f64::total_cmp);
        let n = sorted.len();
        let median = if n % 2 == 1 {
            sorted[n / 2]
        } else {
            (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0
        };
        Summary {
            n,
            median,
            min: sorted[0],
            max: sorted[n - 1],
            p95: percentile(&sorted, 95.0),
        }
    }

    /// `median (min–max)` with `decimals` digits.
    pub(crate) fn range(&self, decimals: usize) -> String {
        format!(
            "{:.d$} ({:.d$}–{:.d$})",
            self.median,
            self.min,
            self.max,
            d = decimals
        )
    }
}

/// The `p`th percentile of sorted samples, nearest rank.
pub(crate) fn percentile(sorted: &[f64], p: f64) -> f64 {
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

/// Milliseconds in a duration, as a float.
pub(crate) fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

static KNOBS: Mutex<Vec<(String, String)>> = Mutex::new(Vec::new());

/// `PROMPT_DIARY_BENCH_<name>` as a number, or `default`. Every knob read is named in the
/// command written to `BENCHMARKS.md`, with the value used.
pub(crate) fn knob(name: &str, default: usize) -> usize {
    let key = format!("PROMPT_DIARY_BENCH_{name}");
    let value = std::env::var(&key)
        .ok()
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(default);
    let mut knobs = KNOBS.lock().unwrap_or_else(|p| p.into_inner());
    if !knobs.iter().any(|(k, _)| *k == key) {
        knobs.push((key, value.to_string()));
    }
    value
}

/// The command that reproduces this bench run, knobs included.
pub(crate) fn command(bench: &str) -> String {
    let knobs = KNOBS.lock().unwrap_or_else(|p| p.into_inner());
    let mut out = String::new();
    for (key, value) in knobs.iter() {
        let _ = write!(out, "{key}={value} ");
    }
    let _ = write!(out, "cargo bench --bench {bench}");
    out
}

/// Facts about this machine and moment, for the report.
pub(crate) fn machine() -> String {
    let cpus = std::thread::available_parallelism().map_or(0, |n| n.get());
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo
        .lines()
        .find_map(|l| l.strip_prefix("model name"))
        .and_then(|l| l.split_once(':'))
        .map_or("unknown CPU", |(_, m)| m.trim())
        .to_owned();
    let load = std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|l| l.split_whitespace().next().map(str::to_owned))
        .unwrap_or_else(|| "?".to_owned());
    format!("{cpus} CPUs (nproc), {model}; 1-minute load average {load} at the end of the run")
}

/// The current UTC date and time (`date -u`), or `unknown`.
pub(crate) fn now_utc() -> String {
    std::process::Command::new("date")
        .args(["-u", "+%Y-%m-%d %H:%M UTC"])
        .output()
        .ok()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "unknown".to_owned())
}

/// Prints a section and writes it into `BENCHMARKS.md` in place of the earlier run's (unless
/// `PROMPT_DIARY_BENCH_WRITE=0`).
pub(crate) fn publish(bench: &str, title: &str, table: &str, notes: &str) {
    let section = format!(
        "<!-- bench:{bench} -->\n## {title}\n\n`{}`, {}, {}.\n\n{}\n{}\n<!-- /bench:{bench} -->\n",
        command(bench),
        now_utc(),
        machine(),
        table.trim_end(),
        if notes.is_empty() {
            String::new()
        } else {
            format!("\n{}\n", notes.trim_end())
        }
    );
    println!("\n{section}");
    if std::env::var("PROMPT_DIARY_BENCH_WRITE").is_ok_and(|v| v == "0") {
        return;
    }
    let path = Path::new(ROOT).join("BENCHMARKS.md");
    let old = std::fs::read_to_string(&path).unwrap_or_else(|_| "# Benchmarks\n".to_owned());
    let start = format!("<!-- bench:{bench} -->");
    let end = format!("<!-- /bench:{bench} -->\n");
    let new = match (old.find(&start), old.find(&end)) {
        (Some(a), Some(b)) if b > a => format!("{}{}{}", &old[..a], section, &old[b + end.len()..]),
        _ => format!(
            "{}\n{}",
            old.trim_end_matches('\n').to_owned() + "\n",
            section
        ),
    };
    match std::fs::write(&path, new) {
        Ok(()) => eprintln!("updated {}", path.display()),
        Err(err) => eprintln!("could not update {}: {err}", path.display()),
    }
}

/// A markdown table from a header row and rows.
pub(crate) fn table(header: &[&str], rows: &[Vec<String>]) -> String {
    let mut out = format!("| {} |\n|", header.join(" | "));
    for _ in header {
        out.push_str("---|");
    }
    out.push('\n');
    for row in rows {
        let _ = writeln!(out, "| {} |", row.join(" | "));
    }
    out
}

/// A field of `/proc/<pid>/status` in KiB (`VmRSS`, `VmHWM`), or 0.
pub(crate) fn status_kib(pid: u32, field: &str) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

/// The pinned Codex binary, or `None` with a message saying how to get it.
pub(crate) fn codex_bin(bench: &str) -> Option<PathBuf> {
    match prompt_diary::project::find_codex_bin(None) {
        Ok((path, _)) => Some(path),
        Err(err) => {
            eprintln!(
                "SKIPPED bench {bench}: {err}. Install it with `cargo run -- install-codex`."
            );
            None
        }
    }
}
