#!/usr/bin/env bash
# Backfill benchmark: builds agentpulse in Release (build-release/), generates a synthetic corpus once
# (cached under bench/out/), ingests it into a fresh store under /usr/bin/time -v, and prints MB/s,
# rows/s (messages + usage events + tool calls) and peak RSS; checks the store against the corpus.
#   BYTES=1100M FILES=2000 SEED=1  corpus size (K/M/G = 10^3/6/9), file count, seed    RUNS=1  repetitions
#   BUILD_DIR=...                another build folder                 KEEP_STORE=1  keep the last store
#   SHARES="gemini=1 copilot=1"  the simulated agents' weights among the corpus's sessions (default: the
#                                writers' own: Claude Code and Codex), e.g. one agent's format alone.
#                                SHARES="opencode=1": one OpenCode database; its "bytes" are the JSON text of
#                                every row upsert the simulated agent applied (inserts and in-place updates,
#                                as the other agents' bytes are the lines they append), not the database
#                                file's size (printed too), and FILES counts its sessions
#   BASE=/path/to/agentpulse     also ingest with that binary (an older build), alternating with this one in
#                                every run; prints the new/base ratio of the medians and checks that both
#                                stores hold the same rows (a hash of every table without ingest-time columns)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
bytes="${BYTES:-1100M}" files="${FILES:-2000}" seed="${SEED:-1}" runs="${RUNS:-1}" shares="${SHARES:-}"
build="${BUILD_DIR:-$root/build-release}"
out="$root/bench/out"
mkdir -p "$out"

if [[ ! -x /usr/bin/time ]] || ! command -v sqlite3 >/dev/null; then "$root/scripts/install-deps.sh" --test; fi
BUILD_DIR="$build" BUILD_TYPE=Release BUILD_DASHBOARD=0 "$root/scripts/build.sh" -DAGENTPULSE_BUILD_TESTS=OFF >/dev/null

# The cache is keyed on the generator's sources too, so that a changed generator makes a new corpus
# (every file of server/sim/, in a fixed order).
gen=$(cd "$root" && find server/sim bench/make_corpus.cpp -type f | LC_ALL=C sort | xargs cat | sha1sum | cut -c1-8)
share_args=() share_tag=""
for sh in $shares; do share_args+=(--share "$sh"); share_tag+="-${sh//=/}"; done
corpus="$out/corpus-$bytes-$files-$seed$share_tag-$gen"
for stale in "$out/corpus-$bytes-$files-$seed$share_tag"-*; do
  [[ -e "$stale" && "$stale" != "$corpus" && "$stale" != "$corpus.json" ]] && rm -rf "$stale"
done
if [[ ! -f "$corpus.json" ]]; then
  echo "backfill: generating corpus $corpus (once; cached)" >&2
  rm -rf "$corpus" "$corpus.json.tmp"
  "$build/agentpulse-make-corpus" --out "$corpus" --bytes "$bytes" --files "$files" --seed "$seed" "${share_args[@]}" >"$corpus.json.tmp"
  mv "$corpus.json.tmp" "$corpus.json"
fi
expect() { sed -E "s/.*\"$1\":([0-9.]+).*/\1/" "$corpus.json"; }
corpus_bytes=$(expect bytes)
corpus_files=$(expect files)

