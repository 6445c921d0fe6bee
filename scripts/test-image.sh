#!/usr/bin/env bash
# Builds the Docker image with Debian's podman (no Docker engine needed) and smoke-tests it: the image's
# own binary, as the image's user, with the image's environment, serves /healthz and streams rows that a
# separate `agentpulse ingest --follow` (also the image's binary) writes into the shared store directory.
#   scripts/test-image.sh            build (layer cache and base image reused) and smoke-test
#   scripts/test-image.sh --fresh    rebuild everything: a new debootstrap base image, no layer cache,
#                                    empty ccache and npm cache mounts (for timing a build from scratch)
#   scripts/test-image.sh --no-build smoke-test the image already built
#   IMAGE=name (default agentpulse)  LOG_DIR=dir for the build log (default /tmp)
# `podman run` does not work on these machines (no rlimits, this cgroup mode), so the smoke test mounts
# the container's root filesystem and runs the binary there with chroot, in a private mount namespace.
# Needs root: re-runs itself through sudo otherwise. Everything listens on 127.0.0.1 only.
set -euo pipefail

if (( $(id -u) != 0 )); then exec sudo --preserve-env=IMAGE,LOG_DIR,NODE_EXTRA_CA_CERTS "$0" "$@"; fi

root="$(cd "$(dirname "$0")/.." && pwd)"
image="${IMAGE:-agentpulse}"
base="docker.io/library/debian:bookworm"   # the Dockerfile's FROM, made locally from Debian's packages
log_dir="${LOG_DIR:-/tmp}"
fresh=0 build=1
for a in "$@"; do
  case "$a" in
    --fresh) fresh=1 ;;
    --no-build) build=0 ;;
    *) echo "usage: $0 [--fresh | --no-build]" >&2; exit 2 ;;
  esac
done

timings=()
phase_start=0
phase() { phase_start=$(date +%s%N); echo "== $1" >&2; }
phase_end() {
  local ms=$(( ($(date +%s%N) - phase_start) / 1000000 ))
  timings+=("$(printf '%-32s %5d.%d s' "$1" $((ms / 1000)) $((ms % 1000 / 100)))")
}
fail() { echo "test-image: FAIL: $*" >&2; exit 1; }

# --- 1. tools ------------------------------------------------------------------------------------
phase tools
need=()
for t in podman:podman debootstrap:debootstrap curl:curl; do
  command -v "${t%%:*}" >/dev/null 2>&1 || need+=("${t#*:}")
