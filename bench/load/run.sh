#!/usr/bin/env bash
# Runs one named live fan-out scenario and prints one table: bench/load/run.sh <scenario> [options].
# `bench/load/run.sh list` names them; scenario.py does the work (see docs/PERFORMANCE.md, "Live fan-out").
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
exec python3 "$here/scenario.py" "$@"
