#!/usr/bin/env bash
# The first of the README's two commands: install what is missing, build, and serve the live view of
# your real transcripts (~/.claude/projects, ~/.codex/sessions) on http://127.0.0.1:8787/.
# Arguments go to `agentpulse serve` (e.g. --port 9000, --claude-projects DIR, --demo).
# It builds only what it runs: the `agentpulse` target and the dashboard (scripts/test.sh builds the tests
# and benchmarks in the same build/ folder, with the same CMake options, so neither rebuilds the other's
# work). On a fresh machine the server compiles while Node.js installs and the dashboard builds.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"

"$root/scripts/install-deps.sh" --server
# The server build in a process group of its own (job control), so that a failure or Ctrl-C here stops
# all of it; not a session of its own (setsid), which would also give it a scheduling group of its own.
set -m
BUILD_DASHBOARD=0 BUILD_TARGETS=agentpulse "$root/scripts/build.sh" &
server_build=$!
set +m
trap 'kill -- -"$server_build" 2>/dev/null || true' EXIT
trap 'exit 130' INT TERM HUP
"$root/scripts/install-deps.sh" --dashboard
BUILD_SERVER=0 "$root/scripts/build.sh"
wait "$server_build"
trap - EXIT INT TERM HUP
exec "$root/build/agentpulse" serve "$@"
