#!/usr/bin/env bash
# Proves that `cargo nextest run --partition count:K/N` (the README's recipe for spreading the
# cassette tests over N CI machines) runs every test exactly once: for N = 2 and 3, lists the
# tests each partition K = 1..N selects (`cargo nextest list --message-format json`) and checks
# that the partitions are disjoint and together hold every test of the unpartitioned list.
#
#   bash scripts/partitions.sh [NEXTEST ARGS...]   (default: --test replay, the cassette tests)
#
# Needs cargo-nextest. Builds the listed test binaries (nothing else) if they are not built.
set -euo pipefail
cd "$(dirname "$0")/.."
export LC_ALL=C

if ! cargo nextest --version >/dev/null 2>&1; then
    echo "cargo-nextest is not installed (cargo install cargo-nextest --locked)" >&2
    exit 1
fi
if [ $# -eq 0 ]; then
    set -- --test replay
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# The tests `cargo nextest list ARGS` selects, one `binary-id test-name` a line, sorted.
selected() { # OUT ARGS...
    local out=$1
    shift
    cargo nextest list --cargo-quiet --message-format json "$@" >"$work/list.json"
    python3 - "$work/list.json" <<'EOF' | sort >"$out"
import json, sys

listing = json.load(open(sys.argv[1]))
for binary_id, suite in sorted(listing["rust-suites"].items()):
    for name, case in sorted(suite["testcases"].items()):
        if case["filter-match"]["status"] == "matches":
            print(f"{binary_id} {name}")
EOF
}

selected "$work/all" "$@"
total=$(wc -l <"$work/all")
if [ "$total" -eq 0 ]; then
    echo "nextest lists no test for: $*" >&2
    exit 1
fi
for n in 2 3; do
    : >"$work/union"
    sizes=()
    for k in $(seq 1 "$n"); do
        selected "$work/part$k" "$@" --partition "count:$k/$n"
        sizes+=("$(wc -l <"$work/part$k")")
        cat "$work/part$k" >>"$work/union"
    done
    twice=$(sort "$work/union" | uniq -d)
    if [ -n "$twice" ]; then
        echo "count:K/$n: tests in more than one partition:" >&2
        echo "$twice" >&2
        exit 1
    fi
    if ! missing=$(sort -u "$work/union" | comm -13 - "$work/all") || [ -n "$missing" ]; then
        echo "count:K/$n: tests in no partition:" >&2
        echo "$missing" >&2
        exit 1
    fi
    if [ "$(sort -u "$work/union" | wc -l)" -ne "$total" ]; then
        echo "count:K/$n: the partitions list tests the whole list does not" >&2
        comm -23 <(sort -u "$work/union") "$work/all" >&2
        exit 1
    fi
    echo "count:K/$n over $total tests ($*): partitions of ${sizes[*]}, disjoint, every test once"
done
