#!/usr/bin/env bash
# Builds a Debian rootfs image without a registry: debootstrap (cached as a tarball) + `docker import`.
# Usage: build-rootfs.sh <image-name> <comma-separated Debian packages>
# Env: ADRS_IMAGE_CACHE (default /var/cache/adrs), ADRS_DEBIAN_MIRROR (default http://deb.debian.org/debian),
#      ADRS_DEBIAN_SUITE (default bookworm), ADRS_REBUILD=1 to ignore the cached rootfs.
set -euo pipefail
name=${1:?usage: build-rootfs.sh <image-name> <packages>}
packages=${2:?usage: build-rootfs.sh <image-name> <packages>}
cache=${ADRS_IMAGE_CACHE:-/var/cache/adrs}
mirror=${ADRS_DEBIAN_MIRROR:-http://deb.debian.org/debian}
suite=${ADRS_DEBIAN_SUITE:-bookworm}

for tool in debootstrap docker tar sha256sum; do
  command -v "$tool" >/dev/null || { echo "build-rootfs: '$tool' is missing (apt-get install debootstrap docker.io)" >&2; exit 2; }
done
[ "$(id -u)" = 0 ] || { echo "build-rootfs: debootstrap needs root (run as root or through sudo)" >&2; exit 2; }

# The cache key covers everything that shapes the rootfs, so a changed package list rebuilds.
# Bump layout_version when the rootfs steps below change.
layout_version=1
recipe_hash=$(printf '%s\n' "$name" "$packages" "$suite" "$mirror" "$layout_version" | sha256sum | cut -c1-16)
tarball="$cache/$name-$suite-$recipe_hash.tar"
mkdir -p "$cache"

current=$(docker image inspect -f '{{index .Config.Labels "adrs.recipe"}}' "$name:latest" 2>/dev/null || true)
if [ "$current" = "$recipe_hash" ] && [ "${ADRS_REBUILD:-0}" != 1 ]; then
  echo "build-rootfs: $name:latest is up to date (recipe $recipe_hash); ADRS_REBUILD=1 rebuilds" >&2
  exit 0
fi
previous=$(docker image inspect -f '{{.Id}}' "$name:latest" 2>/dev/null || true)

if [ -s "$tarball" ] && [ "${ADRS_REBUILD:-0}" != 1 ]; then
  echo "build-rootfs: using cached rootfs $tarball" >&2
else
  root=$(mktemp -d "$cache/rootfs.XXXXXX")
  trap 'rm -rf "$root"' EXIT
  echo "build-rootfs: debootstrap $suite ($packages) into $root" >&2
  debootstrap --variant=minbase --include="$packages" "$suite" "$root" "$mirror" >"$cache/$name-debootstrap.log" 2>&1 || {
    echo "build-rootfs: debootstrap failed; see $cache/$name-debootstrap.log" >&2
    tail -20 "$cache/$name-debootstrap.log" >&2
    exit 1
  }
  # The unprivileged user every candidate runs as, and the fixed mount points.
  grep -q '^sandbox:' "$root/etc/group" || echo 'sandbox:x:1000:' >>"$root/etc/group"
  grep -q '^sandbox:' "$root/etc/passwd" || echo 'sandbox:x:1000:1000:adrs sandbox:/work:/bin/sh' >>"$root/etc/passwd"
  grep -q '^sandbox:' "$root/etc/shadow" || echo 'sandbox:!:19000::::::' >>"$root/etc/shadow"
  mkdir -p "$root/work" "$root/problem"
  chown 1000:1000 "$root/work"
  chmod 0755 "$root/problem"
  # Nothing the image needs at run time: package caches and lists.
  rm -rf "$root/var/cache/apt/archives/"*.deb "$root/var/lib/apt/lists/"* "$root/debootstrap"
  echo "$name $suite $packages" >"$root/etc/adrs-image"
  tar --numeric-owner -C "$root" -cf "$tarball.partial" .
  mv "$tarball.partial" "$tarball"
fi

docker import \
  --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  --change 'ENV LANG=C.UTF-8' \
  --change 'WORKDIR /work' \
  --change "LABEL adrs.image=$name adrs.recipe=$recipe_hash" \
  --change 'CMD ["/bin/sh"]' \
  "$tarball" "$name:latest" >/dev/null
# The image it replaces goes, unless something still uses it.
[ -n "$previous" ] && docker image rm "$previous" >/dev/null 2>&1 || true
echo "build-rootfs: built $name:latest ($(docker image inspect -f '{{.Id}}' "$name:latest"))" >&2
