#!/usr/bin/env bash
# Builds the Python wheel (python/pyproject.toml: the `prompt-diary` and `prompt-diary-codex`
# executables plus the `prompt_diary_cassettes` pytest plugin) into target/wheels/.
# maturin comes from PyPI into a tools venv, .prompt-diary/python-tools, made here. Idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."
tools=.prompt-diary/python-tools
maturin_version=1.16.0
if ! [ -x "$tools/bin/maturin" ] || [ "$("$tools/bin/maturin" --version)" != "maturin $maturin_version" ]; then
    echo "creating $tools with maturin==$maturin_version ..."
    python3 -m venv "$tools"
    "$tools/bin/pip" install --quiet --disable-pip-version-check "maturin==$maturin_version"
fi
rm -f target/wheels/prompt_diary_cassettes-*.whl
(cd python && "$PWD/../$tools/bin/maturin" build --release --out ../target/wheels "$@")
ls target/wheels/prompt_diary_cassettes-*.whl
