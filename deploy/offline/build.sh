#!/usr/bin/env bash
# Builds the registrar's image without any registry (the test rig's machines have none): FROM
# scratch with this machine's node, nsenter, setpriv and sh binaries and the libraries they link, the built
# dist/ and the production dependencies. Same entrypoint, health check, user and labels as deploy/Dockerfile.
# Usage: deploy/offline/build.sh [TAG]   (run `npm run build` first; TAG: consul-registrar:<package.json's version>)
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
version=$(node -p "require('$root/package.json').version")
tag=${1:-consul-registrar:$version}
[ -f "$root/dist/cli.js" ] || { echo "build.sh: run 'npm run build' first" >&2; exit 1; }
ctx=$(mktemp -d)
trap 'rm -rf "$ctx"' EXIT

mkdir -p "$ctx/app" "$ctx/rootfs/tmp" && chmod 1777 "$ctx/rootfs/tmp"
cp "$root/package.json" "$root/package-lock.json" "$ctx/app/"
(cd "$ctx/app" && npm ci --omit=dev --ignore-scripts --no-audit --no-fund >/dev/null)
cp -r "$root/dist" "$ctx/app/dist"
rm -f "$ctx/app/dist"/*.map "$ctx/app/dist"/*/*.map

sh=$(readlink -f /bin/sh) # for the consul-registrar command (deploy/bin/), a shell script
"$(dirname "$0")/copy-binaries.sh" "$ctx/rootfs" "$(command -v node)" "$(command -v nsenter)" "$(command -v setpriv)" "$sh"
[ "$sh" = /bin/sh ] || { mkdir -p "$ctx/rootfs/bin" && ln -s "$sh" "$ctx/rootfs/bin/sh"; }
cp "$root/deploy/bin/consul-registrar" "$ctx/consul-registrar"
# Node reads CA certificates only from its own bundle unless told; keep the system's for CONSUL_CACERT-less TLS.
[ -f /etc/ssl/certs/ca-certificates.crt ] && install -D -m 0644 /etc/ssl/certs/ca-certificates.crt "$ctx/rootfs/etc/ssl/certs/ca-certificates.crt"

cp "$(dirname "$0")/Dockerfile" "$ctx/Dockerfile"
DOCKER_BUILDKIT=0 docker build -q --build-arg "VERSION=$version" -t "$tag" "$ctx" >/dev/null
echo "built $tag ($(docker image inspect -f '{{.Size}}' "$tag" | awk '{printf "%.1f MiB", $1/1048576}'))"
