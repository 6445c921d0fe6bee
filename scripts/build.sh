#!/usr/bin/env bash
# Configures and builds agentpulse into build/ (the binary is build/agentpulse) and the dashboard into
# frontend/dist (which the binary finds as <binary dir>/../frontend/dist).
#   BUILD_DIR=...  another build folder      BUILD_TYPE=Debug|Release|RelWithDebInfo (default)
#   BUILD_TARGETS="agentpulse ..."  only these CMake targets (default: all, tests and benchmarks included)
#   extra arguments go to cmake (e.g. -DAGENTPULSE_SANITIZE=address)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build="${BUILD_DIR:-$root/build}"
# BUILD_SERVER=0 skips the C++ part (the Dockerfile builds the dashboard in a stage of its own).
if [[ "${BUILD_SERVER:-1}" != "0" ]]; then
  cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE="${BUILD_TYPE:-RelWithDebInfo}" "$@" >/dev/null
  targets=()
  # shellcheck disable=SC2206
  [[ -n "${BUILD_TARGETS:-}" ]] && targets=(--target $BUILD_TARGETS)
  cmake --build "$build" -j "$(nproc)" "${targets[@]}"
fi

# The dashboard (frontend/dist, served by `agentpulse serve`), when Node.js is there. npm ci only when
# the lock file changed, vite only when a source changed: a second run costs well under a second.
#   BUILD_DASHBOARD=0  skip it
fe="$root/frontend"
if [[ "${BUILD_DASHBOARD:-1}" == "0" ]]; then
  :
elif ! command -v npm >/dev/null 2>&1; then
  echo "build: Node.js/npm not found: the dashboard is not built (the server shows a page saying so);" \
       "scripts/install-deps.sh installs them" >&2
else
  if [[ ! -f "$fe/node_modules/.package-lock.json" || "$fe/package-lock.json" -nt "$fe/node_modules/.package-lock.json" ]]; then
    (cd "$fe" && npm ci --no-audit --no-fund --loglevel=error)
  fi
  if [[ ! -f "$fe/dist/index.html" ]] ||
     [[ -n "$(find "$fe/src" "$fe/index.html" "$fe/package.json" "$fe/package-lock.json" "$fe/vite.config.ts" \
               "$fe/tsconfig.json" -newer "$fe/dist/index.html" -print -quit)" ]]; then
    (cd "$fe" && npm run --silent build)
    touch "$fe/dist/index.html"
  fi
fi
