#!/usr/bin/env bash
# Forwarding throughput (docs/teams.md): a machine's store, filled by a backfill of a synthetic corpus, is
# forwarded whole by `agentpulse ingest --forward` to a central `agentpulse serve --otlp-listen` on
# loopback; prints the records (usage rows, tool calls, sessions, and the rows sent again because they
# grew or got their result) per second from the first request to the centre's last commit, the bytes on
# the wire, and checks that the centre holds every usage row and tool call of the machine.
#   BYTES=100M FILES=300 SEED=1  corpus size and file count (bench/make_corpus.cpp)
#   BATCH=500                    --forward-batch (rows of each kind per request)
#   BUILD_DIR=...                the build to use (default build-release/, built in Release first);
#                                NO_BUILD=1 uses BUILD_DIR as it is (e.g. BUILD_DIR=build NO_BUILD=1)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
bytes="${BYTES:-100M}" files="${FILES:-300}" seed="${SEED:-1}" batch="${BATCH:-500}"
build="${BUILD_DIR:-$root/build-release}"
if [[ "${NO_BUILD:-0}" != 1 ]]; then
  BUILD_DIR="$build" BUILD_TYPE=Release BUILD_DASHBOARD=0 BUILD_TARGETS="agentpulse agentpulse-make-corpus" \
    "$root/scripts/build.sh" >/dev/null
fi
bin="$build/agentpulse"
work="$(mktemp -d /tmp/agentpulse-forward-bench.XXXXXX)"
centre_pid=""
cleanup() { [[ -n "$centre_pid" ]] && kill "$centre_pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

"$build/agentpulse-make-corpus" --out "$work/corpus" --bytes "$bytes" --files "$files" --seed "$seed" >/dev/null
args=(--agents claude,codex --claude-projects "$work/corpus/claude" --codex-sessions "$work/corpus/codex")
mkdir -p "$work/corpus/claude" "$work/corpus/codex" "$work/empty"
"$bin" ingest --store "$work/machine.db" "${args[@]}" --machine bench-laptop --user bench --no-progress >/dev/null

"$bin" serve --store "$work/centre.db" --port 0 --otlp-listen 127.0.0.1:0 --machine centre --agents claude \
  --claude-projects "$work/empty" --log-level warn >"$work/centre.out" 2>"$work/centre.err" &
centre_pid=$!
for _ in $(seq 200); do grep -q "otlp listening" "$work/centre.out" && break; sleep 0.05; done
port=$(sed -n 's/^otlp listening on http:\/\/127.0.0.1:\([0-9]*\)$/\1/p' "$work/centre.out")
[[ -n "$port" ]] || { echo "forward: the centre did not start: $(cat "$work/centre.err")" >&2; exit 1; }

count() { sqlite3 "file:$1?mode=ro" "$2"; }
want_usage=$(count "$work/machine.db" "SELECT count(*) FROM usage_events")
want_tools=$(count "$work/machine.db" "SELECT count(*) FROM message_tool_mart")
t0=$(date +%s.%N)
out=$("$bin" ingest --store "$work/machine.db" "${args[@]}" --machine bench-laptop --user bench --no-progress \
        --forward "http://127.0.0.1:$port" --forward-batch "$batch" | tail -1)
t1=$(date +%s.%N)
records=$(sed -n 's/^forwarded \([0-9]*\) records.*/\1/p' <<<"$out")
[[ "$(count "$work/centre.db" "SELECT count(*) FROM usage_events")" == "$want_usage" ]] || { echo "forward: usage rows differ" >&2; exit 1; }
[[ "$(count "$work/centre.db" "SELECT count(*) FROM message_tool_mart")" == "$want_tools" ]] || { echo "forward: tool calls differ" >&2; exit 1; }
cursor=$(count "$work/machine.db" "SELECT records FROM forward_cursors")
secs=$(echo "$t1 - $t0" | bc -l)
printf 'forward: %s usage rows, %s tool calls; %s records (batch %s) in %.2f s: %.0f records/s (%s cores, load %s)\n' \
  "$want_usage" "$want_tools" "$records" "$batch" "$secs" "$(echo "$records / $secs" | bc -l)" "$(nproc)" \
  "$(cut -d' ' -f1-3 /proc/loadavg)"
[[ "$cursor" == "$records" ]] || echo "forward: the cursor counts $cursor records" >&2
