#!/usr/bin/env bash
# The bench store of docs/PERFORMANCE.md and what is timed on it: N usage events (default 2,000,000) and
# TOOLS tool calls (default N) over the last 365 days, SESSIONS sessions (default 20,000) of two agents in 20
# projects, written with sqlite3 into a store the binary created. Prints
#   - the migration that builds the per-slot and per-session sums from those rows;
#   - for each report kind over the whole year in Europe/Paris, the wall time, the peak memory (max RSS) and
#     the rows and events it printed; the events must equal N (every report sums every event);
#   - every dashboard endpoint's first call, p50 and p95 (20 calls) from a read-only server on the store;
#   - how long `serve` (with its watcher) takes from launch to the first bytes of the live stream.
#   bench/report.sh [BUILD_DIR]      (default build/)     N=... TOOLS=... SESSIONS=...      KEEP=1 keeps the store
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
bin="${1:-$root/build}/agentpulse"
n="${N:-2000000}"
tools="${TOOLS:-$n}"
sessions="${SESSIONS:-20000}"
command -v sqlite3 >/dev/null || { echo "report.sh: needs the sqlite3 command (apt-get install sqlite3)" >&2; exit 2; }
dir="$(mktemp -d /tmp/agentpulse-report-bench.XXXXXX)"
[[ "${KEEP:-0}" == 1 ]] || trap 'rm -rf "$dir"' EXIT
HOME="$dir" "$bin" ingest --store "$dir/s.db" --no-progress --claude-projects "$dir/none" >/dev/null 2>&1
start=$(date +%s)
sqlite3 "$dir/s.db" "
WITH RECURSIVE p(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM p WHERE i < 20)
  INSERT INTO projects (id, provider, slug, display_name) SELECT i, 'claude', 'p'||i, 'proj'||i FROM p;
WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM s WHERE i < $sessions)
  INSERT INTO sessions (id, project_id, provider, session_id)
  SELECT i, 1 + i % 20, CASE i % 3 WHEN 0 THEN 'codex' ELSE 'claude' END, 'sess-'||i FROM s;
WITH RECURSIVE u(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM u WHERE i < $n)
  INSERT INTO usage_events (provider, project_id, session_id, ts, day, model, input_tokens, output_tokens,
                            cache_read_tokens, cache_create_tokens, cost_usd, cost_source, dedup_key)
  SELECT CASE (i % $sessions + 1) % 3 WHEN 0 THEN 'codex' ELSE 'claude' END, 1 + (i % $sessions + 1) % 20,
         i % $sessions + 1,
         strftime('%Y-%m-%dT%H:%M:%S.000Z', $(( $(date +%s) - 365 * 86400 )) + i * (365.0 * 86400 / $n), 'unixepoch'), '',
         CASE i % 4 WHEN 0 THEN 'claude-opus-4-5' WHEN 1 THEN 'gpt-5' ELSE 'claude-sonnet-4-5' END,
         i % 1000, i % 300, i % 50000, i % 2000, (i % 100) / 1000.0, 'rate_card', 'k'||i FROM u;
WITH RECURSIVE t(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM t WHERE i < $tools),
     c(i, ms, lat) AS (SELECT i, ($(( $(date +%s) - 365 * 86400 )) + i * (365.0 * 86400 / $tools)) * 1000,
                              CASE i % 97 WHEN 0 THEN NULL ELSE 40 + (i * 7919) % 30000 END FROM t)
  INSERT INTO message_tool_mart (provider, project_id, session_id, ts, ts_ms, day, tool_name, file_path, byte_count,
                                 tool_use_id, result_ts, latency_ms, is_error, result_bytes, result_seq)
  SELECT CASE (i % $sessions + 1) % 3 WHEN 0 THEN 'codex' ELSE 'claude' END, 1 + (i % $sessions + 1) % 20,
         i % $sessions + 1, strftime('%Y-%m-%dT%H:%M:%fZ', ms / 1000.0, 'unixepoch'), CAST(ms AS INTEGER), '',
         CASE i % 6 WHEN 0 THEN 'Read' WHEN 1 THEN 'Edit' WHEN 2 THEN 'Bash' WHEN 3 THEN 'shell' WHEN 4 THEN 'Grep'
                    ELSE 'apply_patch' END,
         CASE WHEN i % 6 IN (0, 1, 5) THEN 'src/module' || (i % 400) || '.ts' END, i % 5000, 't'||i,
         CASE WHEN lat IS NOT NULL THEN strftime('%Y-%m-%dT%H:%M:%fZ', (ms + lat) / 1000.0, 'unixepoch') END,
         lat, CASE WHEN lat IS NOT NULL THEN (i % 23 = 0) END, CASE WHEN lat IS NOT NULL THEN i % 9000 END,
         CASE WHEN lat IS NOT NULL THEN i END FROM c;"
echo "store: $n usage events, $tools tool calls, $sessions sessions, $(du -m "$dir/s.db" | cut -f1) MB, written in $(( $(date +%s) - start )) s"
# The rows went in by SQL, around the writer that keeps the per-slot and per-session sums: mark the store as
# schema 3 so that the next start builds them from the rows, as it does for a store from before them.
sqlite3 "$dir/s.db" "PRAGMA user_version=3"
/usr/bin/time -f "%e" -o "$dir/time" env HOME="$dir" "$bin" ingest --store "$dir/s.db" --no-progress \
  --claude-projects "$dir/none" >/dev/null 2>&1
