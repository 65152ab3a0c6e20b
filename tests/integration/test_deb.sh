#!/usr/bin/env bash
# The Debian package (debian/, ctest label `deb`): built from this tree with
# `dpkg-buildpackage -us -uc -b` (scripts/build-deb.sh), checked with
# lintian (no error, no warning), installed with apt into a pristine
# Debian 12 container (the local base image), where `fanout run` runs the
# bundled example from a directory outside any source tree with the same
# outcomes as this build's fanout, and purged again, leaving nothing but the
# `fanout` system user (kept on purge, as Debian policy asks). Skips (77)
# only where podman cannot run a container at all.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/podman_lib.sh"

CONTAINER="fanout-deb-itest-$$"
deb_cleanup () { podman rm -f -t 0 "$CONTAINER" >/dev/null 2>&1 || true; }
trap 'rc=$?; deb_cleanup; (exit $rc); cleanup' EXIT

podman_setup
for tool in dpkg-buildpackage dh lintian; do
    command -v "$tool" >/dev/null || fail "$tool is not installed (scripts/install-deps.sh)"
done

version=$(sed -n 's/^project(fanout VERSION \([0-9.]*\).*/\1/p' "$FANOUT_SRC/CMakeLists.txt")
[ -n "$version" ] || fail "no project(fanout VERSION ...) in CMakeLists.txt"
arch=$(dpkg --print-architecture)
deb="$ITEST_TMP/deb/fanout_${version}_${arch}.deb"

### build ###
t0=$SECONDS
"$FANOUT_SRC/scripts/build-deb.sh" "$ITEST_TMP/deb" >"$ITEST_TMP/build-deb.log" 2>&1 || {
    cat "$ITEST_TMP/build-deb.log" >&2; fail "scripts/build-deb.sh failed"; }
[ -f "$deb" ] || fail "dpkg-buildpackage made no $(basename "$deb"): $(ls "$ITEST_TMP/deb")"
echo "built $(basename "$deb") in $((SECONDS - t0)) s"
[ "$(dpkg-deb -f "$deb" Version)" = "$version" ] || fail "the package's version is not $version"
depends=$(dpkg-deb -f "$deb" Depends)
# dh_shlibdeps computed these from the binary (versioned where the shlibs say);
# libxml2, libmicrohttpd12 and libelf1 are loaded with dlopen: debian/control
# names them.
for lib in 'libc6 (>= ' 'libczmq4' 'libzmq5' 'libmsgpackc2' 'libyaml-0-2' 'libjansson4' 'libxml2' 'libmicrohttpd12' 'libelf1' 'adduser'; do
    case "$depends" in *"$lib"*) ;; *) fail "Depends lacks $lib: $depends" ;; esac
done
dpkg-deb -c "$deb" | grep -q '\./usr/bin/gcc\|\./usr/include/' && fail "the package ships build files"

### lintian ###
lintian --info --pedantic "$ITEST_TMP"/deb/fanout_*.changes >"$ITEST_TMP/lintian.log" 2>"$ITEST_TMP/lintian.err"
lrc=$?
grep -v 'running with root privileges is not recommended' "$ITEST_TMP/lintian.err" >&2
if grep -q '^[EW]: ' "$ITEST_TMP/lintian.log"; then
    cat "$ITEST_TMP/lintian.log" >&2
    fail "lintian reports errors or warnings (above)"
fi
[ "$lrc" -eq 0 ] || { cat "$ITEST_TMP/lintian.log" >&2; fail "lintian exited $lrc"; }
echo "lintian: $(grep -c . "$ITEST_TMP/lintian.log") informational tags, no errors or warnings"
cat "$ITEST_TMP/lintian.log"

### this build's outcomes on the example, to compare with the package's ###
reference="$ITEST_TMP/reference.json"
timeout -k 5 120 "$FANOUT" run --json "$reference" "$FANOUT_SRC/examples/demo/fanout.yml" >/dev/null 2>&1
ref_rc=$?
[ "$ref_rc" -le 1 ] || fail "this build's fanout run on examples/demo exits $ref_rc"

### install into a pristine Debian 12 container ###
podman run -d --name "$CONTAINER" -v "$ITEST_TMP/deb:/deb:ro" "$PODMAN_BASE" sleep infinity >/dev/null ||
    fail "cannot start a container from $PODMAN_BASE"
