#!/usr/bin/env bash
# make-base-image.sh — a Debian base image for podman without a registry.
#
#   scripts/make-base-image.sh [--suite SUITE] [--mirror URL] [--include PKGS]
#                              [--tag NAME] [--force]
#
# Where no registry is reachable, `FROM debian:12` cannot be pulled. This
# script makes the equivalent locally: `debootstrap --variant=minbase` from
# the Debian mirror this machine's apt already uses, imported with
# `podman import`. It makes two images:
#
#   localhost/fanout-base:SUITE        (default bookworm) — in place of debian:12
#   localhost/fanout-base:SUITE-slim   documentation, man pages and locales
#                                      removed and kept out, as debian:12-slim
#
# and prints the first one's name. Build fanout's image on them with
#
#   podman build -f deploy/Dockerfile \
#       --build-arg BUILD_IMAGE=localhost/fanout-base:bookworm \
#       --build-arg BASE_IMAGE=localhost/fanout-base:bookworm-slim -t fanout .
#
# Cached: the images carry a label with a hash of what made them (mirror,
# suite, extra packages, this script's version); when both exist with the
# same hash nothing is done (a second or so). --force makes them again.
#
# Options:
#   --suite SUITE    Debian suite (default bookworm)
#   --mirror URL     the mirror (default: the first `deb` source for SUITE in
#                    /etc/apt/sources.list and /etc/apt/sources.list.d/)
#   --include PKGS   extra packages, comma separated (default none)
#   --tag NAME       image name without tag (default localhost/fanout-base)
#   --force          make the images even if they are cached
#
# Needs root (debootstrap, and the images go to root's podman storage),
# debootstrap, podman and Debian's archive keyring. Nothing but the mirror is
# contacted. Exit status: 0 done, 1 failed, 2 bad usage.
set -euo pipefail

# Bump when what this script puts in the image changes: it is part of the
# cache key, so old images are replaced.
SCRIPT_VERSION=1

suite=bookworm
mirror=
include=
name=localhost/fanout-base
force=0

usage () { sed -n '2,/^set -euo/p' "$0" | sed -e '/^set -euo/d' -e 's/^# \{0,1\}//' >&2; exit 2; }
die () { echo "make-base-image: $*" >&2; exit 1; }

while [ $# -gt 0 ]; do
    case "$1" in
        --suite) suite=${2:?}; shift 2 ;;
        --mirror) mirror=${2:?}; shift 2 ;;
        --include) include=${2:?}; shift 2 ;;
        --tag) name=${2:?}; shift 2 ;;
        --force) force=1; shift ;;
        -h|--help) usage ;;
        *) echo "make-base-image: unknown argument '$1'" >&2; usage ;;
    esac
done
case "$suite" in *[!a-z0-9-]*|'') echo "make-base-image: bad suite '$suite'" >&2; exit 2 ;; esac

# apt_sources SUITE: prints "URI" for every enabled `deb` source of SUITE in
# apt's configuration, one-line (.list) and deb822 (.sources) formats alike.
# Only the files apt itself reads (*.list, *.sources) count.
apt_sources () {
    /usr/bin/python3 - "$1" <<'EOF'
import glob, sys
suite = sys.argv[1]
files = ['/etc/apt/sources.list'] + sorted(glob.glob('/etc/apt/sources.list.d/*.list')) \
      + sorted(glob.glob('/etc/apt/sources.list.d/*.sources'))
for path in files:
    try:
        text = open(path, encoding='utf-8').read()
    except OSError:
        continue
    if path.endswith('.sources'):
        for stanza in text.split('\n\n'):
            fields, key = {}, None
            for line in stanza.splitlines():
                if line.startswith('#') or not line.strip():
                    continue
                if line[0] in ' \t' and key:
                    fields[key] += ' ' + line.strip()
                    continue
                key, _, value = line.partition(':')
                key = key.strip().lower()
                fields[key] = value.strip()
            if fields.get('enabled', 'yes').lower() == 'no':
                continue
            if 'deb' in fields.get('types', '').split() and suite in fields.get('suites', '').split():
                for uri in fields.get('uris', '').split():
                    print(uri)
    else:
        for line in text.splitlines():
            words = line.split('#', 1)[0].split()
            if len(words) >= 3 and words[0] == 'deb':
                if words[1].startswith('['):            # [ options ]
                    while words and not words[0].endswith(']'):
                        words.pop(0)
                    words.pop(0)
                    words.insert(0, 'deb')
                if len(words) >= 3 and words[2] == suite:
                    print(words[1])
EOF
}

