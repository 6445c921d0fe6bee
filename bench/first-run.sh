#!/usr/bin/env bash
# Times the README's first command as a new user meets it: a clean Debian 12 (the minbase image that
# scripts/base-image.sh makes; nothing installed, no ccache, no npm cache), this repository's files at REF
# (git archive) in /root/agentpulse, a few Claude Code transcripts in /root/.claude/projects, then
# `scripts/run.sh --port P` as root, timed until GET /api/overview answers 200 and GET / serves the dashboard.
#   bench/first-run.sh [REF]      REF: a commit or branch (default HEAD; uncommitted changes are not used)
#   PORT=n (default: a free port from 18787 on)   KEEP=1 leaves the container (podman rm it afterwards)
#   NICE=n (default 0) runs it all at that nice level, as the nice of its own scheduling group (this
#   kernel shares CPU time between sessions first, sched_autogroup): on a machine that other builds share,
#   NICE=-10 gives the run most of the CPU, closer to what an idle machine gives (say so with the figure)
# Prints when each phase started (from run.sh's own output, stamped), the total, the CPU time the run
# used (a cgroup's cpuacct: the figure that does not depend on what else the machine runs), the mean load
# meanwhile, and what the API then shows. Needs root (podman, chroot, mounts); `podman run` does not work on these machines, so the
# container's root file system is mounted and run.sh runs in it with chroot, in a private mount namespace,
# on the host's network (apt and npm need it; the server listens on 127.0.0.1).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
ref="${1:-HEAD}"
(( $(id -u) == 0 )) || { echo "first-run: needs root (podman, chroot)" >&2; exit 2; }
fail() { echo "first-run: FAIL: $*" >&2; exit 1; }

need=()
for t in podman:podman debootstrap:debootstrap curl:curl; do
  command -v "${t%%:*}" >/dev/null 2>&1 || need+=("${t#*:}")
