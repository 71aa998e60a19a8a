#!/usr/bin/env bash
# Installs the build into a scratch prefix, then configures, builds and runs an outside
# find_package(callagent) consumer against it (shared and static), and checks callagent.pc.
set -euo pipefail
build=$1
src=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cmake --install "$build" --prefix "$work/prefix" >/dev/null
cmake -S "$src/consumer" -B "$work/consumer" -DCMAKE_PREFIX_PATH="$work/prefix" >/dev/null
cmake --build "$work/consumer" >/dev/null
LD_LIBRARY_PATH="$work/prefix/lib:$work/prefix/lib/x86_64-linux-gnu" "$work/consumer/consumer_shared"
"$work/consumer/consumer_static"
pc=$(find "$work/prefix" -name callagent.pc)
PKG_CONFIG_PATH=$(dirname "$pc") pkg-config --exists --print-errors "callagent >= 0.1"
echo "package: find_package and pkg-config consumers work"
