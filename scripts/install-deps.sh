#!/usr/bin/env bash
# Installs what agentpulse needs from Debian 12's own packages, only what is missing.
#   scripts/install-deps.sh              build and run: the server's toolchain and libraries, and Node.js
#   scripts/install-deps.sh --server     only the server's (scripts/run.sh compiles while Node.js installs)
#   scripts/install-deps.sh --dashboard  only Node.js and npm, for the dashboard
#   scripts/install-deps.sh --test       everything, and what the tests need (Chromium, clang, sqlite3, ...)
# Runs apt-get through sudo when not root. Safe to run again: it does nothing when all is there.
set -euo pipefail

server=1 dashboard=1 want_test=0
case "${1:-}" in
  "") ;;
  --server) dashboard=0 ;;
  --dashboard) server=0 ;;
  --test) want_test=1 ;;
  *) echo "usage: $0 [--server | --dashboard | --test]" >&2; exit 2 ;;
esac

pkgs=()
if (( server )); then
  # g++ and make rather than build-essential: the latter adds dpkg-dev and a full Perl, which nothing
  # here uses. libboost-test is there because CMake looks for it when it configures the test targets.
  pkgs+=(g++ make cmake ccache
         libboost1.81-dev libboost-json1.81-dev libboost-test1.81-dev libboost-program-options1.81-dev
         libspdlog-dev libfmt-dev libsqlite3-dev libhowardhinnant-date-dev tzdata
         libprotobuf-dev protobuf-compiler zlib1g-dev libssl-dev ca-certificates)
fi
# Node.js builds the dashboard: use the machine's own when it has one, else Debian's.
if (( dashboard )); then
  pkgs+=(ca-certificates)
  command -v node >/dev/null 2>&1 || pkgs+=(nodejs npm)
fi
if (( want_test )); then
  pkgs+=(chromium python3 procps psmisc time curl sqlite3 clang-14 libclang-rt-14-dev)
fi

missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if (( ${#missing[@]} )); then
  sudo=""
  (( $(id -u) != 0 )) && sudo="sudo"
  echo "install-deps: installing ${missing[*]}" >&2
  # --force-unsafe-io: dpkg syncs every file it unpacks, and Boost's headers are ~14,000 files and Debian's
  # npm ~420 packages: on a busy disk that was most of the install's time (53-82 s for the Boost headers
  # alone at load 12-14, 12 s without the syncs). The kernel writes them back as usual; only a power cut
  # during the install could leave a file empty, and installing again mends it.
  install() {
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends \
      -o Dpkg::Options::=--force-unsafe-io "${missing[@]}" >&2
  }
  # The package lists are fetched once: a second call (run.sh makes two) finds them there. If they are
  # too old for the mirror, the install fails and is retried after an update.
  listed=1
  for p in "${missing[@]}"; do apt-cache show --no-all-versions "$p" >/dev/null 2>&1 || { listed=0; break; }; done
  if (( ! listed )); then
    $sudo apt-get update -qq
    install
  elif ! install; then
    $sudo apt-get update -qq
    install
  fi
fi

# The dashboard's browser tests drive Debian's Chromium with npm's playwright-core (no browser download);
# the OTLP receiver's test sends with the OpenTelemetry JavaScript SDK's exporters (tests/e2e/otlp.test.mjs).
if (( want_test )); then
  e2e="$(cd "$(dirname "$0")/.." && pwd)/tests/e2e"
  if [[ ! -f "$e2e/node_modules/.package-lock.json" || "$e2e/package-lock.json" -nt "$e2e/node_modules/.package-lock.json" ]]; then
    echo "install-deps: installing the end-to-end test tools (npm ci in tests/e2e)" >&2
    (cd "$e2e" && npm ci --no-audit --no-fund --loglevel=error >&2)
  fi
fi
