#!/usr/bin/env bash
# Status line benchmark: how long `agentpulse statusline` takes as Claude Code runs it (a new process per
# refresh, its JSON on stdin), over a store holding a synthetic corpus, with the limit windows recorded on
# every run. Prints p50, p99 and max over N runs, wall time of the whole process (fork to exit).
#   bench/statusline.sh [N]       N runs (default 500) of each payload in tests/data/statusline/
#   BIN=path/to/agentpulse        the binary (default build/agentpulse)
#   CORPUS_BIN=path               agentpulse-make-corpus (default build/agentpulse-make-corpus; built
#                                 if missing)      BYTES=n  corpus size (default 50000000)
#   STORE=path                    time against this store instead (a copy of a real one: it is written to)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
runs="${1:-500}"
bin="${BIN:-$root/build/agentpulse}"
[[ -x "$bin" ]] || { echo "statusline bench: no binary at $bin (scripts/build.sh)" >&2; exit 2; }
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

store="${STORE:-}"
if [[ -z "$store" ]]; then
  corpus_bin="${CORPUS_BIN:-$root/build/agentpulse-make-corpus}"
  [[ -x "$corpus_bin" ]] || cmake --build "$root/build" --target agentpulse-make-corpus >/dev/null
  "$corpus_bin" --out "$work/corpus" --bytes "${BYTES:-50000000}" --days 3 \
    --share claude=3 --share codex=1 >/dev/null
  store="$work/store.db"
  "$bin" ingest --store "$store" --no-progress --agents claude,codex \
    --claude-projects "$work/corpus/claude" --codex-sessions "$work/corpus/codex" >/dev/null 2>&1
  # The corpus is stamped at a fixed origin: move it so its newest row is now, so today's cost, the burn
  # and the estimated block sum real rows (the status line's queries then touch what they would live).
  shift_s=$(sqlite3 "$store" "SELECT CAST(strftime('%s','now') - strftime('%s', max(ts)) AS INTEGER) FROM usage_events")
  sqlite3 "$store" "UPDATE usage_events SET ts = strftime('%Y-%m-%dT%H:%M:%fZ', ts, '+$shift_s seconds');
                    UPDATE message_tool_mart SET ts = strftime('%Y-%m-%dT%H:%M:%fZ', ts, '+$shift_s seconds');"
fi
echo "store: $store ($(du -h "$store" | cut -f1)), $(sqlite3 "$store" 'SELECT count(*) FROM usage_events' 2>/dev/null || echo '?') usage rows"

now=$(date +%s)
for p in "$root"/tests/data/statusline/*.json; do
  sed -e "s/RESET_5H/$((now + 3600))/" -e "s/RESET_7D/$((now + 86400))/" "$p" > "$work/$(basename "$p")"
done

python3 - "$bin" "$store" "$runs" "$work" <<'PY'
import glob, os, subprocess, sys, time
bin_, store, runs, work = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
for payload in sorted(glob.glob(os.path.join(work, "*.json"))):
    data = open(payload, "rb").read()
    times = []
    line = b""
    for _ in range(runs):
        t0 = time.perf_counter()
        line = subprocess.run([bin_, "statusline", "--store", store], input=data, capture_output=True, check=True).stdout
        times.append((time.perf_counter() - t0) * 1000)
    times.sort()
    pick = lambda q: times[min(len(times) - 1, int(q * len(times)))]
    print(f"{os.path.basename(payload):32s} runs {runs}  p50 {pick(0.50):6.2f} ms  p99 {pick(0.99):6.2f} ms  max {times[-1]:6.2f} ms")
print("last line:", line.decode().strip())
PY
