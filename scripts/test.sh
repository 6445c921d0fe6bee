#!/usr/bin/env bash
# The second of the README's two commands: install what is missing, build, and run every test.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
"$root/scripts/install-deps.sh" --test
"$root/scripts/build.sh"
build="${BUILD_DIR:-$root/build}"
(cd "$build" && ctest --output-on-failure -j "$(nproc)")

# The dashboard: unit tests (Vitest, jsdom), the bundle budget, then end to end in Debian's Chromium
# against the binary just built (tests/e2e, node's test runner).
(cd "$root/frontend" && npx vitest run)
node "$root/frontend/scripts/bundle-size.mjs" --check
(cd "$root/tests/e2e" && AGENTPULSE_BIN="$build/agentpulse" node --test dashboard.test.mjs)
