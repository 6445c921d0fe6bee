#!/usr/bin/env bash
# Runs one named live fan-out scenario and prints one table: bench/load/run.sh <scenario> [options].
# `bench/load/run.sh list` names them; scenario.py does the work (see docs/PERFORMANCE.md, "Live fan-out").
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# This kernel groups CPU time by session (sched_autogroup): another session's `nice -n 19` compiles still
# get a full share against ours. AGENTPULSE_LOAD_NICE=-10 runs the scenario in a session of its own whose
# autogroup nice is that value (root only), so background compiles yield to the benchmark as intended.
if [[ -n "${AGENTPULSE_LOAD_NICE:-}" && -z "${AGENTPULSE_LOAD_IN_GROUP:-}" ]]; then
  export AGENTPULSE_LOAD_IN_GROUP=1
  exec setsid --wait "${BASH_SOURCE[0]}" "$@"
fi
if [[ -n "${AGENTPULSE_LOAD_IN_GROUP:-}" && -w /proc/self/autogroup ]]; then
  echo "$AGENTPULSE_LOAD_NICE" > /proc/self/autogroup || echo "run.sh: could not set autogroup nice" >&2
fi
exec python3 "$here/scenario.py" "$@"
