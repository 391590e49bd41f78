#!/usr/bin/env bash
# Builds the two npm packages into target/npm/ with `npm pack`: `prompt-diary` (the JavaScript
# helper and its types, npm/prompt-diary/) and `prompt-diary-linux-x64` (the executables
# `prompt-diary` and `prompt-diary-codex`). Both get the crate's version.
# The executables are the Python wheel's glibc 2.17 build, compiled once: scripts/python-package.sh
# links them with zig (maturin --zig --compatibility manylinux2014) and `prompt-diary-codex` is
# taken out of that wheel; `prompt-diary` (the wheel names its command line
# `prompt-diary-cassettes`) comes from a second maturin run on the crate itself, with the same
# features, target and zig linker, so cargo reuses the compiled library and only links it (a
# scratch wheel, target/npm-wheel/). The package runs on any x86_64 Linux with glibc 2.17 or
# later (scripts/npm-package-check.sh checks it). Set PROMPT_DIARY_NPM_SKIP_BUILD=1 to reuse
# the wheels in target/wheels/ and target/npm-wheel/ as they are.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "$(uname -s)-$(uname -m)" != "Linux-x86_64" ]; then
    echo "npm-package builds the linux-x64 platform package only, on linux-x64; this is $(uname -s)-$(uname -m)" >&2
    exit 1
fi
command -v npm >/dev/null || { echo "npm is not on PATH: install Node.js 18 or later" >&2; exit 1; }
version=$(sed -n 's/^version = "\(.*\)"$/\1/p' Cargo.toml | head -n 1)
tools=$PWD/.prompt-diary/python-tools

if [ -z "${PROMPT_DIARY_NPM_SKIP_BUILD:-}" ]; then
    bash scripts/python-package.sh
    rm -rf target/npm-wheel
    PATH="$tools/bin:$PATH" maturin build --quiet --release --zig --compatibility manylinux2014 \
        --target x86_64-unknown-linux-gnu --manifest-path Cargo.toml --bindings bin \
        --features python-wheel --strip --out target/npm-wheel
fi
wheel=$(ls target/wheels/prompt_diary_cassettes-*.whl)
bins_wheel=$(ls target/npm-wheel/*.whl)

out=target/npm
stage=$out/stage
rm -rf "$stage" "$out"/*.tgz
mkdir -p "$stage"
cp -R npm/prompt-diary npm/prompt-diary-linux-x64 "$stage/"
bin=$stage/prompt-diary-linux-x64/bin
mkdir -p "$bin"
# One executable out of a wheel's scripts: WHEEL NAME DEST.
unwheel() {
    python3 - "$@" <<'PY'
import shutil, sys, zipfile
wheel, name, dest = sys.argv[1:]
with zipfile.ZipFile(wheel) as zf:
    found = [n for n in zf.namelist() if n.endswith(f".data/scripts/{name}")]
    if len(found) != 1:
        sys.exit(f"npm-package: {wheel} holds {len(found)} executables named {name}, not one")
    with zf.open(found[0]) as src, open(dest, "wb") as dst:
        shutil.copyfileobj(src, dst)
PY
    chmod 755 "$3"
}
unwheel "$wheel" prompt-diary-codex "$bin/prompt-diary-codex"
unwheel "$bins_wheel" prompt-diary "$bin/prompt-diary"

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
