#!/usr/bin/env bash
# Installs every Debian package fanout needs to build, test, fuzz and
# benchmark, and every tool its tests and scripts run, then checks that each
# tool is there; then the npm packages of the Kubernetes manifests'
# validator (tests/k8s). Idempotent: when everything is already installed
# it prints nothing. Debian 12 (bookworm); `sudo` when not root.
set -euo pipefail

packages=(
  build-essential cmake pkg-config  # cc, make; cmake and ctest
  libzmq3-dev libczmq-dev libmsgpack-dev libcmocka-dev
  libyaml-dev libjansson-dev libxml2-dev libsodium-dev
  libelf-dev                        # artifacts: the shared libraries a test program loads
  libxml2-utils                     # xmllint: the JUnit XML report against tests/data/junit.xsd
  libmicrohttpd-dev                 # the metrics endpoint (--metrics)
  libglib2.0-dev                    # the GLib test program the glib source imports (tests)
  libgtest-dev                      # GoogleTest programs the gtest source runs (tests/gtest;
                                    # g++ from build-essential)
  clang libclang-rt-14-dev          # libFuzzer target + sanitizers
  python3                           # integration tests read the JSON report
  python3-msgpack                   # the python source's persistent workers (run time)
  python3-nose                      # nosetests: the python source's conformance test
  python3-pytest-xdist              # pytest -n: bench/python-bench.sh compares fanout with it
  jq                                # hostile and interrupt tests read it too
  procps                            # ps, pgrep, pkill, kill: process checks
  iproute2                          # ip netns: the multi-host tests
  util-linux                        # setsid, unshare
  coreutils findutils mawk hostname # timeout, mktemp, xargs, awk, ... (in
                                    # every Debian, but named: a slim image
                                    # may lack one)
)

# Every external command the tests (tests/), the benchmark (bench/) and the
# scripts run, and the package above that brings it (dpkg -S).
tools=(
  cc cmake ctest pkg-config clang python3 jq xmllint
  ps pgrep pkill ip setsid unshare
  timeout mktemp mkfifo seq stat sort tr cut wc head tail nproc
  xargs awk hostname getconf sed grep bash
)

# ---- deployment: image, compose cluster, Debian package, systemd unit,
# Kubernetes manifests (tests test_compose, test_deb, test_install,
# test_systemd, test_kubernetes) ----
packages+=(
  podman podman-compose runc        # containers (runc: tests/data/podman/containers.conf)
  docker-compose                    # checks compose.yaml against the Compose schema (no engine)
  uidmap slirp4netns fuse-overlayfs iptables
  containernetworking-plugins golang-github-containernetworking-plugin-dnsname  # compose DNS
  debootstrap debian-archive-keyring  # the local base image (scripts/make-base-image.sh)
  dpkg-dev debhelper lintian        # dpkg-buildpackage, dh, lintian (debian/)
  systemd man-db                    # systemd-analyze verify; man --warnings on fanout(1)
  nodejs                            # the Kubernetes schema validator (tests/k8s)
)
tools+=(
  podman podman-compose docker-compose debootstrap dpkg-buildpackage dh lintian
  systemd-analyze man node sha256sum
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "install-deps: installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

absent=()
for t in "${tools[@]}"; do
  PATH="$PATH:/usr/sbin:/sbin" command -v "$t" >/dev/null 2>&1 || absent+=("$t")
done
if [ ${#absent[@]} -gt 0 ]; then
  echo "install-deps: still missing after the install: ${absent[*]}" >&2
  exit 1
fi

# ---- deployment: the Kubernetes validator's npm packages, as locked in
# tests/k8s/package-lock.json (Debian's nodejs has no npm; install it then).
# Reinstalled only when the lock file changed. ----
k8s="$(cd "$(dirname "$0")/.." && pwd)/tests/k8s"
lock_sum=$(sha256sum <"$k8s/package-lock.json")
if [ "$(cat "$k8s/node_modules/.fanout-lock-sum" 2>/dev/null)" != "$lock_sum" ]; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  if ! command -v npm >/dev/null; then
    echo "install-deps: installing npm" >&2
    $sudo apt-get install -y -qq --no-install-recommends npm >/dev/null
  fi
  echo "install-deps: npm ci in tests/k8s (the Kubernetes schema validator)" >&2
  (cd "$k8s" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
  echo "$lock_sum" >"$k8s/node_modules/.fanout-lock-sum"
fi
