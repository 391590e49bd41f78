#!/usr/bin/env bash
# Installs the official Codex TypeScript SDK for the SDK tier: @openai/codex-sdk (pinned like the
# Python SDK) from npm into .prompt-diary/node-sdk. The SDK's own Codex CLI dependency is installed
# without its platform binaries (optional dependencies): the tests point the SDK at the stand-in
# with codexPathOverride. Idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=.prompt-diary/node-sdk
sdk_version=0.163.0
installed="$dir/node_modules/@openai/codex-sdk/package.json"
if [ -f "$installed" ] && grep -q "\"version\": \"$sdk_version\"" "$installed"; then
    echo "TypeScript SDK environment ready: $dir (@openai/codex-sdk@$sdk_version)"
    exit 0
fi
command -v node >/dev/null || { echo "node is not on PATH: install Node.js 18 or later" >&2; exit 1; }
echo "installing @openai/codex-sdk@$sdk_version into $dir ..."
mkdir -p "$dir"
npm install --prefix "$dir" --no-audit --no-fund --omit=optional --save-exact \
    "@openai/codex-sdk@$sdk_version"
echo "TypeScript SDK environment ready: $dir (@openai/codex-sdk@$sdk_version)"
