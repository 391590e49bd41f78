#!/usr/bin/env bash
# Builds the two npm packages into target/npm/ with `npm pack`: `prompt-diary` (the JavaScript
# helper and its types, npm/prompt-diary/) and `prompt-diary-linux-x64` (the executables
# `prompt-diary` and `prompt-diary-codex` of a release build, stripped). Both get the crate's
# version. Set PROMPT_DIARY_NPM_SKIP_BUILD=1 to reuse target/release/ as it is.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "$(uname -s)-$(uname -m)" != "Linux-x86_64" ]; then
    echo "npm-package builds the linux-x64 platform package only, on linux-x64; this is $(uname -s)-$(uname -m)" >&2
    exit 1
fi
command -v npm >/dev/null || { echo "npm is not on PATH: install Node.js 18 or later" >&2; exit 1; }
version=$(sed -n 's/^version = "\(.*\)"$/\1/p' Cargo.toml | head -n 1)

if [ -z "${PROMPT_DIARY_NPM_SKIP_BUILD:-}" ]; then
    cargo build --release --bins
fi

out=target/npm
stage=$out/stage
rm -rf "$stage" "$out"/*.tgz
mkdir -p "$stage"
cp -R npm/prompt-diary npm/prompt-diary-linux-x64 "$stage/"
mkdir -p "$stage/prompt-diary-linux-x64/bin"
for exe in prompt-diary prompt-diary-codex; do
    cp "target/release/$exe" "$stage/prompt-diary-linux-x64/bin/$exe"
    strip "$stage/prompt-diary-linux-x64/bin/$exe" 2>/dev/null || true
    chmod 755 "$stage/prompt-diary-linux-x64/bin/$exe"
done

# The crate's version, in both manifests and in the main package's optional dependency.
node - "$stage" "$version" <<'JS'
const fs = require("node:fs");
const [stage, version] = process.argv.slice(2);
for (const name of ["prompt-diary", "prompt-diary-linux-x64"]) {
  const file = `${stage}/${name}/package.json`;
  const manifest = JSON.parse(fs.readFileSync(file, "utf8"));
  manifest.version = version;
  if (manifest.optionalDependencies) {
    for (const dep of Object.keys(manifest.optionalDependencies)) manifest.optionalDependencies[dep] = version;
  }
  fs.writeFileSync(file, JSON.stringify(manifest, null, 2) + "\n");
}
JS

npm pack --silent --pack-destination "$out" "./$stage/prompt-diary" "./$stage/prompt-diary-linux-x64" >/dev/null
rm -rf "$stage"
ls -l "$out"/*.tgz | awk '{printf "%s  %.1f MiB\n", $NF, $5 / 1048576}'