echo "migration from schema 3 (sums built from the $n rows): $(cat "$dir/time") s"
since=$(sqlite3 "$dir/s.db" "SELECT substr(min(ts),1,10) FROM usage_events")
until=$(sqlite3 "$dir/s.db" "SELECT date(max(ts), '+1 day') FROM usage_events")
for kind in daily weekly monthly session blocks; do
  /usr/bin/time -f "%e %M" -o "$dir/time" env HOME="$dir" "$bin" report "$kind" --store "$dir/s.db" \
    --tz Europe/Paris --since "$since" --until "$until" --json >"$dir/out.json"
  read -r secs kb <"$dir/time"
  summary=$(python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print(len(d['rows']), d['totals']['events'])" "$dir/out.json")
  read -r rows events <<<"$summary"
  [[ "$events" == "$n" ]] || { echo "report.sh: $kind summed $events events, not $n" >&2; exit 1; }
  printf '%-8s %6.2f s  %7.1f MB max RSS  %6d rows  %d events\n' "$kind" "$secs" "$(echo "$kb / 1024" | bc -l)" "$rows" "$events"
done
# The dashboard's report endpoints on the same store (served read-only, no watcher): p50 and p95 of 20 calls
# each, the first call listed apart (caches are cold).
HOME="$dir" "$bin" serve --store "$dir/s.db" --port 0 --no-watcher --claude-projects "$dir/none" >"$dir/serve.out" 2>/dev/null &
srv=$!
trap 'kill $srv 2>/dev/null; [[ "${KEEP:-0}" == 1 ]] || rm -rf "$dir"' EXIT
for _ in $(seq 100); do grep -q "listening on" "$dir/serve.out" 2>/dev/null && break; sleep 0.1; done
url=$(grep -o 'http://[^ ]*' "$dir/serve.out" | head -1)
row=$(sqlite3 "$dir/s.db" "SELECT id FROM sessions ORDER BY id LIMIT 1 OFFSET 1234")
for path in "/api/overview?tz=Europe/Berlin" "/api/overview?tz=UTC&days=7&provider=codex" \
            "/api/sessions" "/api/sessions?sort=cost" "/api/sessions?sort=tokens" "/api/sessions?sort=errors" \
            "/api/sessions?sort=cost&dir=asc&offset=10000" "/api/sessions?q=sess-1234" "/api/sessions?provider=codex&project=proj7" \
            "/api/sessions/$row" "/api/live/stats" "/api/limits" "/api/config" "/metrics"; do
  times=()
  for _ in $(seq 20); do
    read -r code secs < <(curl -s -o /dev/null -w '%{http_code} %{time_total}\n' "$url$path")
    [[ "$code" == 200 ]] || { echo "report.sh: $path answered $code" >&2; exit 1; }
    times+=("$secs")
  done
  printf '%s\n' "${times[@]}" | python3 -c "
import sys
t = [float(x) * 1000 for x in sys.stdin.read().split()]
first, rest = t[0], sorted(t[1:])
print(f'{sys.argv[1]:<46} first {first:7.1f} ms   p50 {rest[len(rest) // 2]:6.1f} ms   p95 {rest[int(len(rest) * 0.95) - 1]:6.1f} ms')" "$path"
done
kill $srv 2>/dev/null; wait $srv 2>/dev/null || true
# `serve` as a user starts it (watcher on, no transcripts to read here): from launch to the live stream's
# first bytes, three times.
for run in 1 2 3; do
  python3 - "$bin" "$dir" <<'PY'
import os, re, socket, subprocess, sys, time
binary, d = sys.argv[1], sys.argv[2]
t0 = time.monotonic()
p = subprocess.Popen([binary, "serve", "--store", d + "/s.db", "--port", "0", "--host", "127.0.0.1",
                      "--claude-projects", d + "/none", "--codex-sessions", d + "/none"],
                     stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=dict(os.environ, HOME=d), text=True)
try:
    port = None
    while port is None and time.monotonic() - t0 < 60:
        line = p.stdout.readline()
        if not line:
            break
        m = re.search(r"listening on http://[^:]+:(\d+)", line)
        if m:
            port = int(m.group(1))
    if port is None:
        sys.exit("report.sh: serve did not print its port")
    listening = time.monotonic() - t0
    s = socket.create_connection(("127.0.0.1", port), timeout=30)
    s.sendall(b"GET /api/live/stream HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n")
    got = b""
    while b"\n\n" not in got.split(b"\r\n\r\n", 1)[-1] or b"\r\n\r\n" not in got:
        chunk = s.recv(65536)
        if not chunk:
            sys.exit("report.sh: the stream closed before its first frame")
        got += chunk
    print(f"serve: listening after {listening * 1000:.0f} ms, first stream frame after {(time.monotonic() - t0) * 1000:.0f} ms")
finally:
    p.terminate()
    p.wait(timeout=30)
PY
done
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), load $(cut -d' ' -f1-3 /proc/loadavg)"
