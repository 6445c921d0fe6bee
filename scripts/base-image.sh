#!/usr/bin/env bash
# Makes the clean Debian 12 image that the Dockerfile's FROM names (docker.io/library/debian:bookworm) from
# Debian's own packages, when podman does not have it yet: debootstrap --variant=minbase, this machine's
# apt sources, empty caches, like the official image. Used by scripts/test-image.sh and bench/first-run.sh.
#   scripts/base-image.sh           reuse the image if it is there; print "reused" or "debootstrap"
#   scripts/base-image.sh --fresh   remove it first
#   LOG_DIR=dir (default /tmp) for the debootstrap log. Needs root, podman and debootstrap.
set -euo pipefail
base="docker.io/library/debian:bookworm"
log_dir="${LOG_DIR:-/tmp}"
fail() { echo "base-image: FAIL: $*" >&2; exit 1; }

[[ "${1:-}" == --fresh ]] && podman rmi -f "$base" >/dev/null 2>&1 || true
if podman image exists "$base"; then
  echo "base-image: reusing $base" >&2
  echo reused
  exit 0
fi
# The mirror this machine already uses; read here, never written into the repository.
mirror=""
[[ -r /etc/apt/sources.list.d/debian.sources ]] &&
  mirror=$(awk '$1 == "URIs:" { print $2; exit }' /etc/apt/sources.list.d/debian.sources)
[[ -z "$mirror" && -r /etc/apt/sources.list ]] &&
  mirror=$(awk '$1 == "deb" && $2 !~ /^\[/ { print $2; exit }' /etc/apt/sources.list)
[[ -n "$mirror" ]] || fail "no Debian mirror in /etc/apt/sources.list.d/debian.sources or /etc/apt/sources.list"
rootfs=$(mktemp -d /var/tmp/agentpulse-rootfs.XXXXXX)
trap 'rm -rf "$rootfs"' EXIT
echo "base-image: debootstrap --variant=minbase bookworm from $mirror" >&2
timeout 1200 debootstrap --variant=minbase bookworm "$rootfs" "$mirror" >"$log_dir/agentpulse-debootstrap.log" 2>&1 ||
  { tail -20 "$log_dir/agentpulse-debootstrap.log" >&2; fail "debootstrap (log: $log_dir/agentpulse-debootstrap.log)"; }
# Like the official image: this machine's deb822 sources (main, updates, security), empty caches.
if [[ -r /etc/apt/sources.list.d/debian.sources ]]; then
  cp /etc/apt/sources.list.d/debian.sources "$rootfs/etc/apt/sources.list.d/"
  rm -f "$rootfs/etc/apt/sources.list"
fi
rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/archives/*.deb
tar --numeric-owner -C "$rootfs" -c . | podman import --change 'CMD ["bash"]' - "$base" >/dev/null
echo debootstrap
