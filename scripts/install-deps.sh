#!/usr/bin/env bash
# Installs every Debian package fanout needs to build, test, fuzz and
# benchmark, and every tool its tests and scripts run, then checks that each
# tool is there. Idempotent: when everything is already installed it prints
# nothing. Debian 12 (bookworm); `sudo` when not root.
set -euo pipefail

packages=(
  build-essential cmake pkg-config  # cc, make; cmake and ctest
  libzmq3-dev libczmq-dev libmsgpack-dev libcmocka-dev
  libyaml-dev libjansson-dev libxml2-dev libsodium-dev
  clang libclang-rt-14-dev          # libFuzzer target + sanitizers
  python3                           # integration tests read the JSON report
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
  cc cmake ctest pkg-config clang python3 jq
  ps pgrep pkill ip setsid unshare
  timeout mktemp mkfifo seq stat sort tr cut wc head tail nproc
  xargs awk hostname getconf sed grep bash
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
