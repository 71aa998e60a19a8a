#!/usr/bin/env bash
# Installs the Debian packages the project needs, and nothing when they are all present.
# Usage: scripts/deps.sh [build|test]   (test adds what only the tests and benchmarks use)
set -euo pipefail

build_pkgs=(
  build-essential cmake pkg-config
  libuv1-dev libsamplerate0-dev libtomlplusplus-dev libspeexdsp-dev
  libsimdjson-dev libcurl4-openssl-dev libwebsockets-dev libwebsockets-evlib-uv libssl-dev
  libsqlite3-dev libsqlitecpp-dev
  libhowardhinnant-date-dev tzdata
  libpocketsphinx-dev libsphinxbase-dev pocketsphinx-en-us libespeak-ng-dev espeak-ng-data
  pybind11-dev python3-dev python3-pytest
)
test_pkgs=(
  doctest-dev libbenchmark-dev abigail-tools flite espeak-ng
)

pkgs=("${build_pkgs[@]}")
if [[ "${1:-build}" == test ]]; then pkgs+=("${test_pkgs[@]}"); fi

missing=()
for p in "${pkgs[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || missing+=("$p")
done
[[ ${#missing[@]} -eq 0 ]] && exit 0

echo "deps: installing ${missing[*]}" >&2
sudo=""
if [[ $(id -u) -ne 0 ]]; then sudo="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