done
if (( ${#need[@]} )); then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >&2
fi
"$root/scripts/base-image.sh" >/dev/null

port="${PORT:-}"
if [[ -z "$port" ]]; then
  port=18787
  while curl -s -o /dev/null -m 1 "http://127.0.0.1:$port/" || ss -ltn 2>/dev/null | grep -q ":$port "; do
    port=$((port + 1))
  done
fi

work=$(mktemp -d /tmp/agentpulse-first-run.XXXXXX)
cid="" mnt="" runner="" cg=""
cleanup() {
  if [[ -n "$runner" ]]; then
    kill -TERM -- -"$runner" 2>/dev/null || true
    timeout 10 tail --pid="$runner" -f /dev/null 2>/dev/null || kill -KILL -- -"$runner" 2>/dev/null || true
  fi
  if [[ -n "$cid" && "${KEEP:-0}" != 1 ]]; then
    podman umount "$cid" >/dev/null 2>&1 || true
    podman rm -f -v "$cid" >/dev/null 2>&1 || true
  fi
  [[ -n "$cid" && "${KEEP:-0}" == 1 ]] && echo "first-run: kept container $cid (podman rm -f $cid)" >&2
  [[ -n "$cg" ]] && rmdir "$cg" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

cid=$(podman create --name "agentpulse-first-run-$$" docker.io/library/debian:bookworm)
mnt=$(podman mount "$cid")

# The repository as a clone would have it (tracked files only), and the machine's resolver.
mkdir -p "$mnt/root/agentpulse"
git -C "$root" archive "$ref" | tar -x -C "$mnt/root/agentpulse"
cp /etc/resolv.conf "$mnt/etc/resolv.conf"

# Transcripts: two projects, three sessions of today, each a user prompt, assistant responses with usage
# and a tool call with its result (the Claude Code line shapes the parser reads).
sessions=0
write_session() {  # project session_id responses
  local dir="$mnt/root/.claude/projects/$1" sid=$2 n=$3 i ts
  mkdir -p "$dir"
  for ((i = 0; i < n; i++)); do
    ts=$(date -u -d "-$(( (n - i) * 7 )) min" +%Y-%m-%dT%H:%M:%S.000Z)
    printf '{"parentUuid":null,"isSidechain":false,"userType":"external","cwd":"/root/src","sessionId":"%s","version":"2.1.3","gitBranch":"main","type":"user","uuid":"%s-u%d","timestamp":"%s","message":{"role":"user","content":"step %d"}}\n' \
      "$sid" "$sid" "$i" "$ts" "$i"
    printf '{"parentUuid":"%s-u%d","isSidechain":false,"userType":"external","cwd":"/root/src","sessionId":"%s","version":"2.1.3","gitBranch":"main","type":"assistant","uuid":"%s-a%d","timestamp":"%s","requestId":"req-%s-%d","message":{"id":"msg_%s_%d","type":"message","role":"assistant","model":"claude-sonnet-4-5-20250929","content":[{"type":"tool_use","id":"toolu_%s_%d","name":"Read","input":{"file_path":"/etc/hostname"}}],"stop_reason":"tool_use","usage":{"input_tokens":%d,"output_tokens":%d,"cache_read_input_tokens":%d,"cache_creation_input_tokens":0,"service_tier":"standard"}}}\n' \
      "$sid" "$i" "$sid" "$sid" "$i" "$ts" "$sid" "$i" "$sid" "$i" "$sid" "$i" $((1200 + i)) $((300 + 7 * i)) $((20000 + 100 * i))
    printf '{"parentUuid":"%s-a%d","isSidechain":false,"userType":"external","cwd":"/root/src","sessionId":"%s","version":"2.1.3","gitBranch":"main","type":"user","uuid":"%s-r%d","timestamp":"%s","message":{"role":"user","content":[{"type":"tool_result","tool_use_id":"toolu_%s_%d","content":"box"}]},"toolUseResult":{"stdout":"box"}}\n' \
      "$sid" "$i" "$sid" "$sid" "$i" "$ts" "$sid" "$i"
  done >"$dir/$sid.jsonl"
  sessions=$((sessions + 1))
}
write_session -root-src-shop 11111111-1111-4111-8111-111111111111 40
write_session -root-src-shop 22222222-2222-4222-8222-222222222222 25
write_session -root-src-blog 33333333-3333-4333-8333-333333333333 12

# npm inside trusts what this machine trusts (a TLS-inspecting proxy's CA, if any), as a user's would.
ca="${NODE_EXTRA_CA_CERTS:-/etc/ssl/certs/ca-certificates.crt}"
ca_env=()
if [[ -r "$ca" ]]; then
  cp "$ca" "$mnt/root/.host-ca.crt"
  ca_env=(NODE_EXTRA_CA_CERTS=/root/.host-ca.crt)
fi

echo "first-run: clean Debian 12 container $cid, $ref ($(git -C "$root" rev-parse --short "$ref")), port $port," \
     "nice ${NICE:-0}, load $(cut -d' ' -f1-3 /proc/loadavg)" >&2
log="$work/run.log"
# CPU time: every process of the run in a cpuacct cgroup of its own (cgroup v1 here), when it can be made.
cg=/sys/fs/cgroup/cpuacct/agentpulse-first-run-$$
mkdir "$cg" 2>/dev/null || cg=""
t0=$(date +%s%N)
stamp() { local l; while IFS= read -r l; do printf '%7.1f %s\n' "$(( ($(date +%s%N) - t0) / 1000000 ))e-3" "$l"; done; }
# A login shell's environment only: nothing of this machine's (no CCACHE_DIR, no npm cache, no PATH).
nice -n "${NICE:-0}" setsid unshare --mount --propagation private -- /bin/sh -ec '
  cg=$1 mnt=$2 nice=$3; shift 3
  [ -z "$cg" ] || echo $$ >"$cg/cgroup.procs"
  [ "$nice" = 0 ] || echo "$nice" >/proc/self/autogroup
  mount --bind /dev "$mnt/dev"
  mount -t proc proc "$mnt/proc"
  mount -t sysfs sys "$mnt/sys"
  mount -t tmpfs tmpfs "$mnt/tmp"
  exec chroot "$mnt" /usr/bin/env -i "$@"
' sh "$cg" "$mnt" "${NICE:-0}" HOME=/root USER=root LOGNAME=root SHELL=/bin/bash TERM=dumb LANG=C.UTF-8 \
  PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin "${ca_env[@]}" \
  /bin/bash -c "cd /root/agentpulse && exec scripts/run.sh --port $port" </dev/null > >(stamp >"$log") 2>&1 &
runner=$!

url="http://127.0.0.1:$port"
answered="" load_sum=0 load_n=0
while kill -0 "$runner" 2>/dev/null; do
  read -r l1 _ </proc/loadavg
  load_sum=$(awk -v a="$load_sum" -v b="$l1" 'BEGIN { print a + b }'); load_n=$((load_n + 1))
  if [[ "$(curl -s -m 2 -o "$work/overview" -w '%{http_code}' "$url/api/overview")" == 200 ]] &&
     [[ "$(curl -s -m 2 -o "$work/index" -w '%{http_code}' "$url/")" == 200 ]] && grep -q '<script' "$work/index"; then
    answered=$(( ($(date +%s%N) - t0) / 1000000 ))
    cpu_ns=$([[ -n "$cg" ]] && cat "$cg/cpuacct.usage" || echo 0)
    break
  fi
  sleep 0.5
done
[[ -n "$answered" ]] || { tail -40 "$log" >&2; fail "scripts/run.sh ended before the dashboard answered"; }

echo "first-run: phases (s since scripts/run.sh started, from its output):" >&2
first() { grep -m1 -E "$1" "$log" | awk -v w="$2" '{ printf "  %7s  %s\n", $1, w }' >&2 || true; }
first 'install-deps: installing'            'apt: server toolchain and libraries'
first 'Building CXX'                        'first C++ compile (agentpulse only)'
first 'install-deps: installing .*nodejs'   'apt: Node.js and npm (while the server compiles)'
first 'Setting up npm '                     'npm ci'
first 'vite v'                              'vite build (after npm ci)'
first 'built in'                            'dashboard built'
first 'Built target agentpulse'             'agentpulse linked'
first 'listening on'                        'serve: listening'
sessions_seen=$(curl -s -m 5 "$url/api/sessions" | grep -o '"session_id"' | wc -l || true)
printf 'first-run: dashboard answering %d.%d s after scripts/run.sh started (/api/overview 200, / serves the app);' \
  $((answered / 1000)) $((answered % 1000 / 100))
printf ' %s of %s sessions listed by /api/sessions\n' "$sessions_seen" "$sessions"
printf 'first-run: CPU time of the run %s s (cpuacct) on %s cores; mean load meanwhile %s\n' \
  "$(awk -v n="$cpu_ns" 'BEGIN { printf "%.0f", n / 1e9 }')" "$(nproc)" \
  "$(awk -v s="$load_sum" -v n="$load_n" 'BEGIN { printf "%.1f", n ? s / n : 0 }')"
cp "$log" "${LOG_DIR:-/tmp}/agentpulse-first-run.log"
echo "first-run: run.sh output (stamped): ${LOG_DIR:-/tmp}/agentpulse-first-run.log" >&2
