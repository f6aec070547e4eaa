#!/usr/bin/env bash
# Makes sure a real dockerd and a real Consul agent answer locally, starting them when absent, and
# that the busybox test image exists. Never stops or changes daemons it did not start.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/env.sh"
"$here/install.sh"

"$here/dockerd.sh" start

consul_up() { [[ $(curl -sf http://127.0.0.1:8500/v1/status/leader) == *:* ]]; }
if ! consul_up; then
  echo "rig: starting a Consul dev agent on 127.0.0.1:8500 (log: $RIG_DIR/consul.log)" >&2
  setsid "$RIG_CONSUL" agent -dev -client 127.0.0.1 -bind 127.0.0.1 -log-level warn \
    >"$RIG_DIR/consul.log" 2>&1 < /dev/null &
  wait_for 30 "consul agent" consul_up || { tail -20 "$RIG_DIR/consul.log" >&2; exit 1; }
fi

"$here/image.sh"
"$here/proxy-image.sh"
