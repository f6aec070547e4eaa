#!/usr/bin/env bash
# copy-binaries.sh ROOTFS BINARY...: copies each binary and every library ldd lists for it into
# ROOTFS at the same paths, so a FROM scratch image can run them.
set -euo pipefail
rootfs=$1; shift
for bin in "$@"; do
  for file in "$bin" $(ldd "$bin" | grep -o '/[^ ]*'); do
    install -D -m 0755 "$(readlink -f "$file")" "$rootfs$file"
  done
done
