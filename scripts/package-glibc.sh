#!/usr/bin/env bash
# The glibc floor of the shipped executables (issue 31): `package-glibc.sh PACKAGE...` unpacks
# each package (a wheel, .whl, or an npm tarball, .tgz) into a scratch folder, finds every ELF
# file in it, and reads the highest `GLIBC_x.y` symbol version each one needs (`objdump -T`).
# Fails, naming the file and the version found, when one needs more than GLIBC_2.17 (the
# manylinux2014 floor: Ubuntu 20.04, Debian 11 and RHEL 8 are above it), or when a package holds
# no ELF file at all. Prints one line per executable. Called by scripts/python-package-check.sh
# and scripts/npm-package-check.sh.
set -euo pipefail
floor=2.17
command -v objdump >/dev/null || { echo "package-glibc: objdump is not on PATH (binutils)" >&2; exit 1; }
[ "$#" -gt 0 ] || { echo "usage: package-glibc.sh PACKAGE.whl|PACKAGE.tgz..." >&2; exit 2; }

scratch=$(mktemp -d "${TMPDIR:-/tmp}/prompt-diary-glibc-XXXXXX")
trap 'rm -rf "$scratch"' EXIT
status=0
for package in "$@"; do
    dir="$scratch/$(basename "$package")"
    mkdir -p "$dir"
    case "$package" in
        *.whl) python3 -c 'import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extractall(sys.argv[2])' "$package" "$dir" ;;
        *.tgz) tar -xzf "$package" -C "$dir" ;;
        *) echo "package-glibc: $package is neither a wheel (.whl) nor an npm tarball (.tgz)" >&2; exit 2 ;;
    esac
    found=0
    while IFS= read -r -d '' file; do
        [ "$(head -c 4 "$file" | od -An -c | tr -d ' ')" = '177ELF' ] || continue
        found=$((found + 1))
        name="$(basename "$package"):${file#"$dir"/}"
        if ! symbols=$(objdump -T "$file" 2>&1); then
            echo "package-glibc: objdump -T could not read $name: $symbols" >&2
            status=1
            continue
        fi
        highest=$(grep -o 'GLIBC_[0-9][0-9.]*' <<<"$symbols" | sed 's/^GLIBC_//' | sort -uV | tail -n 1)
        if [ -z "$highest" ]; then
            echo "package-glibc: $name names no GLIBC_ symbol version: not a dynamically linked glibc executable" >&2
            status=1
        elif [ "$(printf '%s\n%s\n' "$highest" "$floor" | sort -V | tail -n 1)" != "$floor" ]; then
            echo "package-glibc: $name needs GLIBC_$highest, above GLIBC_$floor (build it with scripts/python-package.sh: maturin --zig --compatibility manylinux2014)" >&2
            status=1
        else
            echo "   $name: highest GLIBC_$highest (at most GLIBC_$floor)"
        fi
    done < <(find "$dir" -type f -print0 | sort -z)
    if [ "$found" = 0 ]; then
        echo "package-glibc: $package holds no ELF executable" >&2
        status=1
    fi
done
exit "$status"
