#!/usr/bin/env bash
# The newcomer's path: the README's two commands in a fresh container built from plain Debian, as a
# non-root user, with none of the test extras (no pytest, torch, Docker, Slurm or Chromium).
# Usage (root, Docker engine running): bash .ci/newcomer.sh [git-ref, default HEAD]
# Env: NEWCOMER_PACKAGES to change what the "fresh machine" has (default: the README's prerequisites
# python3-numpy and gcc, plus g++/make/git so better-sqlite3 can build from source where GitHub's
# prebuilt binaries cannot be downloaded); NEWCOMER_KEEP=1 keeps the clone for a look afterwards;
# NEWCOMER_LOG names the log (default /var/cache/adrs/newcomer.log; it outlives the clone).
# Not part of .ci/run: it takes longer than the rest of CI (npm ci from the registry, a full npm test).
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
ref=${1:-HEAD}
packages=${NEWCOMER_PACKAGES:-python3-numpy,gcc,g++,make,git,ca-certificates}
image=adrs-newcomer
log=${NEWCOMER_LOG:-/var/cache/adrs/newcomer.log}
mkdir -p "$(dirname "$log")"

command -v docker >/dev/null && docker info >/dev/null 2>&1 ||
  { echo "newcomer: no Docker engine answers (bash .ci/docker.sh starts one)" >&2; exit 2; }
node_bin=$(readlink -f "$(command -v node)")
npm_dir=$(dirname "$(dirname "$(readlink -f "$(command -v npm)")")")
[ -x "$node_bin" ] && [ -f "$npm_dir/bin/npm-cli.js" ] ||
  { echo "newcomer: Node.js 20 with npm is needed on the host (it is lent to the container)" >&2; exit 2; }

# A plain Debian rootfs with only the README's prerequisites (debootstrap + docker import, cached).
bash "$repo/sandboxes/images/build-rootfs.sh" "$image" "$packages"

# A fresh clone of the ref: what a newcomer gets from git, nothing built, no node_modules.
work=$(mktemp -d /tmp/adrs-newcomer.XXXXXX)
[ "${NEWCOMER_KEEP:-0}" = 1 ] || trap 'rm -rf "$work"' EXIT
git clone -q --no-hardlinks "$repo" "$work/src"
git -C "$work/src" checkout -q "$(git -C "$repo" rev-parse "$ref")"
mkdir -p "$work/bin" "$work/home"
ln -s "$npm_dir/bin/npm-cli.js" "$work/bin/npm"
ln -s "$npm_dir/bin/npx-cli.js" "$work/bin/npx"
echo "newcomer: $(git -C "$work/src" log -1 --format='%h %s' | cut -c1-80)"
chown -R 1000:1000 "$work/src" "$work/home"
echo "newcomer: image $image ($packages), Node $(node --version) lent from the host, user 1000"
# A host behind a TLS-inspecting proxy names its CA bundle in NODE_EXTRA_CA_CERTS: lent to npm too.
ca=()
if [ -n "${NODE_EXTRA_CA_CERTS:-}" ] && [ -f "$NODE_EXTRA_CA_CERTS" ]; then
  ca=(-v "$NODE_EXTRA_CA_CERTS:/etc/adrs-host-ca.crt:ro" -e NODE_EXTRA_CA_CERTS=/etc/adrs-host-ca.crt)
fi
start=$(date +%s)
set +e
# --network host: npm ci reaches the registry (the tests themselves use loopback only).
# The Node headers let node-gyp build better-sqlite3 without downloading them.
docker run --rm --network host --user 1000:1000 \
  -v "$node_bin:/usr/local/bin/node:ro" \
  -v "$npm_dir:$npm_dir:ro" \
  -v "$work/bin:/opt/npm-bin:ro" \
  -v /usr/include/node:/usr/include/node:ro \
  -v "$work/src:/home/newcomer/adrs" \
  -v "$work/home:/home/newcomer/home" \
  -e HOME=/home/newcomer/home -e npm_config_nodedir=/usr \
  -e PATH=/opt/npm-bin:/usr/local/bin:/usr/bin:/bin "${ca[@]}" \
  -w /home/newcomer/adrs "$image:latest" \
  bash -c 'set -e
    npm ci --no-audit --no-fund
    npx adrs evolve problems/matmul-cpu --iterations 40
    npm test' 2>&1 | tee "$log"
rc=${PIPESTATUS[0]}
set -e
# The counts and the loud skips, from vitest's summary (colour codes stripped).
summary=$(sed 's/\x1b\[[0-9;]*m//g' "$log")
grep -E '^ +(Test Files|Tests) ' <<<"$summary" | sed 's/^ */newcomer: /' || true
echo "newcomer: $(grep -c 'SKIPPED' <<<"$summary" || true) loud skip line(s); failed files:" \
  "$(grep -E '^ FAIL ' <<<"$summary" | awk '{print $2}' | sort -u | tr '\n' ' ')"
echo "newcomer: exit $rc after $(( $(date +%s) - start )) s (log: $log)"
exit "$rc"
