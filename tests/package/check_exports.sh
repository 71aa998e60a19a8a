#!/usr/bin/env bash
# The shared library exports the C ABI and nothing else: every defined dynamic symbol is ca_*
# (plus the version node), and the SONAME carries the major version.
set -euo pipefail
lib=$1
bad=$(nm -D --defined-only "$lib" | awk '{print $3}' | sed 's/@.*//' | grep -v -E '^(ca_[a-z0-9_]+|CALLAGENT_[0-9]+)$' || true)
if [[ -n "$bad" ]]; then
  echo "symbols outside the C ABI are exported:" >&2
  echo "$bad" | head -20 >&2
  exit 1
fi
count=$(nm -D --defined-only "$lib" | awk '{print $3}' | grep -c '^ca_')
[[ $count -ge 2 ]] || { echo "expected ca_ symbols, found $count" >&2; exit 1; }
soname=$(objdump -p "$lib" | awk '/SONAME/ {print $2}')
[[ "$soname" =~ ^libcallagent\.so\.[0-9]+$ ]] || { echo "unexpected SONAME '$soname'" >&2; exit 1; }
echo "exports: $count ca_ symbols, SONAME $soname"
