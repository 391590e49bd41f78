#!/usr/bin/env bash
# How much `prompt-diary rerecord -j N` gains over one at a time: re-records a fresh copy of the
# committed cassettes (cassettes/*.jsonl) with `-j 1` and with `-j JOBS`, on the pinned Codex,
# timed in one hyperfine run (each run on a fresh copy, set up untimed). Prints a markdown table
# (wall s, median with min–max) and the speed-up as the ratio of the medians.
#
#   bash scripts/rerecord-jobs.sh [JOBS] [RUNS]   (JOBS defaults to 2, RUNS to 3; needs hyperfine
#                                                 and the pinned Codex: cargo run -- install-codex)
#
# Builds the debug `prompt-diary` first. The cassette that starts an MCP server is re-recorded
# with its server allowed (`--allow-mcp-server echo`, this repository's fixture server).
set -euo pipefail
cd "$(dirname "$0")/.."

jobs=${1:-2}
runs=${2:-3}
if ! command -v hyperfine >/dev/null; then
    echo "hyperfine is not installed (Debian: apt-get install hyperfine)" >&2
    exit 1
fi
cargo build --quiet --bin prompt-diary
bin="$PWD/target/debug/prompt-diary"
count=$(ls cassettes/*.jsonl | wc -l)

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
copy="rm -rf $work/c && mkdir $work/c && cp $PWD/cassettes/*.jsonl $work/c/"
run() { # JOBS
    echo "$bin rerecord -j $1 --allow-mcp-server echo $work/c"
}

load_start=$(cut -d' ' -f1-3 /proc/loadavg)
hyperfine --runs "$runs" --style basic --export-json "$work/times.json" --prepare "$copy" \
    --command-name "j1" "$(run 1)" --command-name "j$jobs" "$(run "$jobs")" >&2
load_end=$(cut -d' ' -f1-3 /proc/loadavg)

echo
echo "\`bash scripts/rerecord-jobs.sh $jobs $runs\` (hyperfine, $runs runs each, a fresh copy of the" \
    "$count committed cassettes each run), $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) CPUs;" \
    "load averages $load_start at the start, $load_end at the end."
echo
python3 - "$work/times.json" "$jobs" "$count" <<'EOF'
import json, statistics, sys

results = {r["command"]: r for r in json.load(open(sys.argv[1]))["results"]}
jobs, count = sys.argv[2], sys.argv[3]
print(f"| `prompt-diary rerecord` of the {count} committed cassettes | wall s, median (min–max) | CPU s (user + sys), mean |")
print("|---|---|---|")
median = {}
for name in ("-j 1", f"-j {jobs}"):
    r = results[name.replace("-", "").replace(" ", "")]
    median[name] = statistics.median(r["times"])
    print(f"| `{name}` | {median[name]:.1f} ({min(r['times']):.1f}–{max(r['times']):.1f}) | {r['user'] + r['system']:.1f} |")
print()
print(f"**Speed-up of `-j {jobs}` over `-j 1`: {median['-j 1'] / median[f'-j {jobs}']:.2f}×** (ratio of the medians).")
EOF
