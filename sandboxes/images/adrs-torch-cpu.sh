#!/usr/bin/env bash
# Recipe for adrs-torch-cpu: adrs-base plus Debian's python3-torch (CPU only), for problems that import torch.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
exec bash "$here/build-rootfs.sh" adrs-torch-cpu \
  python3,python3-numpy,python3-torch,gcc,libc6-dev,make,tar,procps,ca-certificates
