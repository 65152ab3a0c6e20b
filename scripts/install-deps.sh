#!/usr/bin/env bash
# Installs every Debian package fanout needs to build, test and fuzz, and
# the npm packages of the Kubernetes manifests' validator (tests/k8s).
# Idempotent: when everything is already installed it prints nothing.
set -euo pipefail

packages=(
  build-essential cmake pkg-config
  libzmq3-dev libczmq-dev libmsgpack-dev libcmocka-dev
  libyaml-dev libjansson-dev libxml2-dev
  clang libclang-rt-14-dev          # libFuzzer target + sanitizers
  iproute2 procps                   # multi-host tests (ip netns), process checks
  python3                           # integration tests read the JSON report
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

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
if [ ${#missing[@]} -gt 0 ]; then
  echo "install-deps: installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# ---- deployment: the Kubernetes validator's npm packages, as locked in
# tests/k8s/package-lock.json (Debian's nodejs has no npm; install it then).
# Reinstalled only when the lock file changed. ----
k8s="$(cd "$(dirname "$0")/.." && pwd)/tests/k8s"
lock_sum=$(sha256sum <"$k8s/package-lock.json")
if [ "$(cat "$k8s/node_modules/.fanout-lock-sum" 2>/dev/null)" != "$lock_sum" ]; then
  if ! command -v npm >/dev/null; then
    echo "install-deps: installing npm" >&2
    $sudo apt-get install -y -qq --no-install-recommends npm >/dev/null
  fi
  echo "install-deps: npm ci in tests/k8s (the Kubernetes schema validator)" >&2
  (cd "$k8s" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
  echo "$lock_sum" >"$k8s/node_modules/.fanout-lock-sum"
fi
