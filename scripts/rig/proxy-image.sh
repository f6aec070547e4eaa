#!/usr/bin/env bash
# Builds the Connect proxy image offline, for the tests and the README's example: the Consul binary
# the rig installed (its built-in proxy: `consul connect proxy -sidecar-for ID`) with the libraries
# ldd lists, and nothing else. Production uses Envoy (docs/connect.md).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/env.sh"
"$here/install.sh"
docker image inspect "$RIG_PROXY_IMAGE" >/dev/null 2>&1 && exit 0
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
mkdir -p "$dir/bin" "$dir/tmp"
chmod 1777 "$dir/tmp"
cp "$RIG_CONSUL" "$dir/bin/consul"
# Every shared library the binary loads, at the path the loader looks for it.
for lib in $(ldd "$RIG_CONSUL" | grep -o '/[^ ]*'); do
  mkdir -p "$dir$(dirname "$lib")"
  cp -L "$lib" "$dir$lib"
done
# The proxy runs as nobody: it needs no privilege (docs/connect.md).
tar -C "$dir" -c . | docker import -c 'ENV PATH=/bin' -c 'USER 65534:65534' -c 'ENTRYPOINT []' -c 'CMD ["consul","version"]' - "$RIG_PROXY_IMAGE" >/dev/null
echo "rig: built Connect proxy image $RIG_PROXY_IMAGE" >&2