done
if (( ${#need[@]} )); then
  echo "test-image: installing ${need[*]}" >&2
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >&2
fi
phase_end "tools (podman, debootstrap)"

# --- 2. base image -------------------------------------------------------------------------------
if (( build )); then
  phase "base image $base"
  if (( fresh )); then
    podman rmi -f "$image" >/dev/null 2>&1 || true
    podman rmi -f "$base" >/dev/null 2>&1 || true   # scripts/base-image.sh makes it again
    rm -rf "${TMPDIR:-/var/tmp}"/buildah-cache*/agentpulse-*   # the Dockerfile's ccache and npm cache mounts
  fi
  base_how=$(LOG_DIR="$log_dir" "$root/scripts/base-image.sh")
  phase_end "base image ($base_how)"

  # --- 3. image ----------------------------------------------------------------------------------
  phase "podman build $image"
  # --format docker keeps HEALTHCHECK (the OCI format has no field for it).
  build_args=(--isolation=chroot --pull=never --format docker -t "$image")
  # npm inside the build trusts what this machine trusts (a TLS-inspecting proxy's CA, if any): the
  # bundle is mounted for the RUN steps only, never copied into a layer.
  ca="${NODE_EXTRA_CA_CERTS:-/etc/ssl/certs/ca-certificates.crt}"
  [[ -r "$ca" ]] && build_args+=(-v "$ca:/run/agentpulse-build-ca.crt:ro" --build-arg NODE_EXTRA_CA_CERTS=/run/agentpulse-build-ca.crt)
  (( fresh )) && build_args+=(--no-cache)
  build_log="$log_dir/agentpulse-image-build.log"
  stamp() { local l; while IFS= read -r l; do printf '%(%T)T %s\n' -1 "$l"; done; }
  if ! timeout 3600 podman build "${build_args[@]}" "$root" 2>&1 | stamp >"$build_log"; then
    tail -60 "$build_log" >&2
    fail "podman build (log: $build_log)"
  fi
  # One line per step with the time it started, and whether the layer cache served it.
  grep -E '^[0-9:]{8} (\[[0-9]+/[0-9]+\] )?STEP|Using cache' "$build_log" | cut -c1-110 | sed 's/^/  /' >&2 || true
  # What the layer cache served, as the label says (a first build on a machine has nothing cached).
  cached=$(grep -c 'Using cache' "$build_log" || true)
  phase_end "image build ($( ((fresh)) && echo 'no cache' || echo "${cached} steps from the layer cache"))"
fi
podman image exists "$image" || fail "no image $image (run without --no-build)"

# --- 4. smoke test -------------------------------------------------------------------------------
phase "smoke test"
work=$(mktemp -d /tmp/agentpulse-smoke.XXXXXX)
cid="" mnt="" pids=()
cleanup() {
  local p
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do timeout 5 tail --pid="$p" -f /dev/null 2>/dev/null || kill -9 "$p" 2>/dev/null || true; done
  if [[ -n "$cid" ]]; then
    podman umount "$cid" >/dev/null 2>&1 || true
    podman rm -f -v "$cid" >/dev/null 2>&1 || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

cid=$(podman create --name "agentpulse-smoke-$$" "$image")
mnt=$(podman mount "$cid")
inspect() { podman image inspect --format "$1" "$image"; }
user=$(inspect '{{.Config.User}}'); user=${user%%:*}
workdir=$(inspect '{{.Config.WorkingDir}}')
mapfile -t image_env < <(inspect '{{range .Config.Env}}{{println .}}{{end}}' | sed '/^$/d')
mapfile -t entrypoint < <(inspect '{{range .Config.Entrypoint}}{{println .}}{{end}}' | sed '/^$/d')
mapfile -t default_cmd < <(inspect '{{range .Config.Cmd}}{{println .}}{{end}}' | sed '/^$/d')
healthcheck=$(inspect '{{if .Config.Healthcheck}}{{range .Config.Healthcheck.Test}}{{println .}}{{end}}{{end}}' | sed '/^$/d' | tail -n +2)
[[ -n "$user" && "$user" != root && "$user" != 0 ]] || fail "the image runs as root"
uid=$(awk -F: -v u="$user" '$1 == u || $3 == u { print $3; exit }' "$mnt/etc/passwd")
gid=$(awk -F: -v u="$user" '$1 == u || $3 == u { print $4; exit }' "$mnt/etc/passwd")
home=$(awk -F: -v u="$user" '$1 == u || $3 == u { print $6; exit }' "$mnt/etc/passwd")
[[ -n "$uid" && "$uid" != 0 ]] || fail "user $user not in the image's /etc/passwd"
[[ -n "$healthcheck" ]] || fail "the image has no HEALTHCHECK"
echo "test-image: user $user ($uid:$gid), entrypoint ${entrypoint[*]}, cmd ${default_cmd[*]}" >&2

# The host side: a store directory (the /data volume) and a transcript folder (mounted read-only).
mkdir -p "$work/store" "$work/transcripts/claude/-home-ana-src-shop" "$work/transcripts/codex"
chown "$uid:$gid" "$work/store"
chmod 755 "$work"
mkdir -p "$mnt/smoke"
transcript="$work/transcripts/claude/-home-ana-src-shop/sess-smoke.jsonl"
now() { date -u +%Y-%m-%dT%H:%M:%S.%3NZ; }
claude_line() {  # msg_id output_tokens content_json
  printf '{"parentUuid":null,"isSidechain":false,"userType":"external","cwd":"/home/ana/src/shop","sessionId":"sess-smoke","version":"2.1.3","gitBranch":"main","type":"assistant","uuid":"u-%s","timestamp":"%s","requestId":"req-%s","message":{"id":"%s","type":"message","role":"assistant","model":"claude-sonnet-4-5-20250929","content":%s,"stop_reason":null,"usage":{"input_tokens":12,"output_tokens":%s,"cache_read_input_tokens":0,"cache_creation_input_tokens":0,"service_tier":"standard"}}}\n' \
    "$1" "$(now)" "$1" "$1" "$3" "$2"
}
result_line() {  # tool_use_id
  printf '{"parentUuid":null,"isSidechain":false,"userType":"external","cwd":"/home/ana/src/shop","sessionId":"sess-smoke","version":"2.1.3","gitBranch":"main","type":"user","uuid":"r-%s","timestamp":"%s","message":{"role":"user","content":[{"type":"tool_result","tool_use_id":"%s","content":"127.0.0.1 localhost"}]},"toolUseResult":{"stdout":"127.0.0.1 localhost"}}\n' \
    "$1" "$(now)" "$1"
}
claude_line msg_smoke_1 7 '[{"type":"text","text":"first"}]' >"$transcript"
chmod -R a+rX "$work/transcripts"

# in_image STORE_MODE(rw|ro) OUT ERR ENV... -- ARGS...: runs ARGS in the image's root filesystem as its
# user, with only the image's environment plus ENV, /data bound to the store directory, /smoke to the
# transcripts (read-only). The mounts live in a private namespace and vanish with the process. It
# execs (unshare, sh, chroot, env, ARGS): run it with & (then $! is the process itself) or in ( ).
in_image() {
  local mode=$1 out=$2 err=$3; shift 3
  local extra=()
  while [[ "$1" != -- ]]; do extra+=("$1"); shift; done
  shift
  exec unshare --mount --propagation private -- /bin/sh -ec '
    mnt=$1 work=$2 mode=$3 spec=$4 gid=$5 dir=$6; shift 6
    mount --bind /dev "$mnt/dev"
    mount -t proc proc "$mnt/proc"
    mount --bind "$work/store" "$mnt/data"
    [ "$mode" = ro ] && mount -o remount,bind,ro "$mnt/data"
    mount --bind "$work/transcripts" "$mnt/smoke"
    mount -o remount,bind,ro "$mnt/smoke"
    exec chroot --userspec="$spec" --groups="$gid" "$mnt" /usr/bin/env -i -C "$dir" "$@"
  ' sh "$mnt" "$work" "$mode" "$uid:$gid" "$gid" "${workdir:-/}" "${image_env[@]}" "HOME=$home" "${extra[@]}" "$@" \
    >"$out" 2>"$err"
}
wait_for() {  # SECONDS FILE REGEX: waits until FILE has a line matching REGEX
  local deadline=$(( $(date +%s%N) + $1 * 1000000000 ))
  until grep -qE "$3" "$2" 2>/dev/null; do
    (( $(date +%s%N) < deadline )) || return 1
    sleep 0.01
  done
}
ms_since() { echo $(( ($(date +%s%N) - $1) / 1000000 )); }
check() { echo "  ok  $*" >&2; }

# (a) The image's defaults listen on 0.0.0.0: without a token, serve must refuse (exit 2), say why, and
#     not listen. Port 0 and a 10 s bound, so that even a regression binds nothing for long.
set +e
in_image ro "$work/refuse.out" "$work/refuse.err" AGENTPULSE_PORT=0 -- "${entrypoint[@]}" "${default_cmd[@]}" &
refuse_pid=$!
timeout 10 tail --pid="$refuse_pid" -f /dev/null
kill "$refuse_pid" 2>/dev/null; wait "$refuse_pid"; rc=$?
set -e
[[ $rc == 2 ]] && grep -q "refusing to listen" "$work/refuse.err" ||
  { cat "$work/refuse.out" "$work/refuse.err" >&2; fail "0.0.0.0 without a token: expected exit 2 and a refusal, got $rc"; }
check "defaults without AGENTPULSE_TOKEN: serve refuses 0.0.0.0 (exit 2)"

# (b) The writer: ingest --follow, the image's binary, store in /data (read-write).
t0=$(date +%s%N)
in_image rw "$work/ingest.out" "$work/ingest.err" -- "${entrypoint[@]}" ingest --follow --no-progress \
  --claude-projects /smoke/claude --codex-sessions /smoke/codex &
ingest_pid=$!; pids+=("$ingest_pid")
wait_for 20 "$work/ingest.out" '^ingested ' ||
  { cat "$work/ingest.out" "$work/ingest.err" >&2; fail "ingest --follow did not finish its backfill in 20 s"; }
[[ -f "$work/store/store.db-wal" && -f "$work/store/store.db-shm" ]] || fail "no store.db-wal/-shm in the store directory"
check "ingest --follow (uid $uid) wrote /data/store.db in $(ms_since "$t0") ms: $(head -1 "$work/ingest.out" | cut -c1-80)..."

# (c) The sidecar: the image's default command, store directory mounted READ-ONLY, loopback, a token.
token="smoke-$RANDOM$RANDOM"
t0=$(date +%s%N)
in_image ro "$work/serve.out" "$work/serve.err" AGENTPULSE_HOST=127.0.0.1 AGENTPULSE_PORT=0 "AGENTPULSE_TOKEN=$token" \
  -- "${entrypoint[@]}" "${default_cmd[@]}" &
serve_pid=$!; pids+=("$serve_pid")
wait_for 20 "$work/serve.out" '^listening on http://127\.0\.0\.1:[0-9]+' ||
  { cat "$work/serve.out" "$work/serve.err" >&2; fail "serve did not print 'listening on' in 20 s"; }
port=$(grep -oE '^listening on http://127\.0\.0\.1:[0-9]+' "$work/serve.out" | grep -oE '[0-9]+$')
url="http://127.0.0.1:$port"
check "serve --no-watcher (store read-only) listening on $url after $(ms_since "$t0") ms"

code=$(curl -s -m 5 -o "$work/healthz" -w '%{http_code}' "$url/healthz")
[[ $code == 200 ]] && grep -q '"status":"ok"' "$work/healthz" || fail "/healthz answered $code: $(cat "$work/healthz")"
check "GET /healthz 200 $(cat "$work/healthz")"
# The image's own HEALTHCHECK command, run inside the image (its curl, its shell), on this port.
( in_image ro "$work/hc.out" "$work/hc.err" "AGENTPULSE_PORT=$port" -- /bin/sh -c "$healthcheck" ) ||
  { cat "$work/hc.out" "$work/hc.err" >&2; fail "the image's HEALTHCHECK failed: $healthcheck"; }
check "the image's HEALTHCHECK passes: $healthcheck"
code=$(curl -s -m 5 -o /dev/null -w '%{http_code}' "$url/api/live/stats")
[[ $code == 401 ]] || fail "/api/live/stats without the token answered $code, expected 401"
code=$(curl -s -m 5 -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $token" "$url/api/live/stats")
[[ $code == 200 ]] || fail "/api/live/stats with the token answered $code, expected 200"
check "/api/live/stats: 401 without the token, 200 with it"
if [[ -f "$mnt/usr/share/agentpulse/www/index.html" ]]; then
  code=$(curl -s -m 5 -o /dev/null -w '%{http_code}' "$url/")
  [[ $code == 200 ]] || fail "GET / (dashboard) answered $code"
  check "GET / serves the dashboard from /usr/share/agentpulse/www"
else
  echo "  --  no dashboard in the image (frontend/ not built): API only" >&2
fi

# (d) Rows the writer commits reach a stream client: a response with a tool call, then its result.
curl -sN -m 30 -H "Authorization: Bearer $token" "$url/api/live/stream" >"$work/stream" 2>/dev/null &
pids+=($!)
wait_for 10 "$work/stream" '^event: ready' || fail "no 'ready' frame on /api/live/stream in 10 s"
t0=$(date +%s%N)
claude_line msg_smoke_2 4242 '[{"type":"tool_use","id":"toolu_smoke_1","name":"Read","input":{"file_path":"/etc/hosts"}}]' >>"$transcript"
wait_for 10 "$work/stream" '^data: \{"type":"event",.*"output_tokens":4242' ||
  { tail -c 2000 "$work/stream" >&2; cat "$work/ingest.err" >&2; fail "the appended response never arrived as an 'event' frame"; }
t_event=$(ms_since "$t0")
wait_for 10 "$work/stream" '^data: \{"type":"tool_call",.*"toolu_smoke_1"' || fail "no tool_call frame for toolu_smoke_1"
t_call=$(ms_since "$t0")
t0=$(date +%s%N)
result_line toolu_smoke_1 >>"$transcript"
wait_for 10 "$work/stream" '^data: \{"type":"tool_result",.*"toolu_smoke_1"' || fail "the appended tool result never arrived as 'tool_result'"
t_result=$(ms_since "$t0")
check "stream: appended line -> 'event' in ${t_event} ms, 'tool_call' in ${t_call} ms; result -> 'tool_result' in ${t_result} ms"
echo "  frames received:" $(grep -oE '^event: [a-z_]+' "$work/stream" | cut -d' ' -f2 | uniq -c | awk '{print $2"x"$1}') >&2

# (e) The writer restarts (a deploy, a crash) while the sidecar runs: the sidecar stays up on its
#     read-only mount and the next rows arrive on the same stream.
t0=$(date +%s%N)
kill -TERM "$ingest_pid"
set +e; timeout 5 tail --pid="$ingest_pid" -f /dev/null; wait "$ingest_pid"; rc=$?; set -e
[[ $rc == 0 ]] || { tail -5 "$work/ingest.err" >&2; fail "ingest exited $rc after SIGTERM"; }
in_image rw "$work/ingest.out" "$work/ingest.err" -- "${entrypoint[@]}" ingest --follow --no-progress \
  --claude-projects /smoke/claude --codex-sessions /smoke/codex &
ingest_pid=$!; pids+=("$ingest_pid")
wait_for 20 "$work/ingest.out" '^ingested ' || { cat "$work/ingest.err" >&2; fail "the restarted ingest did not start"; }
claude_line msg_smoke_3 4343 '[{"type":"text","text":"after the restart"}]' >>"$transcript"
wait_for 10 "$work/stream" '^data: \{"type":"event",.*"output_tokens":4343' ||
  { tail -c 2000 "$work/stream" >&2; fail "after the writer restarted, the appended response never arrived"; }
check "writer restarted (exit 0 on SIGTERM): the same stream got the next row, $(ms_since "$t0") ms for the whole cycle"

# (f) Both processes stop cleanly on SIGTERM (what `docker stop` sends), within 5 s.
for p in "$serve_pid:serve" "$ingest_pid:ingest"; do
  kill -TERM "${p%%:*}"
  set +e; timeout 5 tail --pid="${p%%:*}" -f /dev/null; wait "${p%%:*}"; rc=$?; set -e
  [[ $rc == 0 ]] || { tail -5 "$work/${p#*:}.err" >&2; fail "${p#*:} exited $rc after SIGTERM"; }
done
check "serve and ingest exit 0 on SIGTERM"
phase_end "smoke test"

echo "test-image: OK ($image)" >&2
printf '%s\n' "timings:" "${timings[@]/#/  }"
