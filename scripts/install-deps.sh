#!/usr/bin/env bash
# Installs what agentpulse needs from Debian 12's own packages, only what is missing.
#   scripts/install-deps.sh          build and run
#   scripts/install-deps.sh --test   also what the tests need (Chromium, Node.js, podman)
# Runs apt-get through sudo when not root. Safe to run again: it does nothing when all is there.
set -euo pipefail

want_test=0
[[ "${1:-}" == "--test" ]] && want_test=1

pkgs=(build-essential cmake pkg-config ccache git
      libboost1.81-dev libboost-json1.81-dev libboost-test1.81-dev libboost-program-options1.81-dev
      libspdlog-dev libfmt-dev libsqlite3-dev sqlite3 libhowardhinnant-date-dev tzdata curl ca-certificates)
if (( want_test )); then
  pkgs+=(chromium python3 procps psmisc time clang-14 libclang-rt-14-dev)
fi
# Node.js builds the dashboard: use the machine's own when it has one, else Debian's.
command -v node >/dev/null 2>&1 || pkgs+=(nodejs npm)

missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if (( ${#missing[@]} )); then
  sudo=""
  (( $(id -u) != 0 )) && sudo="sudo"
  echo "install-deps: installing ${missing[*]}" >&2
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
fi

# The dashboard's browser tests drive Debian's Chromium with npm's playwright-core (no browser download).
if (( want_test )); then
  e2e="$(cd "$(dirname "$0")/.." && pwd)/tests/e2e"
  if [[ ! -f "$e2e/node_modules/.package-lock.json" || "$e2e/package-lock.json" -nt "$e2e/node_modules/.package-lock.json" ]]; then
    echo "install-deps: installing the end-to-end test tools (npm ci in tests/e2e)" >&2
    (cd "$e2e" && npm ci --no-audit --no-fund --loglevel=error >&2)
  fi
fi
