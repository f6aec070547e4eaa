#!/usr/bin/env bash
# Builds the busybox test image offline (no registry is reachable): a static busybox with the
# applets the tests use (sh, httpd, nc, sleep, ...) imported as a one-layer image.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/env.sh"
docker image inspect "$RIG_IMAGE" >/dev/null 2>&1 && exit 0
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
busybox_rootfs "$dir"
tar -C "$dir" -c . | docker import -c 'ENV PATH=/bin' -c 'CMD ["sleep","3600"]' - "$RIG_IMAGE" >/dev/null
echo "rig: built test image $RIG_IMAGE" >&2
