#!/usr/bin/env bash
# Makes a Docker engine and the adrs-base image available for the *.docker.test.ts suites, from Debian
# packages only: installs docker.io + debootstrap if missing, starts dockerd (no bridge, no iptables)
# if none answers, waits for it, then builds adrs-base (debootstrap + docker import; cached rootfs).
# Run as root: `bash .ci/docker.sh` (after `npm ci`, so dist/ exists; works without it too).
set -euo pipefail
cd "$(dirname "$0")/.."
export DEBIAN_FRONTEND=noninteractive
log_dir=/var/log/adrs
sock=/var/run/docker.sock

missing=()
command -v dockerd >/dev/null || missing+=(docker.io)
command -v debootstrap >/dev/null || missing+=(debootstrap)
if [ ${#missing[@]} -gt 0 ]; then
  echo "docker.sh: installing ${missing[*]}"
  apt-get update -q >/dev/null
  apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
fi

if docker info >/dev/null 2>&1; then
  echo "docker.sh: engine already running ($(docker version -f '{{.Server.Version}}'))"
else
  mkdir -p "$log_dir"
  # A dockerd that died leaves containerd's pid file behind; if that pid is reused, the next dockerd
  # waits for a containerd that is not there. No engine answers, so no pid file is current.
  if ! pgrep -x dockerd >/dev/null && ! pgrep -x containerd >/dev/null; then
    rm -f /var/run/docker.pid /var/run/docker/containerd/containerd.pid
  fi
  echo "docker.sh: starting dockerd --bridge=none --iptables=false (log: $log_dir/dockerd.log)"
  nohup dockerd --bridge=none --iptables=false >"$log_dir/dockerd.log" 2>&1 &
  for _ in $(seq 1 60); do
    [ -S "$sock" ] && docker info >/dev/null 2>&1 && break
    sleep 1
  done
  if ! docker info >/dev/null 2>&1; then
    echo "docker.sh: dockerd did not come up within 60 s; last lines of its log:" >&2
    tail -20 "$log_dir/dockerd.log" >&2
    exit 1
  fi
  echo "docker.sh: engine up ($(docker version -f '{{.Server.Version}}'))"
fi

# adrs-base for the CPU problems; adrs-swe (git, patch, pytest) for the SWE-fficiency fixture instances.
for image in adrs-base adrs-swe; do
  if [ -f dist/orchestrator/cli/main.js ]; then
    node bin/adrs.js images build "$image"
  else
    bash "sandboxes/images/$image.sh"
  fi
done
