#!/usr/bin/env bash
# Times `agentpulse report` on a big store: N usage events (default 2,000,000) over the last 365 days, 5,000
# sessions of two agents in 20 projects, written with sqlite3 into a store the binary created. Prints, for
# each report kind over the whole year in Europe/Paris, the wall time, the peak memory (max RSS) and the
# rows and events it printed; the events must equal N (every report sums every event).
#   bench/report.sh [BUILD_DIR]      (default build/)     N=... events      KEEP=1 keeps the store in /tmp
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
bin="${1:-$root/build}/agentpulse"
n="${N:-2000000}"
command -v sqlite3 >/dev/null || { echo "report.sh: needs the sqlite3 command (apt-get install sqlite3)" >&2; exit 2; }
dir="$(mktemp -d /tmp/agentpulse-report-bench.XXXXXX)"
[[ "${KEEP:-0}" == 1 ]] || trap 'rm -rf "$dir"' EXIT
HOME="$dir" "$bin" ingest --store "$dir/s.db" --no-progress --claude-projects "$dir/none" >/dev/null 2>&1
start=$(date +%s)
sqlite3 "$dir/s.db" "
WITH RECURSIVE p(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM p WHERE i < 20)
  INSERT INTO projects (id, provider, slug, display_name) SELECT i, 'claude', 'p'||i, 'proj'||i FROM p;
WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM s WHERE i < 5000)
  INSERT INTO sessions (id, project_id, provider, session_id)
  SELECT i, 1 + i % 20, CASE i % 3 WHEN 0 THEN 'codex' ELSE 'claude' END, 'sess-'||i FROM s;
WITH RECURSIVE u(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM u WHERE i < $n)
  INSERT INTO usage_events (provider, project_id, session_id, ts, day, model, input_tokens, output_tokens,
                            cache_read_tokens, cache_create_tokens, cost_usd, cost_source, dedup_key)
  SELECT CASE (i % 5000 + 1) % 3 WHEN 0 THEN 'codex' ELSE 'claude' END, 1 + (i % 5000 + 1) % 20, i % 5000 + 1,
         strftime('%Y-%m-%dT%H:%M:%S.000Z', $(( $(date +%s) - 365 * 86400 )) + i * (365.0 * 86400 / $n), 'unixepoch'), '',
         CASE i % 4 WHEN 0 THEN 'claude-opus-4-5' WHEN 1 THEN 'gpt-5' ELSE 'claude-sonnet-4-5' END,
         i % 1000, i % 300, i % 50000, i % 2000, (i % 100) / 1000.0, 'rate_card', 'k'||i FROM u;"
echo "store: $n usage events, $(du -m "$dir/s.db" | cut -f1) MB, written in $(( $(date +%s) - start )) s"
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
for path in "/api/overview?tz=Europe/Berlin" "/api/sessions" "/api/sessions?sort=cost" "/api/sessions?sort=tokens" \
            "/api/sessions?sort=errors" "/api/sessions?q=sess-1234" "/api/sessions/$row" "/api/live/stats" "/api/config"; do
  times=()
  for _ in $(seq 20); do times+=("$(curl -s -o /dev/null -w '%{time_total}' "$url$path")"); done
  printf '%s\n' "${times[@]}" | python3 -c "
import sys
t = [float(x) * 1000 for x in sys.stdin.read().split()]
first, rest = t[0], sorted(t[1:])
print(f'{sys.argv[1]:<36} first {first:7.1f} ms   p50 {rest[len(rest) // 2]:6.1f} ms   p95 {rest[int(len(rest) * 0.95) - 1]:6.1f} ms')" "$path"
done
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), load $(cut -d' ' -f1-3 /proc/loadavg)"
