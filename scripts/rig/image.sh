#!/usr/bin/env bash
# Builds the busybox test image offline (no registry is reachable): a static busybox with the
# applets the tests use (sh, httpd, nc, sleep, ...) imported as a one-layer image.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/env.sh"
docker image inspect "$RIG_IMAGE" >/dev/null 2>&1 && exit 0
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
mkdir -p "$dir/bin" "$dir/tmp" "$dir/www" "$dir/etc"
cp /bin/busybox "$dir/bin/busybox"
for applet in sh ls cat echo sleep httpd nc nslookup printf kill ps true false hostname ip env test grep rm touch mv date id; do
  ln -s busybox "$dir/bin/$applet"
done
echo ok > "$dir/www/health"
# A non-root user, for the tests that check a container's checks run as its own user.
printf 'root:x:0:0:root:/:/bin/sh\napp:x:1000:1000:app:/:/bin/sh\n' > "$dir/etc/passwd"
printf 'root:x:0:\napp:x:1000:\nstaff:x:50:app\n' > "$dir/etc/group"
tar -C "$dir" -c . | docker import -c 'ENV PATH=/bin' -c 'CMD ["sleep","3600"]' - "$RIG_IMAGE" >/dev/null
echo "rig: built test image $RIG_IMAGE" >&2
