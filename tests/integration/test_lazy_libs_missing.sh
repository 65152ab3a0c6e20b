#!/bin/bash
# A library loaded on first use (lib/base/fo_dl.h) that cannot be loaded:
# in a mount namespace of its own, each of libxml2.so.2, libmicrohttpd.so.12
# and libelf.so.1 is hidden behind an empty file (/dev/null bound over it:
# "file too short"), as a broken installation would have it. A plain run
# does not notice; --junit-xml and --metrics are refused before any test
# runs (exit 2, as a destination or an address that cannot be used), and
# inferring a program's libraries is an artifacts error (exit 2), each
# naming the library and the package to install; nothing crashes and no
# report is left behind. Skips (77) where no mount namespace can be made.
. "$(dirname "$0")/lib.sh"

command -v unshare >/dev/null || skip "unshare (util-linux) is missing"
# Root makes the namespace itself; anyone else through a user namespace.
ns=(unshare -m)
[ "$(id -u)" -eq 0 ] || ns=(unshare -rm)
"${ns[@]}" true 2>/dev/null || skip "cannot make a mount namespace (${ns[*]})"

# The files ld.so would open (the sonames are links: bind over their targets).
binds=""
for so in libxml2.so.2 libmicrohttpd.so.12 libelf.so.1; do
    path=$(PATH="$PATH:/sbin:/usr/sbin" ldconfig -p | awk -v so="$so" '$1 == so { print $NF; exit }')
    [ -n "$path" ] && [ -e "$path" ] || fail "ldconfig does not know $so (scripts/install-deps.sh)"
    binds+="mount --bind /dev/null $(readlink -f "$path") && "
done

cat >"$ITEST_TMP/suite.yml" <<EOF
tests:
  - name: t
    run: ["/bin/true"]
EOF
tree="$ITEST_DIR/tree"
mkdir -p "$tree/bin"
cp /bin/true "$tree/bin/t"
printf 'artifacts: []\ntests:\n  - name: t\n    run: ["./bin/t"]\n' >"$tree/infer.yml"

# hidden ARGS...: fanout ARGS with the three libraries hidden.
hidden () {
    timeout -k 5 120 "${ns[@]}" sh -c "$binds"'exec "$@"' sh "$FANOUT" "$@" >"$OUT" 2>"$ERR"
    RC=$?
    [ "$RC" -ne 124 ] && [ "$RC" -ne 137 ] || fail "fanout $* did not finish within 120 s"
}

# The namespace hides them indeed: ld.so cannot load libxml2 there.
timeout 30 "${ns[@]}" sh -c "$binds"'exec "$@"' sh "$PY" -c 'import ctypes; ctypes.CDLL("libxml2.so.2")' \
    >/dev/null 2>&1 && fail "libxml2.so.2 still loads in the namespace"

hidden run -q --no-history "$ITEST_TMP/suite.yml"
expect_rc 0 "a plain run without the three libraries"
echo "a plain run: passes without libxml2, libmicrohttpd and libelf"

hidden run -q --no-history --junit-xml "$ITEST_TMP/report.xml" "$ITEST_TMP/suite.yml"
expect_rc 2 "--junit-xml without libxml2"
expect_err "fanout run: --junit-xml: the JUnit XML report needs libxml2.so.2, which cannot be loaded ("
expect_err "install the libxml2 package (apt-get install libxml2)"
[ -e "$ITEST_TMP/report.xml" ] && fail "--junit-xml without libxml2 left a report"
ls "$ITEST_TMP" | grep -q 'report\.xml\.' && fail "--junit-xml without libxml2 left a temporary file"
expect_no_out "Ran "
echo "--junit-xml: $(cat "$ERR")"

hidden run -q --no-history --metrics 127.0.0.1:0 "$ITEST_TMP/suite.yml"
expect_rc 2 "--metrics without libmicrohttpd"
expect_err "fanout run: --metrics '127.0.0.1:0': the metrics endpoint needs libmicrohttpd.so.12, which cannot be loaded ("
expect_err "install the libmicrohttpd12 package (apt-get install libmicrohttpd12)"
expect_no_out "Ran "
echo "--metrics: $(cat "$ERR")"

hidden list --artifacts --hash-cache off "$tree/infer.yml"
expect_rc 2 "list --artifacts without libelf"
expect_err "$tree/infer.yml:1:12: artifacts of the top level: inferring the libraries a test program loads (artifacts) needs libelf.so.1, which cannot be loaded ("
expect_err "install the libelf1 package (apt-get install libelf1)"
echo "artifacts: $(cat "$ERR")"

# With them (outside the namespace) the same commands work.
run_fanout run -q --no-history --junit-xml "$ITEST_TMP/report.xml" --metrics 127.0.0.1:0 \
    "$ITEST_TMP/suite.yml"
expect_rc 0 "--junit-xml --metrics with the libraries"
[ -s "$ITEST_TMP/report.xml" ] || fail "no JUnit XML report with libxml2"

echo "PASS [$ITEST_NAME]"
