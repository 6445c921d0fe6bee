#!/usr/bin/env bash
# Builds and runs the test suites under the sanitizers (docs/RELIABILITY.md, "Sanitizers").
#   scripts/sanitize.sh [address|thread|all] [--live|--no-live]
#     address  one ASan + UBSan build in build-asan/   (AGENTPULSE_SANITIZE=address)
#     thread   one TSan build in build-tsan/           (AGENTPULSE_SANITIZE=thread)
#     all      both, one after the other (the default)
#   --live     also run the live suite (tests/live; the default)   --no-live  unit + integration only
# Only the targets the suites need are built (unit_tests, integration_tests, live_tests, agentpulse).
# Every process the suites start (the agentpulse binaries included) writes its sanitizer reports to
# <build>/sanitizer-logs/; the script fails when a suite fails or when any report was written, and
# prints the reports.
#   Environment: SUITE_TIMEOUT (s per suite, default 1500), JOBS (default: nproc), SANITIZE_BUILD_ROOT (default: the repository), NICE (e.g. "nice -n 19"),
#   CCACHE_DIR as usual.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
mode="${1:-all}"
live=1
for a in "${@:2}"; do
  case "$a" in
    --live) live=1 ;;
    --no-live) live=0 ;;
    *) echo "sanitize: unknown option '$a'" >&2; exit 2 ;;
  esac
done
case "$mode" in
  address|thread) modes=("$mode") ;;
  all) modes=(address thread) ;;
  *) echo "usage: scripts/sanitize.sh [address|thread|all] [--live|--no-live]" >&2; exit 2 ;;
esac
jobs="${JOBS:-$(nproc)}"
build_root="${SANITIZE_BUILD_ROOT:-$root}"
# shellcheck disable=SC2206
nice_cmd=(${NICE:-})
symbolizer="$(command -v llvm-symbolizer || ls /usr/bin/llvm-symbolizer-* 2>/dev/null | head -1 || true)"

run_mode() {
  local m="$1" dir logs targets=(unit_tests integration_tests agentpulse) suites=(unit_tests integration_tests)
  if [[ "$m" == address ]]; then dir="$build_root/build-asan"; else dir="$build_root/build-tsan"; fi
  if (( live )); then targets+=(live_tests); suites+=(live_tests); fi
  logs="$dir/sanitizer-logs"

  local t0=$SECONDS
  "${nice_cmd[@]}" cmake -S "$root" -B "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DAGENTPULSE_SANITIZE="$m" \
    -DAGENTPULSE_BUILD_BENCH=OFF >/dev/null
  "${nice_cmd[@]}" cmake --build "$dir" -j "$jobs" --target "${targets[@]}"
  echo "sanitize[$m]: built in $((SECONDS - t0)) s"

  rm -rf "$logs"
  mkdir -p "$logs"
  local common="halt_on_error=1:print_stacktrace=1:log_path=$logs/report"
  [[ -n "$symbolizer" ]] && common+=":external_symbolizer_path=$symbolizer"
  # Suppression files (tests/sanitizers/) hold proven third-party false positives only, each explained.
  local supp=$root/tests/sanitizers env=()
  if [[ "$m" == address ]]; then
    env=(ASAN_OPTIONS="$common:detect_leaks=1:detect_stack_use_after_return=1:check_initialization_order=1:strict_init_order=1"
         UBSAN_OPTIONS="$common:report_error_type=1$([[ -f $supp/ubsan.supp ]] && echo ":suppressions=$supp/ubsan.supp")"
         LSAN_OPTIONS="print_suppressions=0$([[ -f $supp/lsan.supp ]] && echo ":suppressions=$supp/lsan.supp")")
  else
    env=(TSAN_OPTIONS="$common:second_deadlock_stack=1:print_suppressions=0$([[ -f $supp/tsan.supp ]] && echo ":suppressions=$supp/tsan.supp")")
  fi

  local failed=0 s
  for s in "${suites[@]}"; do
    local t1=$SECONDS
    # A bound on each suite, so that a hang fails the run instead of holding CI (the live suite takes
    # 2-3 minutes under ASan and under TSan, even on a loaded machine).
    if ! (cd "$dir" && timeout --kill-after=30 "${SUITE_TIMEOUT:-1500}" env "${env[@]}" "./$s" --log_level=message --report_level=short); then
      echo "sanitize[$m]: $s FAILED" >&2
      failed=1
    fi
    echo "sanitize[$m]: $s ran in $((SECONDS - t1)) s"
  done

  if compgen -G "$logs/report*" >/dev/null; then
    echo "sanitize[$m]: sanitizer reports:" >&2
    for f in "$logs"/report*; do
      echo "----- $f" >&2
      cat "$f" >&2
    done
    failed=1
  fi
  echo "sanitize[$m]: total $((SECONDS - t0)) s, $([[ $failed == 0 ]] && echo clean || echo FAILED)"
  return "$failed"
}

status=0
for m in "${modes[@]}"; do
  run_mode "$m" || status=1
done
exit "$status"
