#!/bin/bash
# The Python source on Debian 13's Python (3.13; issue 12: "works on the
# Python versions Debian 12 and 13 ship"): fanout's discovery helper, its
# persistent workers and the broker's keeper of shared fixtures run under
# trixie's /usr/bin/python3 (a root file system made with debootstrap,
# entered with chroot through the source's `interpreter` option) on the
# conformance suite (tests/data/python/nose), and find the same tests with
# the same outcomes as under this machine's Debian 12 python3 (3.11).
#
# Needs root (debootstrap, chroot, bind mounts in a mount namespace of its
# own); CI runs as root. The root file system is made once and cached in
# $FANOUT_TRIXIE_ROOTFS (default /var/cache/fanout/trixie-python3, about
# 260 MB; made in about 80 s from $FANOUT_TRIXIE_MIRROR, default
# http://deb.debian.org/debian); later runs take seconds.
. "$(dirname "$0")/lib.sh"

[ "$(id -u)" -eq 0 ] ||
    skip "needs root: Debian 13's python3 runs in a chroot made with debootstrap (run as root)"
for tool in debootstrap chroot unshare mount flock; do
    command -v "$tool" >/dev/null || fail "$tool is not installed (scripts/install-deps.sh)"
done
"$PY" -c "import msgpack" 2>/dev/null || skip "python3-msgpack is not installed"
export PYTHONDONTWRITEBYTECODE=1

