#!/usr/bin/env bash
# The load run of bench/RESULTS.md: the AudioSocket host with the echo agent and --threads 1 pinned
# to core 0, the load generator pinned to core 1; then both unpinned with the default threads.
# Usage: scripts/load-run.sh [CALLS] [SECONDS] [RATE]
set -euo pipefail
cd "$(dirname "$0")/.."
calls=${1:-1000}
secs=${2:-60}
rate=${3:-8000}
bin=${CALLAGENT:-build/callagent}
port=${PORT:-9392}

run() {  # $1: label, $2: server prefix, $3: generator prefix, $4: server threads
  local label=$1 spre=$2 gpre=$3 threads=$4
  $spre "$bin" serve --agent echo --listen 127.0.0.1:$port --threads "$threads" --max-calls $((calls + 100)) \
    --log-level warn 2>"/tmp/callagent-load-$label.log" &
  local pid=$!
  sleep 0.5
  echo "== $label: $spre callagent serve --threads $threads ; $gpre callagent bench audiosocket --calls $calls --seconds $secs --rate $rate --ramp 5"
  $gpre "$bin" bench audiosocket --target 127.0.0.1:$port --calls "$calls" --seconds "$secs" --ramp 5 \
    --rate "$rate" --server-pid "$pid" || true
  kill -TERM "$pid"
  wait "$pid" || true
}

run pinned "taskset -c 0" "taskset -c 1" 1
run default "" "" 0
