#!/usr/bin/env bash
# `cmake --install` of this build: the GNU layout under a prefix, DESTDIR
# respected, installed paths named with the prefix really used; the
# installed binary runs the installed example from an unrelated directory;
# the manual page renders without warnings and names every command and
# option `--help` lists; and the version is the same everywhere it appears
# (project(VERSION), debian/changelog, fanout --version, fanout(1)).
. "$(dirname "$0")/lib.sh"

BUILD=$(dirname "$FANOUT")
[ -f "$BUILD/cmake_install.cmake" ] || fail "$BUILD is not fanout's build directory"
command -v cmake >/dev/null || fail "cmake is missing"
command -v man >/dev/null || fail "man is missing (man-db; scripts/install-deps.sh)"

# install [VAR=value...] -- ARGS: cmake --install of this build.
install_to () {
    env "$@" >"$ITEST_TMP/install.log" 2>&1 || { cat "$ITEST_TMP/install.log" >&2; fail "cmake --install failed: $*"; }
}

### a prefix given at install time ###
P="$ITEST_TMP/prefix"
install_to cmake --install "$BUILD" --prefix "$P"
for f in bin/fanout share/man/man1/fanout.1 lib/systemd/system/fanout-agent@.service \
         share/doc/fanout/README.md share/doc/fanout/deploy.md share/doc/fanout/multi-host.md \
         share/doc/fanout/examples/agent.env \
         share/fanout/examples/demo/fanout.yml share/fanout/examples/demo/bin/check; do
    [ -e "$P/$f" ] || fail "cmake --install did not install $f"
done
[ -x "$P/bin/fanout" ] && [ -x "$P/share/fanout/examples/demo/bin/check" ] || fail "installed programs are not executable"
grep -qx "ExecStart=$P/bin/fanout agent --connect \${FANOUT_BROKER} \\\\" "$P/lib/systemd/system/fanout-agent@.service" ||
    fail "the installed unit does not start $P/bin/fanout: $(grep ExecStart= "$P/lib/systemd/system/fanout-agent@.service")"
grep -qF "$P/share/fanout/examples/demo/fanout.yml" "$P/share/man/man1/fanout.1" ||
    fail "fanout(1) does not name the installed example's path"
# The python source's helper, found beside the installed binary (not the
# source tree's): an installed copy that fails says so.
for f in __main__.py __init__.py discover.py execute.py names.py worker.py; do
    [ -f "$P/share/fanout/python/fanout_nose/$f" ] || fail "cmake --install did not install the Python helper's $f"
done
printf 'import sys\nsys.stderr.write("the installed helper\\n")\nsys.exit(3)\n' \
    >"$P/share/fanout/python/fanout_nose/__main__.py"
touch "$ITEST_TMP/test_x.py"
(unset FANOUT_PYTHON_DIR; "$P/bin/fanout" list --python "$ITEST_TMP/test_x.py" >"$OUT" 2>"$ERR")
expect_err "the installed helper"

### DESTDIR: files under it, paths inside them without it ###
D="$ITEST_TMP/dest"
install_to DESTDIR="$D" cmake --install "$BUILD" --prefix /opt/fanout-test
[ -x "$D/opt/fanout-test/bin/fanout" ] || fail "DESTDIR: no $D/opt/fanout-test/bin/fanout"
[ ! -e /opt/fanout-test ] || fail "DESTDIR was ignored: /opt/fanout-test exists"
grep -q '^ExecStart=/opt/fanout-test/bin/fanout ' "$D/opt/fanout-test/lib/systemd/system/fanout-agent@.service" ||
    fail "DESTDIR leaked into the unit or the prefix is missing"
grep -qF "$D" "$D/opt/fanout-test/share/man/man1/fanout.1" && fail "DESTDIR leaked into fanout(1)"

### the installed binary from an unrelated directory ###
elsewhere="$ITEST_TMP/elsewhere"
mkdir "$elsewhere"
(cd "$elsewhere" && timeout -k 5 120 "$P/bin/fanout" run --json "$JSON" "$P/share/fanout/examples/demo/fanout.yml" \
    >"$OUT" 2>"$ERR")
