#!/usr/bin/env bash
# Build cost of the test suite at two revisions, measured side by side on fresh clones:
#   (a) a clean `cargo test --no-run` (wall s),
#   (b) after it, `touch src/cassette/write.rs` and `cargo test --no-run` again (wall s),
#   (c) `du -sb target` after (b).
# The two revisions alternate (before, after, before, after, ...) for ROUNDS rounds, each round
# from an empty target/, so that load from other jobs on the machine falls on both. Prints a
# markdown table: medians with min–max, and after/before as the ratio of the medians.
#
#   bash scripts/build-times.sh BEFORE_REV AFTER_REV [ROUNDS]   (ROUNDS defaults to 2)
#
# The clones go into temp directories (removed at the end) and build with cargo's defaults
# (incremental on for the dev profile); the registry cache is shared, so nothing is downloaded
# once it is warm. Takes a few minutes per round: clean builds are long.
set -euo pipefail

if [ $# -lt 2 ] || [ $# -gt 3 ]; then
    echo "usage: bash scripts/build-times.sh BEFORE_REV AFTER_REV [ROUNDS]" >&2
    exit 2
fi
before_rev=$1
after_rev=$2
rounds=${3:-2}
touched=src/cassette/write.rs

repo="$(git -C "$(dirname "$0")" rev-parse --show-toplevel)"
export CARGO_TERM_COLOR=never
unset CARGO_TARGET_DIR CARGO_BUILD_TARGET_DIR

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

clone() { # NAME REV
    local dir="$work/$1"
    git clone -q --no-checkout "$repo" "$dir"
    git -C "$dir" checkout -q --detach "$2"
    if [ ! -f "$dir/$touched" ]; then
        echo "$2 has no $touched to touch; pick revisions that have it" >&2
        exit 1
    fi
}
clone before "$before_rev"
clone after "$after_rev"

now() { date +%s.%N; }
sub() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a - b }'; }

# One round for NAME: clean build, rebuild after the touch, size of target/. Appends
# "clean rebuild bytes" to $work/NAME.times.
measure() {
    local dir="$work/$1" t0 t1 t2
    rm -rf "$dir/target"
    t0=$(now)
    (cd "$dir" && cargo test --no-run --quiet) >/dev/null 2>"$work/$1.log" \
        || { cat "$work/$1.log" >&2; exit 1; }
    t1=$(now)
    touch "$dir/$touched"
    (cd "$dir" && cargo test --no-run --quiet) >/dev/null 2>"$work/$1.log" \
        || { cat "$work/$1.log" >&2; exit 1; }
    t2=$(now)
    local bytes
    bytes=$(du -sb "$dir/target" | cut -f1)
    echo "$(sub "$t1" "$t0") $(sub "$t2" "$t1") $bytes" >>"$work/$1.times"
    echo "round $round, $1 ($(git -C "$dir" rev-parse --short HEAD)): clean $(sub "$t1" "$t0") s," \
        "rebuild $(sub "$t2" "$t1") s, target $bytes bytes;" \
        "1-minute load $(cut -d' ' -f1 /proc/loadavg)" >&2
}

load_start=$(cut -d' ' -f1-3 /proc/loadavg)
for round in $(seq 1 "$rounds"); do
    measure before
    measure after
done
load_end=$(cut -d' ' -f1-3 /proc/loadavg)

# median and min–max of column COL of FILE, scaled by DIV, with DEC decimals: "median (min–max)".
stats() { # FILE COL DIV DEC
    sort -g -k"$2,$2" "$1" | awk -v c="$2" -v d="$3" -v p="$4" '
        { v[NR] = $c / d }
        END {
            m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
            printf "%." p "f %." p "f %." p "f\n", m, v[1], v[NR]
        }'
}
row() { # LABEL COL DIV DEC UNIT
    local b a
    read -r bm bmin bmax < <(stats "$work/before.times" "$2" "$3" "$4")
    read -r am amin amax < <(stats "$work/after.times" "$2" "$3" "$4")
    b="$bm ($bmin–$bmax)"
    a="$am ($amin–$amax)"
    printf '| %s | %s | %s | **%.2f×** |\n' "$1 ($5)" "$b" "$a" "$(awk -v a="$am" -v b="$bm" 'BEGIN { print a / b }')"
}

echo
echo "\`bash scripts/build-times.sh $before_rev $after_rev $rounds\`, $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) CPUs;"
echo "$rounds rounds alternating before/after from an empty \`target/\`; load averages $load_start at the start, $load_end at the end."
echo
echo "| measure | before \`$(git -C "$work/before" rev-parse --short HEAD)\`, median (min–max) | after \`$(git -C "$work/after" rev-parse --short HEAD)\`, median (min–max) | after / before |"
echo "|---|---|---|---|"
row 'clean `cargo test --no-run`' 1 1 1 "wall s"
row "\`touch $touched\`, then \`cargo test --no-run\`" 2 1 1 "wall s"
row '`du -sb target` after both' 3 1048576 0 "MiB"
