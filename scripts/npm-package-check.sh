#!/usr/bin/env bash
# CI for the npm packages (issue 23): packs both tarballs, installs them with `npm install
# <tarballs>` into a fresh temporary project beside @openai/codex-sdk and vitest, copies in the
# example suite (examples/typescript/) and runs it:
#   1. its committed cassettes replay with no model and no Codex reachable;
#   2. recorded again with PROMPT_DIARY_RECORD_MODE=all against the real pinned Codex driven by
#      the scripted model (`prompt-diary scripted-model SCENARIO -- COMMAND`), vitest writing fresh snapshots;
#   3. replayed with `none` (CI set), the model stopped and no Codex reachable: the snapshots
#      recorded live must match (same finalResponse, items, usage and files);
#   4. a changed prompt fails with the divergence report; a missing cassette fails with the
#      command that records it; a test that stops early fails with its recorded runs unused;
#   5. a test file in a folder with no project file, vitest started from another folder, records
#      its cassette beside the test file (`cassettes/<file>/<test>.jsonl`) and replays it.
# First, no executable in the platform tarball may need a GLIBC_ symbol version above 2.17
# (scripts/package-glibc.sh, `objdump -T`); the packaged `prompt-diary` drives every step.
# Needs cargo, Node.js 20.19+ and npm (the registry, for the SDK and vitest), objdump, and the
# pinned Codex (`prompt-diary install-codex`). Prints how long it took.
#
# `--update-example` skips step 1 and copies the cassettes and snapshots recorded in step 2 back
# into examples/typescript/ (after steps 3 and 4 passed): how the committed ones are made.
set -euo pipefail
update_example=""
if [ "${1:-}" = "--update-example" ]; then update_example=1; fi
cd "$(dirname "$0")/.."
root=$PWD
started=$SECONDS

step() { echo "-- npm: $*"; }
fail() { echo "npm-package-check: $*" >&2; exit 1; }

step "pack the tarballs (just npm-package)"
bash scripts/npm-package.sh
main_tgz=$(ls "$root"/target/npm/prompt-diary-[0-9]*.tgz)
platform_tgz=$(ls "$root"/target/npm/prompt-diary-linux-x64-*.tgz)

step "the platform package's executables need at most GLIBC_2.17 (objdump -T)"
bash scripts/package-glibc.sh "$platform_tgz"

project=$(mktemp -d "${TMPDIR:-/tmp}/prompt-diary-npm-XXXXXX")
trap 'rm -rf "$project"' EXIT
cd "$project"
step "a fresh project in $project: npm install <tarballs> @openai/codex-sdk vitest"
echo '{ "name": "npm-package-check", "private": true, "type": "module" }' > package.json
# --omit=optional leaves out @openai/codex's own platform binary (the SDK is pointed at the
# stand-in); vite's native bundler is then added for this platform by hand.
npm install --no-audit --no-fund --loglevel=error --omit=optional --save-exact \
    "$main_tgz" "$platform_tgz" @openai/codex-sdk@0.163.0 vitest@4.1.12 vite@8.3.8
rolldown=$(node -p 'require("./node_modules/rolldown/package.json").version')
npm install --no-audit --no-fund --loglevel=error --omit=optional --save-exact \
    "@rolldown/binding-linux-x64-gnu@$rolldown"
[ -x node_modules/prompt-diary-linux-x64/bin/prompt-diary-codex ] \
    || fail "the platform package's stand-in is not installed as an executable"

step "the pinned Codex that records (the scripted model is served by \`prompt-diary scripted-model\`)"
# The packaged command line (the glibc 2.17 build) drives the check.
driver="$project/node_modules/prompt-diary-linux-x64/bin/prompt-diary"
codex_bin=$("$driver" install-codex --dir "$root")
for part in tests vitest.config.js prompt-diary.toml scripted-model.json; do
    cp -R "$root/examples/typescript/$part" .
done