RC=$?
[ "$RC" = 0 ] || [ "$RC" = 1 ] || fail "the installed fanout run on the installed example exits $RC"
json_assert "len(r['tests']) == r['totals']['tests'] > 0" "the report is complete"
json_assert "(r['totals']['failed'] + r['totals']['error'] == 0) == ($RC == 0)" "the exit status matches the report"
json_assert "all(x['outcome'] in ('passed', 'failed', 'skipped') for x in r['tests'])" \
    "every test of the example ran (passed, failed or skipped)"
[ -z "$(ls -A "$elsewhere")" ] || fail "fanout run wrote into the current directory: $(ls -A "$elsewhere")"

### one version ###
version=$(sed -n 's/^project(fanout VERSION \([0-9.]*\).*/\1/p' "$FANOUT_SRC/CMakeLists.txt")
[ -n "$version" ] || fail "no project(fanout VERSION ...) in CMakeLists.txt"
deb_version=$(sed -n '1s/^fanout (\([^)]*\)).*/\1/p' "$FANOUT_SRC/debian/changelog")
[ "$deb_version" = "$version" ] ||
    fail "debian/changelog is at $deb_version, CMakeLists.txt's project(VERSION) at $version"
"$P/bin/fanout" --version | grep -qx "fanout $version (protocol [0-9]*)" ||
    fail "fanout --version says '$("$P/bin/fanout" --version)', not $version"
grep -q "^\.TH FANOUT 1 \"\" \"fanout $version\" " "$P/share/man/man1/fanout.1" || fail "fanout(1) is not at version $version"

### the manual page ###
page="$ITEST_TMP/fanout.txt"
LC_ALL=C.UTF-8 MANWIDTH=200 MAN_KEEP_FORMATTING= man --warnings -E UTF-8 -l "$P/share/man/man1/fanout.1" \
    >"$ITEST_TMP/man.out" 2>"$ITEST_TMP/man.err"
[ -s "$ITEST_TMP/man.out" ] || fail "man -l fanout.1 rendered nothing: $(cat "$ITEST_TMP/man.err")"
[ ! -s "$ITEST_TMP/man.err" ] || fail "fanout(1) has groff warnings: $(head -n 5 "$ITEST_TMP/man.err")"
sed 's/.\x08//g' "$ITEST_TMP/man.out" >"$page"
for section in NAME SYNOPSIS DESCRIPTION COMMANDS "EXIT STATUS" ENVIRONMENT FILES "SEE ALSO"; do
    grep -qx "$section" "$page" || fail "fanout(1) has no $section section"
done
# Every command, every option each command's --help lists, and every exit
# status `fanout run --help` names are in the page.
missing=()
for cmd in run broker agent keygen list; do
    grep -q "fanout $cmd" "$page" || missing+=("command $cmd")
    for opt in $("$FANOUT" "$cmd" --help | grep -o -- '--[a-z][a-z-]*' | sort -u); do
        grep -qE -- "$opt([^A-Za-z0-9_-]|\$)" "$page" || missing+=("$cmd $opt")
    done
done
for var in $("$FANOUT" --help | sed -n '/^environment:/,/^$/p' | grep -o 'FANOUT_[A-Z_]*' | sort -u); do
    grep -q "$var" "$page" || missing+=("$var")
done
for status in $("$FANOUT" run --help | sed -n '/^exit status:/,$p' | grep -oE '(^|[ ,])[0-9]+ ' | tr -d ' ,' | sort -un); do
    sed -n '/^EXIT STATUS/,/^ENVIRONMENT/p' "$page" | grep -qE "^ +$status( |$)" || missing+=("exit status $status")
done
[ ${#missing[@]} -eq 0 ] || fail "fanout(1) lacks what --help says: ${missing[*]}"

echo "PASS [$ITEST_NAME]"
