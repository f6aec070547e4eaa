#!/usr/bin/env bash
# Puts this machine back in the state of one that never ran Docker, so that `.ci/run` can be proved
# there: stops the daemons the rig started (dockerd, dockerd 26, Podman's service, the Consul dev
# agent) and removes what a dockerd leaves behind that a new one would reuse: docker0 and its network
# store (/var/lib/docker/network/files/local-kv.db, which can hold a bridge gateway a fresh dockerd
# does not set). Removing docker0 alone is not enough: the store gives it back its old settings.
# Refuses when a dockerd runs that the rig did not start: that is someone's Docker, not the rig's.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/env.sh"

stop_pid() { # stop_pid PIDFILE COMMAND-NAME WHAT
  local pid
  pid=$(pid_of "$1" "$2") || return 0
  echo "rig: stopping $3 ($pid)" >&2
  stop_rig_daemon "$pid" "$3" 30
}

rig_dockerd=$(pid_of "$RIG_DIR/dockerd.pid" dockerd || true)
for pid in $(pgrep -x dockerd || true); do
  [ "$pid" = "$rig_dockerd" ] && continue
  [ "$pid" = "$(pid_of "$RIG_DIR/docker26/dockerd.pid" dockerd || true)" ] && continue
  # A test's private dockerd runs with a data root under the temporary folder: not the machine's.
  tr '\0' ' ' < "/proc/$pid/cmdline" | grep -q -- '--data-root /tmp/' && continue
  echo "rig: a dockerd the rig did not start runs (pid $pid): refusing to reset this host" >&2
  exit 1
done

stop_pid "$RIG_DIR/dockerd.pid" dockerd "the rig's dockerd"
"$here/docker26.sh" stop
"$here/podman.sh" stop
consul_pid=$(pgrep -f "^$RIG_CONSUL agent -dev" || true)
[ -n "$consul_pid" ] && { echo "rig: stopping the rig's Consul dev agent ($consul_pid)" >&2; kill $consul_pid; }
ip link del docker0 2>/dev/null || true
rm -f /var/lib/docker/network/files/local-kv.db
echo "rig: this host now looks like one that never ran Docker's bridge (no docker0, no network store)" >&2
