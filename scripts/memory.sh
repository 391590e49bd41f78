#!/usr/bin/env bash
# Peak memory of the commands that read a whole cassette (issue 20, item 8): `inspect FILE`,
# `verify DIR`, `view FILE` and `replay FILE` on a generated app-server cassette of LINES lines (default
# 1,000,000), each run under GNU time (`/usr/bin/time -v`, its "Maximum resident set size").
#
# The cassette is `cassettes/single_turn.jsonl` (a real recording through the adapter, so it
# replays) with LINES - 22 small lines put into its one turn before the agent's reply: blocks of
# an `item/started`, eight `item/agentMessage/delta` lines of two characters and an
# `item/completed` agent message, so a tenth of the added lines is a timeline event and the rest
# are the chunks of delta streams the secret scan joins.
#
# Usage: bash scripts/memory.sh [LINES]   (builds nothing: run `cargo build --release` first;
# `PROMPT_DIARY_BIN=path` measures another build, such as a copy of the one before a change;
# `PROMPT_DIARY_MEMORY_ONLY=replay` measures only the commands whose row names that word)
# Needs GNU time: `apt-get install time` (Debian's package `time`) when /usr/bin/time is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
lines=${1:-1000000}
bin=${PROMPT_DIARY_BIN:-target/release/prompt-diary}
if [ ! -x /usr/bin/time ]; then
    echo "GNU time is missing: apt-get install time" >&2
    exit 1
fi
if [ ! -x "$bin" ]; then
    echo "$bin is missing: cargo build --release" >&2
    exit 1
fi
dir=target/memory
rm -rf "$dir"
mkdir -p "$dir/cassettes"
file="$dir/cassettes/big.jsonl"
python3 - "$lines" cassettes/single_turn.jsonl >"$file" <<'PY'
import sys
lines, source = int(sys.argv[1]), sys.argv[2]
text = open(source).read().splitlines()
at = next(i for i, l in enumerate(text) if '"item/started"' in l and '{{item:2}}' in l)
out = sys.stdout
out.write("\n".join(text[:at]) + "\n")
head = '{"kind":"s2c","conv":"c1","turn":0,"msg":'
for k in range((lines - len(text)) // 10):
    item = f'"x{k}"'
    out.write(head + '{"method":"item/started","params":{"item":{"id":' + item
              + ',"text":"","type":"agentMessage"},"threadId":"{{thread:1}}","turnId":"{{turn:1}}"}}}\n')
    for _ in range(8):
        out.write(head + '{"method":"item/agentMessage/delta","params":{"delta":"ab","itemId":'
                  + item + ',"threadId":"{{thread:1}}"}}}\n')
    out.write(head + '{"method":"item/completed","params":{"item":{"id":' + item
              + ',"text":"abababababababab","type":"agentMessage"},"threadId":"{{thread:1}}","turnId":"{{turn:1}}"}}}\n')
out.write("\n".join(text[at:]) + "\n")
PY
size=$(stat -c %s "$file")
count=$(wc -l <"$file")
echo "cassette: $file, $count lines, $size bytes ($(awk "BEGIN{printf \"%.1f\", $size/1048576}") MiB)"
echo
echo "| command | peak RSS MiB | peak RSS / file size | wall s | exit |"
echo "|---|---|---|---|---|"
measure() {
    local name=$1
    shift
    if [ -n "${PROMPT_DIARY_MEMORY_ONLY:-}" ] && [[ "$name" != *"$PROMPT_DIARY_MEMORY_ONLY"* ]]; then
        return
    fi
    local status=0
    /usr/bin/time -v -o "$dir/time.txt" "$@" >"$dir/out.txt" 2>"$dir/err.txt" || status=$?
    local kib wall
    kib=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$dir/time.txt")
    wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {print $2}' "$dir/time.txt")
    awk -v n="$name" -v k="$kib" -v s="$size" -v w="$wall" -v e="$status" \
        'BEGIN{printf "| %s | %.0f | %.2f× | %s | %s |\n", n, k/1024, k*1024/s, w, e}'
}
measure '`prompt-diary inspect FILE`' "$bin" inspect "$file"
measure '`prompt-diary inspect --json FILE`' "$bin" inspect --json "$file"
measure '`prompt-diary verify DIR`' "$bin" verify "$dir/cassettes"
measure '`prompt-diary view FILE`' "$bin" view "$file" -o "$dir/big.html"
measure '`prompt-diary replay FILE`' "$bin" replay "$file"
