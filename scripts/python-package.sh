#!/usr/bin/env bash
# Builds the Python wheel (python/pyproject.toml: the `prompt-diary-cassettes` and `prompt-diary-codex`
# executables plus the `prompt_diary_cassettes` pytest plugin) into target/wheels/.
# The executables are linked by zig against glibc 2.17 (`maturin build --zig --compatibility
# manylinux2014`), so the wheel is tagged manylinux2014 / manylinux_2_17 and installs on every
# x86_64 Linux with glibc 2.17 or later (Ubuntu 20.04, Debian 11, RHEL 8 ...); the cargo output
# lands in target/x86_64-unknown-linux-gnu/release/ (scripts/npm-package.sh packs it too).
# maturin and zig (PyPI's `ziglang`) come from PyPI into a tools venv, .prompt-diary/python-tools,
# made here. Idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."
tools=.prompt-diary/python-tools
maturin_version=1.16.0
ziglang_version=0.17.1
if ! [ -x "$tools/bin/maturin" ] || [ "$("$tools/bin/maturin" --version)" != "maturin $maturin_version" ] \
    || [ "$("$tools/bin/python" -m ziglang version 2>/dev/null)" != "$ziglang_version" ]; then
    echo "creating $tools with maturin==$maturin_version and ziglang==$ziglang_version ..."
    python3 -m venv "$tools"
    "$tools/bin/pip" install --quiet --disable-pip-version-check \
        "maturin==$maturin_version" "ziglang==$ziglang_version"
fi
rm -f target/wheels/prompt_diary_cassettes-*.whl
# The tools venv first on PATH: maturin runs zig as `python3 -m ziglang`.
(cd python && PATH="$PWD/../$tools/bin:$PATH" maturin build --release --zig \
    --compatibility manylinux2014 --target x86_64-unknown-linux-gnu --out ../target/wheels "$@")
ls target/wheels/prompt_diary_cassettes-*.whl