in_ct () { podman exec "$CONTAINER" "$@"; }
in_ct dpkg-query -W fanout >/dev/null 2>&1 && fail "the base image already has fanout"
t0=$SECONDS
in_ct sh -c "apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends /deb/$(basename "$deb")" \
    >"$ITEST_TMP/install.log" 2>&1 || { tail -n 30 "$ITEST_TMP/install.log" >&2; fail "apt-get install of the package failed"; }
echo "installed with apt in $((SECONDS - t0)) s"

[ "$(in_ct fanout --version)" = "fanout $version (protocol $("$FANOUT" --version | sed 's/.*(protocol \([0-9]*\)).*/\1/'))" ] ||
    fail "installed fanout --version says '$(in_ct fanout --version)'"
in_ct test -f /usr/share/man/man1/fanout.1.gz || fail "no manual page installed"
in_ct test -f /lib/systemd/system/fanout-agent@.service || fail "no systemd unit installed"
in_ct sh -c 'ls /etc/systemd/system/*.wants/fanout* 2>/dev/null' && fail "the unit was enabled on install"
user=$(in_ct getent passwd fanout) || fail "no fanout user after install"
IFS=: read -r _ _ uid _ _ home shell <<<"$user"
[ "$uid" -lt 1000 ] && [ "$home" = /var/lib/fanout ] && [ "$shell" = /usr/sbin/nologin ] ||
    fail "the fanout user is not a system user with home /var/lib/fanout: $user"
in_ct test -d /var/lib/fanout || fail "no /var/lib/fanout"

# The example, from a directory that is no source tree, as an unprivileged
# user: the installed binary needs nothing but its package.
in_ct sh -c 'mkdir -p /srv/elsewhere && chmod 0777 /srv/elsewhere'
podman exec --user nobody --workdir /srv/elsewhere "$CONTAINER" \
    timeout 120 fanout run --json /srv/elsewhere/report.json /usr/share/fanout/examples/demo/fanout.yml \
    >"$ITEST_TMP/demo.out" 2>&1
demo_rc=$?
podman cp "$CONTAINER:/srv/elsewhere/report.json" "$JSON" || { cat "$ITEST_TMP/demo.out" >&2; fail "no report from the installed fanout"; }
[ "$demo_rc" = "$ref_rc" ] || { cat "$ITEST_TMP/demo.out" >&2; fail "the installed fanout exits $demo_rc on the example, this build $ref_rc"; }
msg=$("$PY" - "$reference" "$JSON" <<'EOF'
import json, sys
ref, got = (json.load(open(p)) for p in sys.argv[1:3])
a = {t['id']: t['outcome'] for t in ref['tests']}
b = {t['id']: t['outcome'] for t in got['tests']}
if a != b:
    sys.exit('outcomes differ: this build %r, the package %r' % (a, b))
if len(got['tests']) != got['totals']['tests'] or not got['tests']:
    sys.exit('the report is incomplete')
print('%d tests, the same outcomes as this build (%s)' % (len(b), ', '.join(
    '%d %s' % (list(b.values()).count(o), o) for o in sorted(set(b.values())))))
EOF
) || fail "$msg"
echo "example: exit status $demo_rc; $msg"

### purge ###
files=$(dpkg-deb -c "$deb" | awk '{print $6}' | sed 's#^\.##')
in_ct sh -c 'DEBIAN_FRONTEND=noninteractive apt-get purge -y -qq fanout' >"$ITEST_TMP/purge.log" 2>&1 ||
    { cat "$ITEST_TMP/purge.log" >&2; fail "apt-get purge fanout failed"; }
grep -i 'warning' "$ITEST_TMP/purge.log" && fail "apt-get purge warned (above)"
status=$(in_ct dpkg-query -W -f '${db:Status-Status}' fanout 2>/dev/null) && [ "$status" != not-installed ] &&
    fail "dpkg still has fanout after purge (status $status)"
left=$(for f in $files; do
    case "$f" in */) case "$f" in *fanout*) in_ct test -e "$f" && echo "$f" ;; esac ;;
                 *) in_ct test -e "$f" && echo "$f" ;; esac
done)
[ -z "$left" ] || fail "left after purge: $left"
in_ct test -e /var/lib/fanout && fail "/var/lib/fanout is left after purge"
in_ct getent passwd fanout >/dev/null || fail "purge removed the fanout user (policy: keep it)"

echo "PASS [$ITEST_NAME]"
