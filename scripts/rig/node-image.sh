#!/usr/bin/env bash
# Builds a stand-in for node:26-alpine offline (no registry here), so that the test of
# deploy/Dockerfile runs its real steps: this machine's node and npm, and busybox for /bin/sh and
# /usr/bin/env, and this machine's CA bundle (its egress to the npm registry may be intercepted by a
# CA only the machine trusts). Prints the image name. Only for tests: glibc, not alpine, not slim.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/env.sh"
image=consul-registrar-test/node:$(node --version)
docker image inspect "$image" >/dev/null 2>&1 && { echo "$image"; exit 0; }
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
"$here/../../deploy/offline/copy-binaries.sh" "$dir" "$(command -v node)"
npm_dir=$(dirname "$(dirname "$(readlink -f "$(command -v npm)")")")
mkdir -p "$dir/usr/lib/node_modules" "$dir/usr/local/bin" "$dir/bin" "$dir/usr/bin" "$dir/root" "$dir/tmp"
cp -r "$npm_dir" "$dir/usr/lib/node_modules/npm"
ln -s /usr/lib/node_modules/npm/bin/npm-cli.js "$dir/usr/local/bin/npm"
ln -s /usr/lib/node_modules/npm/bin/npx-cli.js "$dir/usr/local/bin/npx"
cp /bin/busybox "$dir/bin/busybox"
ln -s busybox "$dir/bin/sh"
ln -s /bin/busybox "$dir/usr/bin/env"
ca=/etc/ssl/certs/ca-certificates.crt
[ -f "$ca" ] && install -D -m 0644 "$ca" "$dir$ca"
path="$(dirname "$(command -v node)"):/usr/local/bin:/usr/bin:/bin"
tar -C "$dir" -c . | docker import -c "ENV PATH=$path HOME=/root NODE_EXTRA_CA_CERTS=$ca" - "$image" >/dev/null
echo "rig: built $image (stand-in for the node base image)" >&2
echo "$image"
