#!/usr/bin/env bash
# Must hold: a fresh clone's `cargo test`, on a machine with no Codex anywhere and npm's registry
# unreachable, passes and leaves the clone exactly as cloned (`git status --porcelain --ignored`
# empty). Run from the checkout (`.ci/run` does, after its own `cargo test`): it clones the
# committed HEAD into a temp folder and runs `cargo test --offline` there as a new user would:
# CI, PROMPT_DIARY_REQUIRE_* and PROMPT_DIARY_CODEX_BIN unset, PATH of cargo and the system only
# (checked to hold no `codex`), HOME, TMPDIR and XDG_CACHE_HOME in other temp folders, and npm's
# registry a closed port on loopback. The clone builds into a target folder of its own outside it,
# seeded with a copy of this checkout's built dependencies (target/debug without `incremental`),
# so only the workspace's own crates build again. Not this checkout's target/ itself: cargo's
# artifact names and fingerprints do not depend on where a workspace lives, so the clone's build
# would replace this checkout's binaries with ones whose CARGO_MANIFEST_DIR is the deleted clone,
# and cargo would take them as up to date.
set -euo pipefail
cd "$(dirname "$0")/.."
checkout="$PWD"

top="$(mktemp -d "${TMPDIR:-/tmp}/prompt-diary-fresh-clone.XXXXXX")"
trap 'rm -rf "$top"' EXIT
git clone --quiet --no-hardlinks "$checkout" "$top/clone"
mkdir -p "$top/home" "$top/tmp" "$top/cache" "$top/target/debug"
if [ -d target/debug/deps ]; then
    cp -a target/debug/deps target/debug/build target/debug/.fingerprint "$top/target/debug/"
fi

cargo_dir="$(dirname "$(command -v cargo)")"
bare_path="$cargo_dir:/usr/local/bin:/usr/bin:/bin"
if PATH="$bare_path" command -v codex >/dev/null; then
    echo "a codex is on the bare PATH ($(PATH="$bare_path" command -v codex)): this check needs a machine without one" >&2
    exit 1
fi

start=$(date +%s)
(
    cd "$top/clone"
    env -u CI -u PROMPT_DIARY_REQUIRE_CODEX -u PROMPT_DIARY_REQUIRE_BROWSER -u PROMPT_DIARY_CODEX_BIN \
        -u PROMPT_DIARY_RECORD_MODE -u PROMPT_DIARY_CASSETTE_MODE -u CODEX_HOME \
        PATH="$bare_path" \
        HOME="$top/home" TMPDIR="$top/tmp" XDG_CACHE_HOME="$top/cache" \
        CARGO_HOME="${CARGO_HOME:-$HOME/.cargo}" RUSTUP_HOME="${RUSTUP_HOME:-$HOME/.rustup}" \
        CARGO_TARGET_DIR="$top/target" \
        npm_config_registry=http://127.0.0.1:9/ npm_config_cache="$top/cache/npm" \
        cargo test --offline --quiet
) >"$top/cargo-test.log" 2>&1 || {
    cat "$top/cargo-test.log" >&2
    echo "a fresh clone's cargo test failed with no Codex and npm unreachable (log above)" >&2
    exit 1
}
echo "fresh clone: cargo test passed in $(( $(date +%s) - start )) s"
echo "fresh clone: $(grep -o 'SKIPPED [a-z]*' "$top/cargo-test.log" | sort | uniq -c | tr -s ' \n' ' ')(tiers whose tools are missing here)"

left="$(git -C "$top/clone" status --porcelain --ignored)"
if [ -n "$left" ]; then
    echo "a fresh clone's cargo test wrote into the clone (git status --porcelain --ignored):" >&2
    echo "$left" >&2
    exit 1
fi
echo "fresh clone: git status --porcelain --ignored is empty"
