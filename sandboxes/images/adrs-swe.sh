#!/usr/bin/env bash
# Recipe for adrs-swe: adrs-base plus git, patch and pytest, for SWE-fficiency-style repository tasks.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
exec bash "$here/build-rootfs.sh" adrs-swe \
  python3,python3-numpy,python3-pytest,gcc,libc6-dev,make,git,patch,tar,procps,ca-certificates
