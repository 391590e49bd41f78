#!/usr/bin/env bash
# What depending on prompt-diary costs a library: a clean `cargo build` of a small crate that
# depends on this checkout by path, with prompt-diary's default features (`cli`: clap, anyhow,
# tracing-subscriber, the scripted model, the command line's modules) against
# `default-features = false` (the port, the adapter, cassettes). Both dependents are timed in the
# same hyperfine run, each run from an empty target folder; prints a markdown table (wall s,
# median with min–max; CPU s, user + sys, mean) and the lean/default ratio of the medians.
#
#   bash scripts/dependent-build-times.sh [RUNS]   (RUNS defaults to 3; needs hyperfine)
#
# The dependents and their target folders go into a temp folder (removed at the end); they reuse
# this repository's Cargo.lock, so the same versions build, offline once the registry cache is
# warm. Takes a few minutes: every run is a clean build.
set -euo pipefail

runs=${1:-3}
repo="$(git -C "$(dirname "$0")" rev-parse --show-toplevel)"
export CARGO_TERM_COLOR=never
unset CARGO_TARGET_DIR CARGO_BUILD_TARGET_DIR

if ! command -v hyperfine >/dev/null; then
    echo "hyperfine is not installed (Debian: apt-get install hyperfine)" >&2
    exit 1
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

dependent() { # NAME FEATURES
    local dir="$work/$1"
    mkdir -p "$dir/src"
    cat >"$dir/Cargo.toml" <<EOF
[package]
name = "dependent-$1"
version = "0.0.0"
edition = "2024"
publish = false

[dependencies]
prompt-diary = { path = "$repo"$2 }

[workspace]
EOF
    cat >"$dir/src/lib.rs" <<'EOF'
//! A library that holds a Codex backend config on a cassette.
pub fn config() -> prompt_diary::codex::CodexBackendConfig {
    prompt_diary::codex::CodexBackendConfig::default()
}
EOF
    cp "$repo/Cargo.lock" "$dir/Cargo.lock"
    # Resolve once (offline if the cache has everything), outside the timing.
    (cd "$dir" && { cargo fetch --quiet --offline 2>/dev/null || cargo fetch --quiet; })
}
dependent default ""
dependent lean ", default-features = false"

build() { # NAME
    echo "cd $work/$1 && cargo build --quiet --offline --target-dir $work/$1/target"
}

load_start=$(cut -d' ' -f1-3 /proc/loadavg)
hyperfine --runs "$runs" --style basic --export-json "$work/times.json" \
    --prepare "rm -rf $work/default/target $work/lean/target" \
    -n default "$(build default)" -n lean "$(build lean)" >&2
load_end=$(cut -d' ' -f1-3 /proc/loadavg)

echo
echo "\`bash scripts/dependent-build-times.sh $runs\` (hyperfine, $runs runs each, every run from an" \
    "empty target folder), $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) CPUs, $(cargo --version | cut -d' ' -f1-2);" \
    "load averages $load_start at the start, $load_end at the end."
echo
python3 - "$work/times.json" <<'EOF'
import json, statistics, sys

results = {r["command"]: r for r in json.load(open(sys.argv[1]))["results"]}
labels = {
    "default": "`prompt-diary = { path = ... }` (default features: `cli`)",
    "lean": "`prompt-diary = { path = ..., default-features = false }`",
}
median = {}
print("| dependent's `[dependencies]` | clean `cargo build`, wall s, median (min–max) | CPU s (user + sys), mean |")
print("|---|---|---|")
for name in ("default", "lean"):
    r = results[name]
    median[name] = statistics.median(r["times"])
    print(f"| {labels[name]} | {median[name]:.1f} ({min(r['times']):.1f}–{max(r['times']):.1f}) "
          f"| {r['user'] + r['system']:.1f} |")
print()
print(f"**lean / default: {median['lean'] / median['default']:.2f}×** (wall, medians); "
      f"CPU {(results['lean']['user'] + results['lean']['system']) / (results['default']['user'] + results['default']['system']):.2f}×.")
EOF