node_dir=$(dirname "$(command -v node)")
# Replay: CI set (mode none), no model, no Codex on PATH or in PROMPT_DIARY_CODEX_BIN.
replay() {
    env -u CODEX_HOME CI=true PROMPT_DIARY_CODEX_BIN=/nonexistent/codex \
        PATH="$node_dir:/usr/bin:/bin" bash -c 'node node_modules/vitest/vitest.mjs run "$@"' vitest "$@"
}
# The output of a run that must fail; fails when it passes.
must_fail() {
    local out
    if out=$("$@" 2>&1); then echo "$out"; fail "expected a failure, but the suite passed"; fi
    echo "$out"
}
expect_text() {
    grep -qF -- "$2" <<<"$1" || { echo "$1"; fail "the failure does not say: $2"; }
    echo "   says: $2"
}

if [ -z "$update_example" ]; then
    step "1. the committed cassettes replay offline"
    replay
fi

step "2. record again: PROMPT_DIARY_RECORD_MODE=all, real Codex $codex_bin, scripted model"
rm -rf tests/cassettes tests/__snapshots__
record_started=$SECONDS
env -u CI PROMPT_DIARY_RECORD_MODE=all PROMPT_DIARY_CODEX_BIN="$codex_bin" \
    "$driver" scripted-model scripted-model.json -- node node_modules/vitest/vitest.mjs run
echo "recorded in $((SECONDS - record_started)) s"
repair=tests/cassettes/tests/repair.test/repairs_a_missing_artifact_on_one_thread.jsonl
notes=tests/cassettes/tests/notes.test/writes_one_note.jsonl
[ -f "$repair" ] && [ -f "$notes" ] || fail "the two cassettes were not written: $(find tests/cassettes -type f)"
[ "$(grep -c '"kind":"invocation"' "$repair")" = 2 ] || fail "$repair does not hold two runs"
grep -q '"resume"' "$repair" || fail "the repair run does not resume the thread"
grep -q 'Write notes.md' "$repair" && fail "$repair holds the other file's run"
[ "$(grep -c '"kind":"invocation"' "$notes")" = 1 ] || fail "$notes does not hold one run"
ls tests/__snapshots__/repair.test.ts.snap tests/__snapshots__/notes.test.ts.snap >/dev/null

step "3. replay what was just recorded: none, model stopped, no Codex"
replay

step "4a. a changed prompt fails with the divergence report"
cp tests/repair.test.ts /tmp/repair.test.ts.$$
sed -i 's/describing the plan\./describing the whole plan./' tests/repair.test.ts
out=$(must_fail replay tests/repair.test.ts)
expect_text "$out" "replay diverged from the cassette"
expect_text "$out" "describing the whole plan"
expect_text "$out" "PROMPT_DIARY_RECORD_MODE=all npm test"
mv /tmp/repair.test.ts.$$ tests/repair.test.ts

step "4b. a missing cassette under none fails with the command that records it"
mv "$notes" "$notes.away"
out=$(must_fail replay tests/notes.test.ts)
expect_text "$out" "no cassette at $project/$notes"
expect_text "$out" "PROMPT_DIARY_RECORD_MODE=once npx vitest run tests/notes.test.ts -t \"writes one note\""
mv "$notes.away" "$notes"

step "4c. a test that stops after the first run fails: a recorded run was left unused"
mkdir -p tests/cassettes/tests/stops_early.test
cp "$repair" tests/cassettes/tests/stops_early.test/stops_after_the_first_run.jsonl
cat > tests/stops_early.test.ts <<'TS'
import { Codex } from "@openai/codex-sdk";
import { codexCassette, finishCassette } from "prompt-diary";
import { afterEach, expect, test } from "vitest";
import { freshWorkspace } from "./workspace";

afterEach(finishCassette);

test("stops after the first run", async () => {
  const codex = new Codex(codexCassette());
  const thread = codex.startThread({ workingDirectory: freshWorkspace(), skipGitRepoCheck: true });
  const first = await thread.run("Write artifact.md describing the plan.");
  expect(first.finalResponse).toBe("I have planned the artifact.");
});
TS
out=$(must_fail replay tests/stops_early.test.ts)
expect_text "$out" "2 recorded runs, 1 left unused"
rm -rf tests/stops_early.test.ts tests/cassettes/tests/stops_early.test

