#!/usr/bin/env bash
# The Python wheel's figures for BENCHMARKS.md: its size, and the pytest plugin's per-test cost:
# one SDK turn replayed from a one-turn cassette as a marked test (setup + call + teardown, the
# plugin's work included) against the same replay with no pytest and no plugin (bare.py), in
# alternating rounds. Needs the venv scripts/python-package-check.sh makes (or VENV=...) and the
# committed example cassettes. Knobs: PROMPT_DIARY_BENCH_N (tests a round, 20),
# PROMPT_DIARY_BENCH_ROUNDS (5).
set -euo pipefail
cd "$(dirname "$0")/.."
venv=$(realpath "${VENV:-.prompt-diary/python-check/suite}")
n=${PROMPT_DIARY_BENCH_N:-20}
rounds=${PROMPT_DIARY_BENCH_ROUNDS:-5}
wheel=$(ls target/wheels/prompt_diary_cassettes-*.whl)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/bench/tests/cassettes/test_overhead"
cp examples/python/prompt-diary.toml "$work/bench/"
cp examples/python/bench/{test_overhead.py,conftest.py} "$work/bench/"
cp examples/python/tests/cassettes/test_sdk/test_sdk_default_lookup.jsonl \
    "$work/bench/tests/cassettes/test_overhead/one_turn.jsonl"
for round in $(seq "$rounds"); do
    (cd "$work/bench" && PROMPT_DIARY_BENCH_N=$n PROMPT_DIARY_BENCH_OUT="$work/plugin.$round" \
        "$venv/bin/python" -m pytest -q -p no:cacheprovider -o asyncio_default_fixture_loop_scope=function \
        test_overhead.py >/dev/null)
    "$venv/bin/python" examples/python/bench/bare.py \
        "$work/bench/tests/cassettes/test_overhead/one_turn.jsonl" "$n" "$work/bare.$round"
done
"$venv/bin/python" - "$work" "$rounds" "$n" "$wheel" "$venv" <<'PY'
import statistics, sys, zipfile
from pathlib import Path
work, rounds, n, wheel, venv = Path(sys.argv[1]), int(sys.argv[2]), sys.argv[3], Path(sys.argv[4]), Path(sys.argv[5])
def load(kind):
    return [[float(x) * 1000 for x in (work / f"{kind}.{r}").read_text().split()] for r in range(1, rounds + 1)]
plugin, bare = load("plugin"), load("bare")
flat = lambda rs: [x for r in rs for x in r]
med = statistics.median
diffs = [med(p) - med(b) for p, b in zip(plugin, bare)]
ratios = [med(p) / med(b) for p, b in zip(plugin, bare)]
mib = lambda b: b / 2**20
with zipfile.ZipFile(wheel) as z:
    members = {i.filename.rsplit("/", 1)[-1]: i.file_size for i in z.infolist()}
print(f"wheel {wheel.name}: {mib(wheel.stat().st_size):.1f} MiB compressed; "
      f"prompt-diary-codex {mib(members['prompt-diary-codex']):.1f} MiB, "
      f"prompt-diary-cassettes {mib(members['prompt-diary-cassettes']):.1f} MiB installed")
print(f"{rounds} rounds x {n} tests, alternating; per test, ms")
print(f"| | median | range | per-round medians |")
print(f"|---|---|---|---|")
print(f"| marked test (plugin: setup + call + teardown) | {med(flat(plugin)):.1f} | {min(flat(plugin)):.1f}-{max(flat(plugin)):.1f} | {', '.join(f'{med(r):.1f}' for r in plugin)} |")
print(f"| bare SDK replay (no pytest, no plugin) | {med(flat(bare)):.1f} | {min(flat(bare)):.1f}-{max(flat(bare)):.1f} | {', '.join(f'{med(r):.1f}' for r in bare)} |")
print(f"plugin's per-test overhead: median {med(diffs):.1f} ms (rounds {min(diffs):.1f} to {max(diffs):.1f}), "
      f"{med(ratios):.2f}x the bare replay (rounds {min(ratios):.2f}-{max(ratios):.2f})")
PY