[ "$(id -u)" -eq 0 ] || die "needs root (debootstrap; the images go to root's podman storage)"
command -v debootstrap >/dev/null || die "debootstrap is not installed (apt-get install debootstrap)"
command -v podman >/dev/null || die "podman is not installed (apt-get install podman)"
keyring=/usr/share/keyrings/debian-archive-keyring.gpg
[ -r "$keyring" ] || die "no $keyring (apt-get install debian-archive-keyring)"

if [ -z "$mirror" ]; then
    mirror=$(apt_sources "$suite" | head -n 1)
    [ -n "$mirror" ] || die "no 'deb' source for $suite in /etc/apt/sources.list{,.d}: give --mirror URL"
fi
security=$(apt_sources "$suite-security" | head -n 1)

key=$(printf '%s\n' "$SCRIPT_VERSION" "$mirror" "$suite" "$include" "$security" | sha256sum | cut -c1-16)
full="$name:$suite"
slim="$name:$suite-slim"

cached () {
    [ "$(podman image inspect --format '{{ index .Labels "org.fanout.base-key" }}' "$1" 2>/dev/null)" = "$key" ]
}
if [ "$force" -eq 0 ] && cached "$full" && cached "$slim"; then
    echo "make-base-image: $full and $slim are up to date (key $key)" >&2
    echo "$full"
    exit 0
fi

work=$(mktemp -d "${TMPDIR:-/var/tmp}/fanout-base.XXXXXX")
trap 'rm -rf "$work"' EXIT
root="$work/root"

echo "make-base-image: debootstrap --variant=minbase $suite from $mirror" >&2
start=$(date +%s)
debootstrap --variant=minbase --keyring="$keyring" ${include:+--include="$include"} \
    "$suite" "$root" "$mirror" >"$work/debootstrap.log" 2>&1 || {
    tail -n 30 "$work/debootstrap.log" >&2
    die "debootstrap failed (log above)"
}

# What a container image has that a chroot lacks, as Debian's own images do:
# apt sources for the point releases and security (when this machine has
# them), no package caches, and no services started by package scripts.
{
    echo "Types: deb"
    echo "URIs: $mirror"
    echo "Suites: $suite $suite-updates"
    echo "Components: main"
    echo "Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg"
    if [ -n "$security" ]; then
        echo
        echo "Types: deb"
        echo "URIs: $security"
        echo "Suites: $suite-security"
        echo "Components: main"
        echo "Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg"
    fi
} >"$root/etc/apt/sources.list.d/debian.sources"
rm -f "$root/etc/apt/sources.list"
cat >"$root/etc/apt/apt.conf.d/docker-clean" <<'EOF'
// Images keep no downloaded packages (as Debian's container images).
DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
APT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
Dir::Cache::pkgcache "";
Dir::Cache::srcpkgcache "";
EOF
printf '#!/bin/sh\nexit 101\n' >"$root/usr/sbin/policy-rc.d"
chmod 0755 "$root/usr/sbin/policy-rc.d"
rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/*.bin "$root"/var/cache/apt/archives/*.deb \
       "$root"/var/log/*.log "$root"/var/log/apt/* "$root/etc/hostname" "$root/etc/machine-id"
: >"$root/etc/machine-id"

import () {   # import TREE IMAGE
    tar -C "$1" --numeric-owner --xattrs -c . |
        podman import --quiet --change "LABEL org.fanout.base-key=$key" \
            --change "LABEL org.fanout.base-mirror=$mirror" \
            --change 'CMD ["bash"]' \
            --message "debootstrap --variant=minbase $suite $mirror" - "$2" >/dev/null ||
        die "podman import of $2 failed"
}
import "$root" "$full"

# The slim variant: what debian:12-slim leaves out, and a dpkg rule that
# keeps it out of packages installed later.
cat >"$root/etc/dpkg/dpkg.cfg.d/docker" <<'EOF'
# Keep documentation, man pages and translations out of the image (as
# Debian's -slim images); copyright files stay.
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/groff/*
path-exclude /usr/share/info/*
path-exclude /usr/share/locale/*
path-include /usr/share/locale/locale.alias
path-exclude /usr/share/lintian/*
path-exclude /usr/share/linda/*
EOF
find "$root/usr/share/doc" -mindepth 1 -not -name copyright -not -type d -delete
find "$root/usr/share/doc" -mindepth 1 -type d -empty -delete
rm -rf "$root"/usr/share/man/* "$root"/usr/share/groff/* "$root"/usr/share/info/* \
       "$root"/usr/share/lintian/* "$root"/usr/share/linda/*
find "$root/usr/share/locale" -mindepth 1 -maxdepth 1 -not -name locale.alias -exec rm -rf {} +
import "$root" "$slim"

echo "make-base-image: made $full and $slim in $(( $(date +%s) - start )) s (key $key)" >&2
echo "$full"