step "5. no project file, vitest started in another folder: the cassette sits beside the test file"
# A suite with no prompt-diary.toml (a folder of its own under the temp dir, the packages
# reached through a link to the project's node_modules), run from its parent with --root.
bare=$(mktemp -d "${TMPDIR:-/tmp}/prompt-diary-npm-bare-XXXXXX")
trap 'rm -rf "$project" "$bare"' EXIT
mkdir -p "$bare/suite/tests"
ln -s "$project/node_modules" "$bare/suite/node_modules"
cp tests/workspace.ts "$bare/suite/tests/"
cat > "$bare/suite/tests/beside.test.ts" <<'TS'
import { Codex } from "@openai/codex-sdk";
import { codexCassette, finishCassette } from "prompt-diary";
import { afterEach, expect, test } from "vitest";
import { files, freshWorkspace } from "./workspace";

afterEach(finishCassette);

test("writes one note", async () => {
  const workspace = freshWorkspace();
  const codex = new Codex(codexCassette());
  const thread = codex.startThread({ workingDirectory: workspace, skipGitRepoCheck: true });
  const run = await thread.run("Write notes.md with one note.");
  expect(run.finalResponse).toBe("notes.md has one note.");
  expect(files(workspace)).toEqual({ "notes.md": "first note\n" });
});
TS
node -e 'const s = require(process.argv[1]); s.conversations = s.conversations.filter((c) => c.match === "Write notes.md"); require("fs").writeFileSync(process.argv[2], JSON.stringify(s));' \
    "$project/scripted-model.json" "$bare/notes-only.json"
vitest_bare=(node "$project/node_modules/vitest/vitest.mjs" run --root suite --testTimeout=120000)
(cd "$bare" && [ ! -e "$bare/prompt-diary.toml" ] \
    && "$driver" project --json --dir suite/tests | grep -q '"file": null') \
    || fail "$bare/suite/tests finds a prompt-diary.toml: the check needs a folder without one"
(cd "$bare" && env -u CI PROMPT_DIARY_RECORD_MODE=once PROMPT_DIARY_CODEX_BIN="$codex_bin" \
    "$driver" scripted-model notes-only.json -- "${vitest_bare[@]}")
beside=suite/tests/cassettes/beside.test/writes_one_note.jsonl
found=$(cd "$bare" && find . -name '*.jsonl' -not -path './suite/node_modules/*' | sort)
[ "$found" = "./$beside" ] || fail "the cassette is not (only) at $bare/$beside: found ${found:-nothing}"
echo "   recorded $beside (from $bare)"
(cd "$bare" && env -u CODEX_HOME CI=true PROMPT_DIARY_CODEX_BIN=/nonexistent/codex \
    PATH="$node_dir:/usr/bin:/bin" "${vitest_bare[@]}")
echo "   replayed it offline from $bare"

if [ -n "${PROMPT_DIARY_NPM_BENCH:-}" ]; then
    step "bench: the suite live (all, through the stand-in, real Codex, scripted model) and replayed (none), alternating, $PROMPT_DIARY_NPM_BENCH rounds"
    live_ms=() replay_ms=()
    for _ in $(seq "$PROMPT_DIARY_NPM_BENCH"); do
        rm -rf tests/cassettes
        t0=$(date +%s%N)
        env -u CI PROMPT_DIARY_RECORD_MODE=all PROMPT_DIARY_CODEX_BIN="$codex_bin" \
            "$driver" scripted-model scripted-model.json -- node node_modules/vitest/vitest.mjs run >/dev/null 2>&1 \
            || fail "a live bench run failed"
        live_ms+=($(( ($(date +%s%N) - t0) / 1000000 )))
        t0=$(date +%s%N)
        replay >/dev/null 2>&1 || fail "a replay bench run failed"
        replay_ms+=($(( ($(date +%s%N) - t0) / 1000000 )))
    done
    summary() { printf '%s\n' "$@" | sort -n | awk '{v[NR]=$1} END {m = NR % 2 ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2; printf "median %d ms, range %d-%d ms (n=%d)", m, v[1], v[NR], NR}'; }
    echo "live:   $(summary "${live_ms[@]}")"
    echo "replay: $(summary "${replay_ms[@]}")"
fi

if [ -n "$update_example" ]; then
    rm -rf "$root/examples/typescript/tests/cassettes" "$root/examples/typescript/tests/__snapshots__"
    cp -R tests/cassettes tests/__snapshots__ "$root/examples/typescript/tests/"
    echo "copied the new cassettes and snapshots into examples/typescript/tests/"
fi
echo "npm-package-check: all good in $((SECONDS - started)) s"