# Every table's rows in id order, without the columns that hold the time of ingest: equal hashes mean two
# ingests stored the same thing.
store_hash() {
  local db="file:$1?mode=ro" t cols
  for t in projects sessions transcript_files messages usage_events message_tool_mart pending_tool_results ingest_errors; do
    cols=$(sqlite3 "$db" "SELECT group_concat(name, ',') FROM pragma_table_info('$t')
                          WHERE name NOT IN ('updated_at') AND NOT ('$t' = 'ingest_errors' AND name = 'ts')")
    sqlite3 "$db" "SELECT $cols FROM $t ORDER BY $cols"
  done | sha1sum | cut -c1-16
}

# The corpus's folder of each agent, with the option that names it. Only these agents are read (--agents),
# so the agents' default folders under $HOME (a user's real transcripts) never enter the figures. A binary
# older than --agents reads Claude Code and Codex only, which is all it knew.
agent_args() {
  local bin="$1" d a flag names=""
  local help; help=$("$bin" ingest --help 2>&1 || true)
  for d in "$corpus"/*/; do
    a=$(basename "$d")
    case "$a" in
      claude) flag=--claude-projects ;; codex) flag=--codex-sessions ;; gemini) flag=--gemini-dir ;;
      copilot) flag=--copilot-dir ;; qwen) flag=--qwen-dir ;; opencode) flag=--opencode-dir ;; *) continue ;;
    esac
    grep -q -- "$flag" <<<"$help" || continue
    printf '%s\n%s\n' "$flag" "${d%/}"
    names+="${names:+,}$a"
  done
  if grep -q -- "--agents" <<<"$help"; then printf -- '--agents\n%s\n' "$names"; fi
}

# ingest BINARY STORE LABEL RUN: one backfill into a fresh store; prints its figures, appends to the lists.
ingest() {
  local bin="$1" store="$2" label="$3" run="$4"
  local args; mapfile -t args < <(agent_args "$bin")
  rm -f "$store" "$store-wal" "$store-shm"
  sync
  t0=$(date +%s%N)
  /usr/bin/time -v -o "$out/backfill-time.txt" "$bin" ingest --no-progress --log-level warn \
    --store "$store" "${args[@]}" >"$out/backfill-stdout.txt"
  t1=$(date +%s%N)
  wall=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", (b - a) / 1e9 }')
  rss_kb=$(awk -F: '/Maximum resident set size/ { gsub(/ /, "", $2); print $2 }' "$out/backfill-time.txt")
  user=$(awk -F: '/User time/ { gsub(/ /, "", $2); print $2 }' "$out/backfill-time.txt")
  sys=$(awk -F: '/System time/ { gsub(/ /, "", $2); print $2 }' "$out/backfill-time.txt")
  read -r messages usage calls <<<"$(sqlite3 -separator ' ' "file:$store?mode=ro" \
    "SELECT (SELECT count(*) FROM messages), (SELECT count(*) FROM usage_events), (SELECT count(*) FROM message_tool_mart)")"
  rows=$((messages + usage + calls))
  awk -v b="$corpus_bytes" -v f="$corpus_files" -v w="$wall" -v r="$rows" -v rss="$rss_kb" -v u="$user" -v s="$sys" \
      -v m="$messages" -v ue="$usage" -v tc="$calls" -v run="$run" -v l="$label" 'BEGIN {
    printf "%srun %d: %.1f MB in %d files, %.2f s wall (user %.2f s, sys %.2f s)\n", l, run, b / 1e6, f, w, u, s
    printf "  backfill  %.1f MB/s\n", b / 1e6 / w
    printf "  rows      %d (%d messages + %d usage events + %d tool calls): %.0f rows/s\n", r, m, ue, tc, r / w
    printf "  peak RSS  %.1f MB\n", rss / 1024
  }'
  if [[ -f "$corpus/opencode/opencode.db" ]]; then
    awk -v d="$(stat -c %s "$corpus/opencode/opencode.db")" -v w="$wall" \
      'BEGIN { printf "  database  opencode.db, %.1f MB on disk: %.1f MB/s of it\n", d / 1e6, d / 1e6 / w }'
  fi
  status=ok
  [[ "$messages" == "$(expect messages)" && "$usage" == "$(expect usage_events)" && "$calls" == "$(expect tool_calls)" ]] || status=MISMATCH
  echo "  store vs corpus: $status (corpus: $(expect messages) messages, $(expect usage_events) usage events, $(expect tool_calls) tool calls)"
  [[ $status == ok ]] || exit 1
}

store="$out/backfill-store.db"
base_store="$out/backfill-store-base.db"
walls=() rsss=() cpus=() base_walls=()
for run in $(seq 1 "$runs"); do
  if [[ -n "${BASE:-}" ]]; then
    ingest "$BASE" "$base_store" "base " "$run"
    base_walls+=("$wall")
  fi
  ingest "$build/agentpulse" "$store" "" "$run"
  walls+=("$wall") rsss+=("$rss_kb") cpus+=("$(awk -v u="$user" -v s="$sys" 'BEGIN { print u + s }')")
done
median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
if [[ -n "${BASE:-}" ]]; then
  new_hash=$(store_hash "$store") base_hash=$(store_hash "$base_store")
  awk -v b="$corpus_bytes" -v n="$(median "${walls[@]}")" -v o="$(median "${base_walls[@]}")" -v r="$runs" 'BEGIN {
    printf "base vs this build, %d alternating runs: base %.1f MB/s, this %.1f MB/s (median): this/base = %.3f\n",
      r, b / 1e6 / o, b / 1e6 / n, o / n
  }'
  if [[ "$new_hash" == "$base_hash" ]]; then
    echo "stores: identical content (hash $new_hash)"
  else
    echo "stores: DIFFERENT content (base $base_hash, this build $new_hash)"
    exit 1
  fi
  [[ -n "${KEEP_STORE:-}" ]] || rm -f "$base_store" "$base_store-wal" "$base_store-shm"
fi
if (( runs > 1 )); then
  mw=$(median "${walls[@]}") minw=$(printf '%s\n' "${walls[@]}" | sort -g | head -1) maxw=$(printf '%s\n' "${walls[@]}" | sort -g | tail -1)
  awk -v b="$corpus_bytes" -v m="$mw" -v lo="$minw" -v hi="$maxw" -v c="$(median "${cpus[@]}")" \
      -v rss="$(printf '%s\n' "${rsss[@]}" | sort -g | tail -1)" -v n="$runs" 'BEGIN {
    printf "%d runs: median %.2f s wall = %.1f MB/s (fastest %.1f, slowest %.1f MB/s); median CPU %.2f s; max peak RSS %.1f MB\n",
      n, m, b / 1e6 / m, b / 1e6 / lo, b / 1e6 / hi, c, rss / 1024
  }'
fi
[[ -n "${KEEP_STORE:-}" ]] || rm -f "$store" "$store-wal" "$store-shm"
