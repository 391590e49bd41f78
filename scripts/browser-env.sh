#!/usr/bin/env bash
# Installs what the viewer's browser tests need, idempotently: Debian's Chromium (and its
# driver) when /usr/bin/chromium is missing, and npm's playwright-core at the version pinned in
# scripts/browser/package-lock.json, into .prompt-diary/browser. Nothing is downloaded but from
# the package registries (no browser download of playwright's own).
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -x /usr/bin/chromium ]; then
    echo "installing Debian's chromium and chromium-driver ..."
    sudo=""
    if [ "$(id -u)" != 0 ]; then sudo="sudo"; fi
    export DEBIAN_FRONTEND=noninteractive
    if ! $sudo apt-get install -y -q chromium chromium-driver; then
        $sudo apt-get update -q
        $sudo apt-get install -y -q chromium chromium-driver
    fi
fi
echo "chromium: $(/usr/bin/chromium --version 2>/dev/null || echo 'not runnable')"

dir=.prompt-diary/browser
pinned="$(sed -n 's/.*"playwright-core": *"\([^"]*\)".*/\1/p' scripts/browser/package.json)"
installed="$(sed -n 's/^  "version": *"\([^"]*\)".*/\1/p' "$dir/node_modules/playwright-core/package.json" 2>/dev/null || true)"
if [ "$installed" != "$pinned" ]; then
    echo "installing playwright-core $pinned into $dir ..."
    mkdir -p "$dir"
    cp scripts/browser/package.json scripts/browser/package-lock.json "$dir/"
    # playwright-core installs no browser (the tests drive /usr/bin/chromium).
    npm ci --prefix "$dir" --ignore-scripts --no-audit --no-fund --loglevel=error
fi
echo "browser test environment ready: $dir (playwright-core $pinned)"
