#!/usr/bin/env bash
# Times the conversation viewer (GET /api/sessions/<row>/transcript) on one Claude Code session of N lines
# (default 100,000; about 60 MB): a prompt, an answer with usage, a tool call and its result, repeated. The
# session is ingested into a fresh store, then a read-only server answers: the first page, a deep page
# (?message= of a line 95% of the way in: one seek by the stored byte offset), the page after it (?after=),
# the page before it (?before=), and the deep page again in a store without byte offsets (a store from
# before schema 6: the reader counts lines). Each request R times (default 7); prints min / median / max ms.
# SECRETS=1 puts a password assignment, a bearer token and an API key in every text, so that every
# redaction rule whose literals appear runs its regex on every item (the worst case for core/Redactor).
#   bench/transcript.sh [BUILD_DIR]      (default build/)     N=... lines   R=... repeats   KEEP=1 keeps /tmp files
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
bin="${1:-$root/build}/agentpulse"
n="${N:-100000}"
reps="${R:-7}"
command -v sqlite3 >/dev/null || { echo "transcript.sh: needs the sqlite3 command (apt-get install sqlite3)" >&2; exit 2; }
command -v curl >/dev/null || { echo "transcript.sh: needs curl" >&2; exit 2; }
dir="$(mktemp -d /tmp/agentpulse-transcript-bench.XXXXXX)"
pid=""
cleanup() { [[ -n "$pid" ]] && kill "$pid" 2>/dev/null; [[ "${KEEP:-0}" == 1 ]] || rm -rf "$dir"; }
trap cleanup EXIT
proj="$dir/claude/-home-dev-src-bench"
mkdir -p "$proj"
sid="0b5e55ed-0000-4000-8000-000000000001"
awk -v n="$n" -v sid="$sid" -v secrets="${SECRETS:-0}" 'BEGIN {
  filler = "";
  for (k = 0; k < 40; k++) filler = filler "lorem ipsum dolor sit amet ";
  if (secrets == 1) filler = filler "password=hunter2hunter2 Bearer abcdefghijklmnop0123 sk-ant-api03-abcdefghijklmnopqrstuvwxyz AKIAIOSFODNN7EXAMPLE token secret ";
  for (i = 0; i < n; i++) {
    t = sprintf("2026-01-01T%02d:%02d:%02d.%03dZ", int(i / 3600000) % 24, int(i / 60000) % 60, int(i / 1000) % 60, i % 1000);
    u = sprintf("00000000-0000-4000-8000-%012d", i);
    p = (i == 0) ? "null" : sprintf("\"00000000-0000-4000-8000-%012d\"", i - 1);
    head = sprintf("{\"parentUuid\":%s,\"isSidechain\":false,\"cwd\":\"/home/dev/src/bench\",\"sessionId\":\"%s\",\"version\":\"2.0.0\",\"uuid\":\"%s\",\"timestamp\":\"%s\",", p, sid, u, t);
    r = i % 4;
    if (r == 0) printf "%s\"type\":\"user\",\"message\":{\"role\":\"user\",\"content\":\"prompt %d: %s\"}}\n", head, i, filler;
    else if (r == 1) printf "%s\"type\":\"assistant\",\"requestId\":\"req_%d\",\"message\":{\"id\":\"msg_%d\",\"role\":\"assistant\",\"model\":\"claude-sonnet-4-5\",\"content\":[{\"type\":\"text\",\"text\":\"answer %d: %s\"}],\"usage\":{\"input_tokens\":100,\"output_tokens\":50,\"cache_read_input_tokens\":1000,\"cache_creation_input_tokens\":0}}}\n", head, i, i, i, filler;
    else if (r == 2) printf "%s\"type\":\"assistant\",\"requestId\":\"req_%d\",\"message\":{\"id\":\"msg_%d\",\"role\":\"assistant\",\"model\":\"claude-sonnet-4-5\",\"content\":[{\"type\":\"tool_use\",\"id\":\"toolu_%d\",\"name\":\"Bash\",\"input\":{\"command\":\"make test %d\"}}],\"usage\":{\"input_tokens\":100,\"output_tokens\":20,\"cache_read_input_tokens\":1000,\"cache_creation_input_tokens\":0}}}\n", head, i, i, i, i;
    else printf "%s\"type\":\"user\",\"message\":{\"role\":\"user\",\"content\":[{\"type\":\"tool_result\",\"tool_use_id\":\"toolu_%d\",\"content\":\"%s%s%s\"}]}}\n", head, i - 1, filler, filler, filler;
  }
}' > "$proj/$sid.jsonl"
echo "session: $n lines, $(du -m "$proj/$sid.jsonl" | cut -f1) MB"
start=$(date +%s)
HOME="$dir" "$bin" ingest --store "$dir/s.db" --no-progress --claude-projects "$dir/claude" >/dev/null 2>&1
echo "ingested in $(( $(date +%s) - start )) s; store $(du -m "$dir/s.db" | cut -f1) MB"

serve() {
  HOME="$dir" "$bin" serve --no-watcher --store "$dir/s.db" --port 0 >"$dir/serve.log" 2>&1 &
  pid=$!
  for _ in $(seq 1 100); do
    port=$(sed -n 's|^listening on http://127.0.0.1:\([0-9]*\).*|\1|p' "$dir/serve.log")
    [[ -n "$port" ]] && return 0
    sleep 0.1
  done
  echo "transcript.sh: the server did not start" >&2; cat "$dir/serve.log" >&2; exit 1
}
stop() { kill "$pid"; wait "$pid" 2>/dev/null || true; pid=""; }
# time_ms NAME URL: R requests, min / median / max of curl's total time, and the items of the last answer.
time_ms() {
  local name="$1" url="$2" times=()
  for _ in $(seq 1 "$reps"); do
    times+=("$(curl -s -o "$dir/out.json" -w '%{time_total}' "http://127.0.0.1:$port$url")")
  done
  local items
  items=$(grep -o '"kind":' "$dir/out.json" | wc -l)
  printf '%s\n' "${times[@]}" | sort -n | awk -v name="$name" -v items="$items" '
    { t[NR] = $1 * 1000 } END { printf "%-44s min %7.1f  median %7.1f  max %7.1f ms  (%d items)\n", name, t[1], t[int((NR + 1) / 2)], t[NR], items }'
}
row=$(sqlite3 "$dir/s.db" "SELECT id FROM sessions LIMIT 1")
deep=$(sqlite3 "$dir/s.db" "SELECT id FROM messages WHERE session_id = $row AND line_no >= $((n * 95 / 100)) ORDER BY line_no LIMIT 1")
serve
time_ms "first page (200 items)" "/api/sessions/$row/transcript?limit=200"
time_ms "deep page (?message= at 95%)" "/api/sessions/$row/transcript?limit=200&message=$deep"
next=$(sed -n 's/.*"next":"\([^"]*\)".*/\1/p' "$dir/out.json")
prev=$(sed -n 's/.*"prev":"\([^"]*\)".*/\1/p' "$dir/out.json")
time_ms "the page after it (?after=)" "/api/sessions/$row/transcript?limit=200&after=$next"
time_ms "the page before it (?before=)" "/api/sessions/$row/transcript?limit=200&before=$prev"
stop
sqlite3 "$dir/s.db" "UPDATE messages SET byte_offset = NULL"
serve
time_ms "deep page, store without byte offsets" "/api/sessions/$row/transcript?limit=200&message=$deep"
stop
