#!/usr/bin/env bash
# Recipe for adrs-base: Debian bookworm with python3, numpy and a C compiler; built offline from Debian packages.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
exec bash "$here/build-rootfs.sh" adrs-base \
  python3,python3-numpy,gcc,libc6-dev,make,tar,procps,ca-certificates
