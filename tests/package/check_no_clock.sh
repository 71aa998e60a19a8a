#!/usr/bin/env bash
# The session core reads no clock: time reaches it only through process(now). Checked on the
# compiled objects of src/session and src/agent, whose undefined symbols must name no clock.
set -euo pipefail
checked=0
for obj in "$@"; do
  case "$obj" in
    */callagent_objects.dir/session/*.o|*/callagent_objects.dir/agent/*.o) ;;
    *) continue ;;
  esac
  checked=$((checked + 1))
  bad=$(nm -u -C "$obj" | grep -E '\b(clock_gettime|gettimeofday|time|clock|ftime|timespec_get)\b|chrono::.*(system_clock|steady_clock|high_resolution_clock)::now' || true)
  if [[ -n "$bad" ]]; then
    echo "$(basename "$obj") reads a clock:" >&2
    echo "$bad" >&2
    exit 1
  fi
done
[[ $checked -ge 3 ]] || { echo "expected session and agent objects, checked $checked" >&2; exit 1; }
echo "no clock in $checked session/agent objects"
