#!/bin/bash
# libxml2, libmicrohttpd and libelf are loaded on first use (lib/base/fo_dl.h,
# issue 15): a plain `fanout run` never maps them (nor what they bring: ICU,
# GnuTLS), as the running process's /proc/PID/maps shows while its test
# runs; --junit-xml and --metrics map theirs before the run (the same check
# sees them: it can fail), and inferring a program's libraries (artifacts)
# loads libelf. What each feature then does is test_junit.sh's,
# test_metrics.sh's and test_artifacts_loopback.sh's; a missing library is
# test_lazy_libs_missing.sh's.
. "$(dirname "$0")/lib.sh"

FANOUT_REAL=$(readlink -f "$FANOUT")
MAPS="$ITEST_DIR/maps"
# The test reads the maps of the fanout process that runs it: its nearest
# ancestor whose executable is this fanout (the parent today; an
# intermediate process would not hide it).
cat >"$ITEST_DIR/maps.sh" <<EOF
#!/bin/sh
p=\$PPID
while [ "\$p" -gt 1 ]; do
    if [ "\$(readlink -f /proc/\$p/exe)" = "$FANOUT_REAL" ]; then
        cat /proc/\$p/maps >"$MAPS"
        exit 0
    fi
    p=\$(awk '/^PPid:/ { print \$2 }' /proc/\$p/status)
done
echo "no fanout among the ancestors" >&2
exit 1
EOF
chmod +x "$ITEST_DIR/maps.sh"
cat >"$ITEST_TMP/suite.yml" <<EOF
tests:
  - name: maps
    run: ["$ITEST_DIR/maps.sh"]
EOF

# mapped NAME: the captured maps have a file whose name starts with NAME.
mapped () { awk '{ print $6 }' "$MAPS" | grep -q "/$1[^/]*\$"; }

### a plain run maps none of them ###
rm -f "$MAPS"
run_fanout run -q --no-history "$ITEST_TMP/suite.yml"
expect_rc 0 "a plain run"
[ -s "$MAPS" ] || fail "the test did not capture fanout's maps"
# The capture is fanout's: its binary and the libraries it links.
awk '{ print $6 }' "$MAPS" | grep -qxF "$FANOUT_REAL" || fail "the maps are not fanout's"
mapped libzmq.so || fail "fanout's maps lack libzmq: $(awk '{ print $6 }' "$MAPS" | sort -u)"
for lib in libxml2.so libmicrohttpd.so libelf.so libelf- libicuuc.so libicudata.so libgnutls.so; do
    mapped "$lib" && fail "a plain run maps $lib: $(grep -F "/$lib" "$MAPS" | head -n 1)"
done
echo "a plain run: no libxml2, libmicrohttpd, libelf, ICU or GnuTLS mapped"

### --junit-xml and --metrics load theirs before the run ###
rm -f "$MAPS"
run_fanout run -q --no-history --junit-xml "$ITEST_TMP/report.xml" --metrics 127.0.0.1:0 \
    "$ITEST_TMP/suite.yml"
expect_rc 0 "--junit-xml --metrics"
[ -s "$MAPS" ] || fail "the test did not capture fanout's maps (--junit-xml --metrics)"
mapped libxml2.so || fail "--junit-xml: libxml2 is not mapped while the tests run"
mapped libmicrohttpd.so || fail "--metrics: libmicrohttpd is not mapped while the tests run"
mapped libelf.so && fail "--junit-xml --metrics map libelf"
grep -qF '<testcase name="maps"' "$ITEST_TMP/report.xml" || fail "no JUnit XML report"
echo "--junit-xml, --metrics: libxml2 and libmicrohttpd mapped before the tests run"

### artifacts: libelf only when a program's libraries are inferred ###
tree="$ITEST_DIR/tree"
mkdir -p "$tree/bin"
cp /bin/true "$tree/bin/t"
printf 'tests:\n  - name: t\n    run: ["./bin/t"]\n' >"$tree/plain.yml"
printf 'artifacts: []\ntests:\n  - name: t\n    run: ["./bin/t"]\n' >"$tree/infer.yml"
# ld.so says what it loads (LD_DEBUG=files): fanout list runs no test.
loads () {
    rm -rf "$ITEST_TMP/ld"
    mkdir "$ITEST_TMP/ld"
    LD_DEBUG=files LD_DEBUG_OUTPUT="$ITEST_TMP/ld/pid" timeout -k 5 60 "$FANOUT" "$@" \
        >"$OUT" 2>"$ERR"
    RC=$?
    cat "$ITEST_TMP"/ld/pid.* >"$ITEST_TMP/ld.all" || fail "LD_DEBUG_OUTPUT wrote nothing"
}
loads list --artifacts --hash-cache off "$tree/plain.yml"
expect_rc 0 "list --artifacts, nothing declared"
grep -q 'file=libelf\.so' "$ITEST_TMP/ld.all" && fail "list --artifacts loads libelf with nothing to infer"
loads list --artifacts --hash-cache off "$tree/infer.yml"
expect_rc 0 "list --artifacts, artifacts: []"
expect_out "bin/t"
grep -q 'file=libelf\.so\.1 .*dynamically loaded' "$ITEST_TMP/ld.all" ||
    fail "inferring bin/t's libraries did not load libelf: $(grep -F 'file=' "$ITEST_TMP/ld.all" | head)"
echo "artifacts: libelf loaded only to infer a program's libraries"

echo "PASS [$ITEST_NAME]"
