# prompt-diary recipes. Each one is a plain cargo (or bash) command, so without `just` you can
# copy the line under a recipe and run it as it is.

# List the recipes.
default:
    @just --list

# Install the pinned Codex CLI (`codex` in prompt-diary.toml) into .prompt-diary/ with npm; prints the binary's path.
install-codex:
    cargo run -- install-codex

# The test command the README gives (CI runs the same one, see .ci/run).
test:
    cargo test

# Record one prompt against your own Codex (its login and config; may spend tokens) into
# cassettes/NAME.jsonl, in a fresh workspace under target/. Opt-in; never in CI.
record NAME PROMPT:
    rm -rf target/record-workspaces/{{NAME}}
    cargo run -- record --prompt {{quote(PROMPT)}} --workspace target/record-workspaces/{{NAME}} --out cassettes/{{NAME}}.jsonl

# Re-record every committed cassette from the real Codex driven by the scripted local model;
# a cassette that changed is written as cassettes/NAME.jsonl.new (see `review` and `accept`).
record-fixtures:
    cargo run -- record-fixtures

# Move to another Codex without an account: install VERSION (or `latest`), compare protocol
# schemas, re-record every cassette offline on it; then `just review`, accept with
# `cargo run -- upgrade-codex --to VERSION --accept` (it moves the pin in prompt-diary.toml), and
# move the crate's compiled-in default with it: `cargo xtask move-pin VERSION`.
upgrade-codex VERSION:
    cargo run -- upgrade-codex --to {{VERSION}}

# Prove another Codex version: install it and run the conformance tier (real binary, scripted
# model, the stand-in, the Python and TypeScript SDKs) against it. See docs/compatibility.md.
compat VERSION:
    bin=$(cargo run --quiet -- install-codex --version {{VERSION}}) && PROMPT_DIARY_CODEX_BIN=$bin PROMPT_DIARY_REQUIRE_CODEX=1 cargo test --test conformance --test stand_in -- codex_conformance:: generate_conformance:: schema_subset:: app_server:: python_sdk:: exec:: exec_safety:: ts_sdk::

# Show pending .new re-recordings by meaning (what the agent did, then protocol fields);
# `cargo run -- review --raw` shows line diffs.
review:
    cargo run -- review

# Accept every pending .new re-recording.
accept:
    cargo run -- accept

# Write a cassette as one self-contained HTML page (target/view/NAME.html) and open it (without
# a desktop browser, its path is printed).
view CASSETTE:
    cargo run -- view {{CASSETTE}} -o target/view/{{file_stem(CASSETTE)}}.html --open

# Opt-in live tests against your own Codex login (real model, may spend tokens).
live:
    PROMPT_DIARY_LIVE=1 cargo test --test live -- --ignored --nocapture

# The main job: the example generation workflow recorded live (scripted model), then replayed.
demo:
    cargo run --release -- demo

# Benchmarks.
bench:
    cargo bench

# Build the Python wheel (the stand-in, the command line as `prompt-diary-cassettes`, the pytest
# plugin) into target/wheels/; maturin comes from PyPI into .prompt-diary/python-tools.
python-package:
    bash scripts/python-package.sh

# What CI runs.
ci:
    bash .ci/run

# Build the npm packages into target/npm/ with npm pack: `prompt-diary` (the vitest/jest helper)
# and `prompt-diary-linux-x64` (the two executables of a release build). See docs/typescript.md.
npm-package:
    bash scripts/npm-package.sh
