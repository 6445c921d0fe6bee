#!/usr/bin/env bash
# Times GET /api/search on a big store: N search index entries (default 2,200,000: one per tool call of the
# 2,000,000-call bench store of docs/PERFORMANCE.md, plus 200,000 prompts) over the last 365 days, 5,000
# sessions of two agents in 20 projects, written with sqlite3 into a store the binary created (schema 6),
# the FTS5 index built by FTS5's own 'rebuild'. Then `agentpulse serve --no-watcher` on it, and for each
# typical query (a word, two words, a rare file name, a prefix being typed, a word everywhere, no match,
# with each filter) the first call and the p50/p95 of 20 calls, as curl measures them.
#   bench/search.sh [BUILD_DIR]      (default build/)     N=... entries      KEEP=1 keeps the store in /tmp
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
bin="${1:-$root/build}/agentpulse"
n="${N:-2200000}"
command -v sqlite3 >/dev/null || { echo "search.sh: needs the sqlite3 command (apt-get install sqlite3)" >&2; exit 2; }
dir="$(mktemp -d /tmp/agentpulse-search-bench.XXXXXX)"
[[ "${KEEP:-0}" == 1 ]] || trap 'rm -rf "$dir"' EXIT
HOME="$dir" "$bin" ingest --store "$dir/s.db" --no-progress --claude-projects "$dir/none" >/dev/null 2>&1
now=$(date +%s)
start=$(date +%s)
# Entry i: a prompt every 11th, else a tool call (a command every 2nd, else a file); words drawn from small
# vocabularies so that some words are everywhere and file names are rare (500 per word).
sqlite3 "$dir/s.db" "
WITH RECURSIVE p(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM p WHERE i < 20)
  INSERT INTO projects (id, provider, slug, display_name) SELECT i, 'claude', 'p'||i, 'proj'||i FROM p;
WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM s WHERE i < 5000)
  INSERT INTO sessions (id, project_id, provider, session_id, model, started_at, last_at)
  SELECT i, 1 + i % 20, CASE i % 3 WHEN 0 THEN 'codex' ELSE 'claude' END, 'sess-'||i,
         CASE i % 3 WHEN 0 THEN 'gpt-5' ELSE 'claude-sonnet-4-5' END, '', '' FROM s;
CREATE TEMP TABLE words(k INTEGER PRIMARY KEY, w TEXT);
INSERT INTO words(w) VALUES ('billing'),('invoice'),('checkout'),('session'),('router'),('parser'),('cache'),
  ('payment'),('refund'),('ledger'),('account'),('search'),('index'),('worker'),('queue'),('token'),('report'),
  ('export'),('import'),('config'),('logger'),('metrics'),('schema'),('render'),('layout'),('button'),('client'),
  ('server'),('socket'),('stream'),('buffer'),('decoder'),('encoder'),('rounding'),('migration'),('backfill'),
  ('pagination'),('timeout'),('retry'),('webhook'),('customer'),('order'),('cart'),('price'),('tax'),('discount'),
  ('shipping'),('inventory'),('catalog'),('profile');
CREATE TEMP TABLE dirs(k INTEGER PRIMARY KEY, d TEXT);
INSERT INTO dirs(d) VALUES ('src'),('src/lib'),('src/api'),('server/core'),('server/store'),('tests'),('docs'),
  ('scripts'),('app/models'),('pkg/util');
WITH RECURSIVE e(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM e WHERE i < $n),
  d AS (SELECT i, 1 + i % 5000 AS session,
               (SELECT w FROM words WHERE k = 1 + (i * 7) % 50) AS w1,
               (SELECT w FROM words WHERE k = 1 + (i * 13 + 5) % 50) AS w2,
               (SELECT d FROM dirs WHERE k = 1 + (i * 3) % 10) AS dir,
               CAST(($now - 365 * 86400) * 1000 + i * (365.0 * 86400000 / $n) AS INTEGER) AS ms FROM e)
  INSERT INTO search_docs (id, doc_key, kind, provider, project_id, session_id, message_id, call_id, ts, tool, body)
  SELECT ms << 20, 'b:' || i,
         CASE WHEN i % 11 = 0 THEN 'prompt' WHEN i % 2 = 0 THEN 'command' ELSE 'file' END,
         CASE (session % 3) WHEN 0 THEN 'codex' ELSE 'claude' END, 1 + session % 20, session, i, NULL,
         strftime('%Y-%m-%dT%H:%M:%fZ', ms / 1000.0, 'unixepoch'),
         CASE WHEN i % 11 = 0 THEN NULL WHEN i % 2 = 0 THEN 'Bash' ELSE 'Edit' END,
         CASE WHEN i % 11 = 0 THEN
                CASE i % 4 WHEN 0 THEN 'Fix the failing test in ' || dir || '/' || w1 || '.py - it times out on CI but passes locally.'
                           WHEN 1 THEN 'Why is ' || w1 || ' slow when the ' || w2 || ' table is large? Profile it and fix the worst part.'
                           WHEN 2 THEN 'the ' || w1 || ' test is flaky, find out why'
                           ELSE 'Refactor ' || w1 || ' so that the ' || w2 || ' logic lives in its own module, with tests.' END
              WHEN i % 2 = 0 THEN
                CASE i % 6 WHEN 0 THEN 'npm test -- ' || w1 WHEN 2 THEN 'pytest tests/test_' || w1 || '.py -k ' || w2
                           ELSE 'rg -n \"' || w1 || '\" ' || dir END
              ELSE dir || '/' || w1 || '_' || (i % 500) || '.py' END
  FROM d;
INSERT INTO search_fts(search_fts) VALUES ('rebuild');"
echo "store: $n index entries, $(du -m "$dir/s.db" | cut -f1) MB, written and indexed in $(( $(date +%s) - start )) s"

HOME="$dir" "$bin" serve --store "$dir/s.db" --port 0 --no-watcher --claude-projects "$dir/none" >"$dir/serve.out" 2>/dev/null &
srv=$!
trap 'kill $srv 2>/dev/null; [[ "${KEEP:-0}" == 1 ]] || rm -rf "$dir"' EXIT
for _ in $(seq 100); do grep -q "listening on" "$dir/serve.out" 2>/dev/null && break; sleep 0.1; done
url=$(grep -o 'http://[^ ]*' "$dir/serve.out" | head -1)
month=$(date -u -d '30 days ago' +%Y-%m-%d)
for query in "q=billing" "q=npm+test" "q=invoice_193.py" "q=bil" "q=flaky+billing" "q=fix+the+failing+test" \
             "q=src" "q=zzzzqx" "q=billing&agent=codex" "q=migration&project=proj4" "q=rounding&since=$month" \
             "q=pytest&kind=command" "q=billing&model=gpt-5" "q=refund+OR+ledger&syntax=fts"; do
  times=()
  for _ in $(seq 21); do times+=("$(curl -s -o "$dir/answer.json" -w '%{time_total}' "$url/api/search?$query&limit=50")"); done
  hits=$(python3 -c "import json,sys; print(len(json.load(open(sys.argv[1]))['hits']))" "$dir/answer.json")
  printf '%s\n' "${times[@]}" | python3 -c "
import sys
t = [float(x) * 1000 for x in sys.stdin.read().split()]
first, rest = t[0], sorted(t[1:])
print(f'{sys.argv[1]:<34} {sys.argv[2]:>3} hits   first {first:7.1f} ms   p50 {rest[len(rest) // 2]:6.1f} ms   p95 {rest[int(len(rest) * 0.95) - 1]:6.1f} ms')" "$query" "$hits"
done
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), load $(cut -d' ' -f1-3 /proc/loadavg)"
