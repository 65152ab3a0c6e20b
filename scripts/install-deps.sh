#!/usr/bin/env bash
# Installs every Debian package fanout needs to build, test and fuzz.
# Idempotent: when everything is already installed it prints nothing.
set -euo pipefail

packages=(
  build-essential cmake pkg-config
  libzmq3-dev libczmq-dev libmsgpack-dev libcmocka-dev
  libyaml-dev libjansson-dev libxml2-dev libsodium-dev
  clang libclang-rt-14-dev          # libFuzzer target + sanitizers
  iproute2 procps                   # multi-host tests (ip netns), process checks
  python3                           # integration tests read the JSON report
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
echo "install-deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
