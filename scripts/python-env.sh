#!/usr/bin/env bash
# Creates the project's Python environment for the SDK tier: .prompt-diary/venv with the official
# Codex Python SDK (openai-codex, pinned like the Codex CLI) from PyPI. Idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=.prompt-diary/venv
sdk_version=0.163.0
if [ -x "$venv/bin/python" ] && "$venv/bin/python" -c "import openai_codex" 2>/dev/null; then
    echo "Python SDK environment ready: $venv"
    exit 0
fi
echo "creating $venv with openai-codex==$sdk_version ..."
python3 -m venv "$venv"
"$venv/bin/pip" install --quiet --disable-pip-version-check "openai-codex==$sdk_version"
echo "Python SDK environment ready: $venv"
