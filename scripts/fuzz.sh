#!/usr/bin/env bash
# Builds the libFuzzer targets (fuzz/, clang 14 with ASan + UBSan) in build-fuzz/ and runs each for a
# bounded time on a copy of its seed corpus (the repository's corpus never grows here).
#   scripts/fuzz.sh [seconds-per-target]        default 60
# Environment: FUZZ_TARGETS="transcript config" (a subset), FUZZ_JOBS=2 (targets run side by side),
# JOBS (build parallelism, default 2), FUZZ_RSS_MB (default 2048), FUZZ_TIMEOUT_S (per input, default 25).
# Prints executions, exec/s and coverage per target. Exits non-zero on any crash, leak, timeout, out-of-
# memory or sanitizer report; the reproducer is left in build-fuzz/artifacts/ (replay it with
# build-fuzz/<target>_fuzz build-fuzz/artifacts/<file>). See docs/RELIABILITY.md, "Fuzzing".
set -euo pipefail

seconds="${1:-60}"
[[ "$seconds" =~ ^[0-9]+$ ]] || { echo "usage: scripts/fuzz.sh [seconds-per-target]" >&2; exit 2; }
root="$(cd "$(dirname "$0")/.." && pwd)"
build="$root/build-fuzz"
targets=(${FUZZ_TARGETS:-transcript database http_request price_book config otlp})
fuzz_jobs="${FUZZ_JOBS:-1}"
rss_mb="${FUZZ_RSS_MB:-2048}"
timeout_s="${FUZZ_TIMEOUT_S:-25}"

command -v clang++-14 >/dev/null || { echo "fuzz: clang++-14 missing (scripts/install-deps.sh --test)" >&2; exit 2; }

t0=$(date +%s)
CC=clang-14 CXX=clang++-14 cmake -S "$root" -B "$build" -DAGENTPULSE_FUZZ=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O1 -g1" >/dev/null
cmake --build "$build" --target fuzzers -j "${JOBS:-2}"
t1=$(date +%s)
echo "fuzz: built in $((t1 - t0)) s"

rm -rf "$build/corpus-run" "$build/logs" "$build/artifacts"
mkdir -p "$build/artifacts" "$build/corpus-run" "$build/logs"
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=0:symbolize=1:${ASAN_OPTIONS:-}"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:${UBSAN_OPTIONS:-}"

run_one() {
  local name="$1" bin="$build/${1}_fuzz" work="$build/corpus-run/$1" log="$build/logs/$1.log"
  cp -r "$root/fuzz/corpus/$name" "$work"
  local dict=()
  [[ -f "$root/fuzz/dict/$name.dict" ]] && dict=(-dict="$root/fuzz/dict/$name.dict")
  local rc=0
  "$bin" "$work" "${dict[@]}" -max_total_time="$seconds" -rss_limit_mb="$rss_mb" -timeout="$timeout_s" \
    -detect_leaks=1 -print_final_stats=1 -artifact_prefix="$build/artifacts/$name-" >"$log" 2>&1 || rc=$?
  # A sanitizer report that did not end the run is still a failure.
  if (( rc == 0 )) && grep -qE "ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:|SUMMARY: " "$log"; then rc=99; fi
  echo "$rc" >"$build/logs/$name.rc"
}

running=0
for name in "${targets[@]}"; do
  [[ -x "$build/${name}_fuzz" ]] || { echo "fuzz: no target $name" >&2; exit 2; }
  run_one "$name" &
  running=$((running + 1))
  if (( running >= fuzz_jobs )); then wait -n || true; running=$((running - 1)); fi
done
wait
# A target that crashed did not remove its scratch folder (the fixtures under /dev/shm or $TMPDIR).
rm -rf /dev/shm/agentpulse-fuzz-* "${TMPDIR:-/tmp}"/agentpulse-fuzz-* 2>/dev/null || true

failed=0
printf '%-14s %12s %9s %8s %8s %8s  %s\n' target executions exec/s cov ft corpus status
for name in "${targets[@]}"; do
  log="$build/logs/$name.log"
  rc="$(cat "$build/logs/$name.rc" 2>/dev/null || echo 98)"
  execs="$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)"
  rate="$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)"
  last="$(grep -E '^#[0-9]+' "$log" | tail -1 || true)"
  cov="$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$last")"
  ft="$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$last")"
  corp="$(sed -n 's/.* corp: \([0-9]*\/[0-9A-Za-z]*\).*/\1/p' <<<"$last")"
  status="ok"
  if (( rc != 0 )); then
    failed=1
    status="FAILED (exit $rc): $(grep -m1 -oE 'ERROR: [A-Za-z]+: [a-z-]+|runtime error: .{0,80}|ERROR: libFuzzer: [a-z-]+|invariant broken: .*|fuzz: .*' "$log" || echo 'see log')"
  fi
  printf '%-14s %12s %9s %8s %8s %8s  %s\n' "$name" "${execs:-?}" "${rate:-?}" "${cov:-?}" "${ft:-?}" "${corp:-?}" "$status"
done
echo "fuzz: ${seconds} s per target, logs in build-fuzz/logs/, total $(( $(date +%s) - t0 )) s"
if (( failed )); then
  echo "fuzz: FAILED; reproducers:" >&2
  ls -1 "$build/artifacts" >&2 || true
  exit 1
fi
