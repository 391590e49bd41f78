#!/usr/bin/env bash
# Installs what the browser tier needs: Debian's Chromium (for `tests/view_browser.rs`, which
# opens the pages `prompt-diary view` writes from file:// in headless Chromium). Idempotent.
set -euo pipefail

if command -v chromium >/dev/null 2>&1; then
    echo "Chromium is already installed: $(chromium --version 2>/dev/null || echo chromium)"
    exit 0
fi
if [ "$(id -u)" != 0 ]; then
    echo "Chromium is missing; install Debian's package as root: apt-get install -y chromium" >&2
    exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get install -y -q chromium >/dev/null || { apt-get update -q >/dev/null && apt-get install -y -q chromium >/dev/null; }
echo "installed $(chromium --version 2>/dev/null || echo chromium)"
