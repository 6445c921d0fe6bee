#!/usr/bin/env bash
# Configures and builds agentpulse into build/ (the binary is build/agentpulse).
#   BUILD_DIR=...  another build folder      BUILD_TYPE=Debug|Release|RelWithDebInfo (default)
#   extra arguments go to cmake (e.g. -DAGENTPULSE_SANITIZE=address)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build="${BUILD_DIR:-$root/build}"
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE="${BUILD_TYPE:-RelWithDebInfo}" "$@" >/dev/null
cmake --build "$build" -j "$(nproc)"
