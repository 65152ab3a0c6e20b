#!/usr/bin/env bash
# build-deb.sh — builds fanout's Debian package from this tree.
#
#   scripts/build-deb.sh [OUTDIR]      (default OUTDIR: ./out)
#
# Copies the tree (the files git tracks, and new ones it does not ignore;
# no build directories) to a scratch directory, runs
# `dpkg-buildpackage -us -uc -b` there, and moves fanout_<version>_<arch>.deb
# (and its .buildinfo and .changes) to OUTDIR. The tree itself stays clean.
# Needs the Build-Depends of debian/control (scripts/install-deps.sh) and
# dpkg-dev. DEB_BUILD_OPTIONS is passed on (e.g. nocheck, parallel=2).
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$src/out}
mkdir -p "$out"
out=$(cd "$out" && pwd)

work=$(mktemp -d "${TMPDIR:-/tmp}/fanout-deb.XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir "$work/fanout"
if git -C "$src" rev-parse --git-dir >/dev/null 2>&1; then
    # -z: any file name; deleted-but-tracked files are skipped by the test.
    git -C "$src" ls-files -z --cached --others --exclude-standard |
        (cd "$src" && while IFS= read -r -d '' f; do [ -e "$f" ] && printf '%s\0' "$f"; done) |
        tar -C "$src" --null -T - -cf - | tar -C "$work/fanout" -xf -
else
    tar -C "$src" --exclude='./build' --exclude='./build-*' --exclude='./out' --exclude='./obj-*' \
        -cf - . | tar -C "$work/fanout" -xf -
fi

export DEB_BUILD_OPTIONS="${DEB_BUILD_OPTIONS:-parallel=$(nproc)}"
(cd "$work/fanout" && dpkg-buildpackage -us -uc -b) >"$work/build.log" 2>&1 || {
    # A failed test's own lines ("N: ..." from ctest --verbose) come long
    # before the log's end: show them first.
    failed=$(sed -n '/^The following tests FAILED:/,/^Errors while running CTest/p' "$work/build.log" |
             sed -n 's/^[[:space:]]*\([0-9][0-9]*\) - .*/\1/p' | sort -un)
    for n in $failed; do
        echo "build-deb: the output of failed test $n:" >&2
        grep "^$n: " "$work/build.log" | tail -n 200 >&2
    done
    tail -n 60 "$work/build.log" >&2
    echo "build-deb: dpkg-buildpackage failed (last lines above)" >&2
    exit 1
}
shopt -s nullglob
files=("$work"/fanout_*.deb "$work"/fanout_*.buildinfo "$work"/fanout_*.changes "$work"/fanout-dbgsym_*.deb)
mv "${files[@]}" "$out/"
for f in "$out"/fanout_*.deb; do echo "$f"; done
