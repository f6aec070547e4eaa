#!/usr/bin/env bash
# Quick start: a real dockerd and Consul agent (started when absent), one labelled demo container,
# and the registrar in the foreground. Ctrl-C stops the registrar; its registrations stay.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/rig/env.sh"
"$here/rig/up.sh"
if ! docker inspect hello >/dev/null 2>&1; then
  docker run -d --name hello --expose 80 -l SERVICE_NAME=hello -l SERVICE_CHECK_HTTP=/health \
    -l SERVICE_CHECK_INTERVAL=2s "$RIG_IMAGE" httpd -f -p 80 -h /www >/dev/null
  echo "started a demo container 'hello' (busybox httpd on its own IP, port 80)" >&2
fi
cat >&2 <<'TXT'
In another shell:
  dig @127.0.0.1 -p 8600 hello.service.consul A SRV     # the container's own IP and port 80
  docker stop hello                                     # gone from Consul at once
  dist/cli.js plan                                      # what each container would get
TXT
# Run as its own program, so that the node flags of its shebang apply (see src/cli.ts).
exec "$here/../dist/cli.js" "$@"
