#!/usr/bin/env bash
# CI's check of the Python wheel (.ci/run calls it): builds it (scripts/python-package.sh),
# installs it into two fresh venvs with no cargo on PATH (the example suite's, and one beside
# PyPI's prompt-diary==0.2.13), and runs examples/python/check_suite.py: record against the real
# pinned Codex driven by the scripted model, replay offline, -n 2, a changed prompt, a deleted
# cassette, the seed's CodexAgentRunner, a suite with no project file and no pytest configuration
# (its cassette beside the test module). First it checks the wheel's tag (manylinux2014 /
# manylinux_2_17) and that no executable in it needs a GLIBC_ symbol version above 2.17
# (scripts/package-glibc.sh). Needs the pinned Codex (`cargo run -- install-codex`) and objdump.
# PROMPT_DIARY_REUSE_WHEEL=1 takes the wheel in target/wheels/ as it is.
set -euo pipefail
cd "$(dirname "$0")/.."
started=$SECONDS

if [ "${PROMPT_DIARY_REUSE_WHEEL:-}" = 1 ]; then
    echo "== the wheel already built (PROMPT_DIARY_REUSE_WHEEL=1)"
else
    echo "== build the wheel (maturin)"
    bash scripts/python-package.sh
fi
wheel=$(ls target/wheels/prompt_diary_cassettes-*.whl)
ls -l "$wheel"
echo "== the wheel's tag and its executables' glibc floor (objdump -T): at most GLIBC_2.17"
case "$(basename "$wheel")" in
    *-manylinux2014_x86_64.manylinux_2_17_x86_64.whl) echo "   tagged $(basename "$wheel")" ;;
    *) echo "python-package-check: $wheel is not tagged manylinux2014_x86_64.manylinux_2_17_x86_64 (scripts/python-package.sh builds it with --zig --compatibility manylinux2014)" >&2; exit 1 ;;
esac
bash scripts/package-glibc.sh "$wheel"

# A PATH without cargo or rustc: every folder that holds either is left out.
no_cargo_path=""
IFS=: read -ra dirs <<<"$PATH"
for dir in "${dirs[@]}"; do
    if [ -n "$dir" ] && ! [ -x "$dir/cargo" ] && ! [ -x "$dir/rustc" ]; then
        no_cargo_path="${no_cargo_path:+$no_cargo_path:}$dir"
    fi
done

check=.prompt-diary/python-check
rm -rf "$check"
make_venv() { # VENV REQUIREMENTS: a fresh venv with the wheel, installed with no cargo reachable
    env PATH="$no_cargo_path" bash -c '
        set -euo pipefail
        if command -v cargo >/dev/null || command -v rustc >/dev/null; then
            echo "cargo is still on PATH"; exit 1
        fi
        python3 -m venv "$1"
        "$1/bin/pip" install --quiet --disable-pip-version-check "$2" -r "$3"
        "$1/bin/prompt-diary-codex" --version
        "$1/bin/prompt-diary-cassettes" --version' _ "$1" "$wheel" "$2"
}
echo "== install the wheel into fresh venvs (no cargo on PATH)"
make_venv "$check/suite" examples/python/requirements.txt
make_venv "$check/seed" examples/python/seed/requirements.txt
echo "PyPI's prompt-diary beside it: $("$check/seed/bin/pip" show prompt-diary | sed -n 's/^Version: //p'), its console script: $(head -1 "$check/seed/bin/prompt-diary")"

echo "== the plugin's own tests (pytester)"
(cd python && "../$check/suite/bin/python" -m pytest tests -q -p no:cacheprovider)

real_codex=$(realpath "$("$check/suite/bin/prompt-diary-cassettes" install-codex --dir .)")
echo "== the example suite (recording through $real_codex)"
python3 examples/python/check_suite.py "$check/suite" "$check/seed" "$real_codex"
echo "python package check: $((SECONDS - started)) s"
