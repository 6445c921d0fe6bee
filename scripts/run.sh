#!/usr/bin/env bash
# The first of the README's two commands: install what is missing, build, and serve the live view of
# your real transcripts (~/.claude/projects, ~/.codex/sessions) on http://127.0.0.1:8787/.
# Arguments go to `agentpulse serve` (e.g. --port 9000, --claude-projects DIR, --demo).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
"$root/scripts/install-deps.sh"
"$root/scripts/build.sh"
exec "$root/build/agentpulse" serve "$@"
