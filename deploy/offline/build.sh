#!/usr/bin/env bash
# Builds the registrar's image without any registry (the test rig's machines have none): FROM
# scratch with this machine's node, nsenter and setpriv binaries and the libraries they link, the built
# dist/ and the production dependencies. Same entrypoint and health check as deploy/Dockerfile.
# Usage: deploy/offline/build.sh [TAG]   (run `npm run build` first)
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
tag=${1:-consul-registrar:offline}
[ -f "$root/dist/cli.js" ] || { echo "build.sh: run 'npm run build' first" >&2; exit 1; }
ctx=$(mktemp -d)
trap 'rm -rf "$ctx"' EXIT

mkdir -p "$ctx/app" "$ctx/rootfs/tmp"
cp "$root/package.json" "$root/package-lock.json" "$ctx/app/"
(cd "$ctx/app" && npm ci --omit=dev --ignore-scripts --no-audit --no-fund >/dev/null)
cp -r "$root/dist" "$ctx/app/dist"
rm -f "$ctx/app/dist"/*.map "$ctx/app/dist"/*/*.map

"$(dirname "$0")/copy-binaries.sh" "$ctx/rootfs" "$(command -v node)" "$(command -v nsenter)" "$(command -v setpriv)" /bin/sh
# Node reads CA certificates only from its own bundle unless told; keep the system's for CONSUL_CACERT-less TLS.
[ -f /etc/ssl/certs/ca-certificates.crt ] && install -D -m 0644 /etc/ssl/certs/ca-certificates.crt "$ctx/rootfs/etc/ssl/certs/ca-certificates.crt"

cp "$(dirname "$0")/Dockerfile" "$ctx/Dockerfile"
DOCKER_BUILDKIT=0 docker build -q -t "$tag" "$ctx" >/dev/null
echo "built $tag ($(docker image inspect -f '{{.Size}}' "$tag" | awk '{printf "%.1f MiB", $1/1048576}'))"
