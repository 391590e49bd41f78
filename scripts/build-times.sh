#!/usr/bin/env bash
# Build cost of the test suite at two revisions, measured side by side on fresh clones:
#   (a) a clean `cargo test --no-run` (wall s, and CPU s: user + sys of cargo and all it ran),
#   (b) after it, `touch src/cassette/write.rs` and `cargo test --no-run` again (wall and CPU s),
#   (c) `du -sb target` after (b).
# The two revisions alternate (before, after, before, after, ...) for ROUNDS rounds, each round
# from an empty target/, so that load from other jobs on the machine falls on both (CPU seconds
# are less sensitive to that load than wall seconds). Prints a markdown table: medians with
# min–max, and after/before as the ratio of the medians.
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

# Runs `cargo test --no-run` in DIR and prints "wall user sys" seconds (user and sys include
# every rustc and linker cargo ran).
build() { # DIR LOG
    local t TIMEFORMAT='%R %U %S'
    if ! t=$( { time (cd "$1" && cargo test --no-run --quiet >/dev/null 2>"$2"); } 2>&1 ); then
        cat "$2" >&2
        exit 1
    fi
    echo "$t"
}

# One round for NAME: clean build, rebuild after the touch, size of target/. Appends
# "clean_wall rebuild_wall bytes clean_cpu rebuild_cpu" to $work/NAME.times.
measure() {
    local dir="$work/$1" t clean rebuild bytes
    rm -rf "$dir/target"
    t=$(build "$dir" "$work/$1.log")
    read -r cw cu cs <<<"$t"
    touch "$dir/$touched"
    t=$(build "$dir" "$work/$1.log")
    read -r rw ru rs <<<"$t"
    bytes=$(du -sb "$dir/target" | cut -f1)
    clean=$(awk -v u="$cu" -v s="$cs" 'BEGIN { printf "%.2f", u + s }')
    rebuild=$(awk -v u="$ru" -v s="$rs" 'BEGIN { printf "%.2f", u + s }')
    echo "$cw $rw $bytes $clean $rebuild" >>"$work/$1.times"
    echo "round $round, $1 ($(git -C "$dir" rev-parse --short HEAD)): clean $cw s wall" \
        "($clean s CPU), rebuild $rw s wall ($rebuild s CPU), target $bytes bytes;" \
        "1-minute load $(cut -d' ' -f1 /proc/loadavg)" >&2
}

load_start=$(cut -d' ' -f1-3 /proc/loadavg)
for round in $(seq 1 "$rounds"); do
    measure before
    measure after
done
load_end=$(cut -d' ' -f1-3 /proc/loadavg)

# Median, min and max of column COL of FILE, divided by DIV, with DEC decimals.
stats() { # FILE COL DIV DEC
    sort -g -k"$2,$2" "$1" | awk -v c="$2" -v d="$3" -v p="$4" '
        { v[NR] = $c / d }
        END {
            m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
            printf "%." p "f %." p "f %." p "f\n", m, v[1], v[NR]
        }'
}
# after/before per round (the rounds ran side by side): "median (min–max)".
pairs() { # COL
    paste -d' ' "$work/before.times" "$work/after.times" \
        | awk -v c="$1" '{ print $(c + 5) / $c }' | sort -g | awk '
        { v[NR] = $1 }
        END {
            m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
            printf "%.2f (%.2f–%.2f)\n", m, v[1], v[NR]
        }'
}
row() { # LABEL COL DIV DEC UNIT
    local b a ratio
    read -r bm bmin bmax < <(stats "$work/before.times" "$2" "$3" "$4")
    read -r am amin amax < <(stats "$work/after.times" "$2" "$3" "$4")
    b="$bm ($bmin–$bmax)"
    a="$am ($amin–$amax)"
    ratio=$(awk -v a="$am" -v b="$bm" 'BEGIN { printf "%.2f", a / b }')
    printf '| %s | %s | %s | **%s×** | %s |\n' "$1 ($5)" "$b" "$a" "$ratio" "$(pairs "$2")"
}

echo
echo "\`bash scripts/build-times.sh $before_rev $after_rev $rounds\`," \
    "$(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) CPUs; $rounds rounds alternating before/after," \
    "each from an empty \`target/\`; load averages $load_start at the start, $load_end at the end."
echo
before_short=$(git -C "$work/before" rev-parse --short HEAD)
after_short=$(git -C "$work/after" rev-parse --short HEAD)
echo "| measure | before \`$before_short\`, median (min–max)" \
    "| after \`$after_short\`, median (min–max)" \
    "| after / before (medians) | after / before per round, median (min–max) |"
echo "|---|---|---|---|---|"
row 'clean `cargo test --no-run`' 1 1 1 "wall s"
row 'clean `cargo test --no-run`' 4 1 1 "CPU s, user + sys"
row "\`touch $touched\`, then \`cargo test --no-run\`" 2 1 1 "wall s"
row "\`touch $touched\`, then \`cargo test --no-run\`" 5 1 1 "CPU s, user + sys"
row '`du -sb target` after both' 3 1048576 0 "MiB"