# ---- the root file system (cached; one maker at a time) -----------------
ROOTFS=${FANOUT_TRIXIE_ROOTFS:-/var/cache/fanout/trixie-python3}
MIRROR=${FANOUT_TRIXIE_MIRROR:-http://deb.debian.org/debian}
RECIPE="trixie minbase python3,python3-msgpack 1"     # change it to make it again
mkdir -p "$(dirname "$ROOTFS")" || fail "mkdir $(dirname "$ROOTFS")"
exec 9>"$ROOTFS.lock"
flock 9 || fail "cannot lock $ROOTFS.lock"
if [ "$(cat "$ROOTFS/.fanout-recipe" 2>/dev/null)" != "$RECIPE" ]; then
    t0=$SECONDS
    rm -rf "$ROOTFS" "$ROOTFS.new"
    if ! timeout -k 10 900 debootstrap --variant=minbase --include=python3,python3-msgpack \
            trixie "$ROOTFS.new" "$MIRROR" >"$ITEST_TMP/debootstrap.log" 2>&1; then
        rm -rf "$ROOTFS.new"
        skip "cannot make Debian 13's root file system: debootstrap from $MIRROR failed: $(tail -n 2 "$ITEST_TMP/debootstrap.log" | tr '\n' ' ')"
    fi
    echo "$RECIPE" >"$ROOTFS.new/.fanout-recipe" && mv "$ROOTFS.new" "$ROOTFS" || fail "cannot keep $ROOTFS"
    echo "Debian 13's root file system made in $((SECONDS - t0)) s: $ROOTFS"
fi
exec 9>&-
version=$(chroot "$ROOTFS" /usr/bin/python3 -c 'import sys, msgpack; print("%d.%d" % sys.version_info[:2])') ||
    fail "Debian 13's python3 does not run in $ROOTFS"
[ "$version" = 3.13 ] || fail "Debian 13's python3 is $version, not 3.13"

# ---- the suite, and an interpreter that is Debian 13's python3 ----------
cp -r "$FANOUT_SRC/tests/data/python/nose" "$ITEST_DIR/suite" || fail "cp"
cd "$ITEST_DIR" || fail "cd"
export CALLED_DIR="$ITEST_DIR/called"
export FANOUT_PYTHON_DIR="$FANOUT_SRC/python"
# Everything the steps touch is under $ITEST_TMP (the suite, the workers'
# pipes and the keepers' sockets in $TMPDIR) or $FANOUT_SRC (the helper):
# both are bound at the same paths inside the root file system.
export TMPDIR="$ITEST_TMP/tmp"
mkdir "$TMPDIR" || fail "mkdir"
cat >"$ITEST_DIR/python3.13" <<EOF
#!/bin/sh
# Debian 13's python3, in the caller's folder, with the caller's environment.
echo "\$*" >>"$ITEST_DIR/python3.13.log"
exec chroot "$ROOTFS" /bin/sh -c 'cd "\$1" && shift && exec /usr/bin/python3 "\$@"' sh "\$(pwd)" "\$@"
EOF
chmod +x "$ITEST_DIR/python3.13" || fail "chmod"
# Debian 13 has no python3-nose; test_outcomes.py imports nose's SkipTest,
# which is unittest's (nose/plugins/skip.py): that much of nose, on
# PYTHONPATH for the 3.13 run.
mkdir -p "$ITEST_DIR/nose313/nose/plugins" || fail "mkdir"
touch "$ITEST_DIR/nose313/nose/__init__.py" "$ITEST_DIR/nose313/nose/plugins/__init__.py"
echo "from unittest.case import SkipTest  # as nose 1.3.7's" >"$ITEST_DIR/nose313/nose/plugins/skip.py"
for interp in /usr/bin/python3 "$ITEST_DIR/python3.13"; do
    cat >"$ITEST_DIR/$(basename "$interp").yml" <<EOF
source:
  - kind: python
    from: [suite]
    options: {interpreter: "$interp"}
EOF
done

# run_in_mounts ARGS...: fanout ARGS in a mount namespace of its own where
# the root file system sees $ITEST_TMP, $FANOUT_SRC, /proc and /dev.
run_in_mounts () {
    rm -rf "$CALLED_DIR" && mkdir "$CALLED_DIR" || fail "mkdir"
    rm -f "$JSON"
    timeout -k 5 150 unshare -m --propagation private /bin/sh -c '
        root=$1 tmp=$2 src=$3; shift 3
        for d in "$tmp" "$src"; do
            mkdir -p "$root$d" && mount --bind "$d" "$root$d" || exit 125
        done
        mount -t proc proc "$root/proc" && mount --rbind /dev "$root/dev" || exit 125
        exec "$@"' sh "$ROOTFS" "$ITEST_TMP" "$FANOUT_SRC" "$FANOUT" "$@" >"$OUT" 2>"$ERR"
    RC=$?
    # the mount point made for this run's folder (the namespace, and its
    # mounts, are gone): the cached tree does not grow
    rmdir "$ROOTFS$ITEST_TMP" 2>/dev/null
    [ "$RC" -ne 125 ] || fail "cannot bind the test's folders into $ROOTFS"
    [ "$RC" -ne 124 ] && [ "$RC" -ne 137 ] || fail "fanout $* did not finish within 150 s"
}

# outcomes: "id outcome" lines of the report, sorted
outcomes () {
    "$PY" -c 'import json, sys
for t in sorted(json.load(open(sys.argv[1]))["tests"], key=lambda t: t["id"]):
    print(t["id"], t["outcome"])' "$JSON"
}

rm -rf "$CALLED_DIR" && mkdir "$CALLED_DIR" || fail "mkdir"
run_fanout run -j 2 --json "$JSON" python3.yml
expect_rc 1
outcomes >"$ITEST_TMP/3.11" || fail "no report under 3.11"
# Workers and keepers started as new interpreters (--python-fork=no): each
# is one line of the wrapper's log below. The forked ones: at the end.
PYTHONPATH="$ITEST_DIR/nose313" run_in_mounts run -j 2 --python-fork=no --json "$JSON" python3.13.yml
expect_rc 1
outcomes >"$ITEST_TMP/3.13" || fail "no report under 3.13"
diff -u "$ITEST_TMP/3.11" "$ITEST_TMP/3.13" >"$ITEST_TMP/diff" ||
    fail "Python 3.13 and 3.11 differ: $(cat "$ITEST_TMP/diff")"
[ "$(wc -l <"$ITEST_TMP/3.13")" -ge 40 ] || fail "only $(wc -l <"$ITEST_TMP/3.13") tests found"
# It was 3.13 that discovered, ran the tests (workers) and the shared fixture
# (its keeper); the fixtures ran as often as under 3.11.
grep -q '^.*fanout_nose discover ' "$ITEST_DIR/python3.13.log" || fail "discovery did not run under 3.13: $(head -n 3 "$ITEST_DIR/python3.13.log")"
grep -q '^.*fanout_nose worker$' "$ITEST_DIR/python3.13.log" || fail "no worker ran under 3.13"
grep -q '^.*fanout_nose setup --root .* test_shared$' "$ITEST_DIR/python3.13.log" || fail "the shared setup did not run under 3.13"
[ "$(sort "$CALLED_DIR/shared.called" | tr '\n' ' ')" = "setup teardown " ] || fail "shared fixtures under 3.13: $(cat "$CALLED_DIR/shared.called")"
[ "$(sort "$CALLED_DIR/not_shared.called" | tr '\n' ' ')" = "setup teardown " ] || fail "unmarked fixtures under 3.13: $(cat "$CALLED_DIR/not_shared.called")"
json_assert "t('suite/test_outcomes/test_pass')['stdout'] == 'to stdout\n'"
json_assert "'fanout_no_such_module' in t('suite/test_import_error')['stderr']"

# The default: workers and the shared context's keeper forked from 3.13's
# discovery (docs/python-workers.md): the same outcomes, fixtures as often,
# and 3.13 never started as a worker or a fixture (only the discovery and
# the generators' listings, which run in processes of their own).
rm -f "$ITEST_DIR/python3.13.log"
PYTHONPATH="$ITEST_DIR/nose313" run_in_mounts run -j 2 --json "$JSON" python3.13.yml
expect_rc 1
outcomes >"$ITEST_TMP/3.13-forked" || fail "no report under 3.13, forked"
diff -u "$ITEST_TMP/3.11" "$ITEST_TMP/3.13-forked" >"$ITEST_TMP/diff" ||
    fail "Python 3.13 forked and 3.11 differ: $(cat "$ITEST_TMP/diff")"
grep -q '^.*fanout_nose discover ' "$ITEST_DIR/python3.13.log" || fail "discovery did not run under 3.13, forked"
! grep -Eq 'fanout_nose (worker|setup|teardown)' "$ITEST_DIR/python3.13.log" ||
    fail "3.13 started as a worker or a fixture: $(cat "$ITEST_DIR/python3.13.log")"
[ "$(sort "$CALLED_DIR/shared.called" | tr '\n' ' ')" = "setup teardown " ] || fail "shared fixtures under 3.13, forked: $(cat "$CALLED_DIR/shared.called")"
[ "$(sort "$CALLED_DIR/not_shared.called" | tr '\n' ' ')" = "setup teardown " ] || fail "unmarked fixtures under 3.13, forked: $(cat "$CALLED_DIR/not_shared.called")"
json_assert "t('suite/test_outcomes/test_pass')['stdout'] == 'to stdout\n'"
echo "PASS [$ITEST_NAME] (Python $version)"
