#!/usr/bin/env bash
# start: starts dockerd when none answers, remembering that the rig started it.
# restart: restarts a dockerd the rig started (the fault tests use this); refuses any other.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/env.sh"
pidfile=$RIG_DIR/dockerd.pid

start() {
  docker info >/dev/null 2>&1 && return 0
  echo "rig: starting dockerd (log: $RIG_DIR/dockerd.log)" >&2
  setsid dockerd --host unix:///var/run/docker.sock >>"$RIG_DIR/dockerd.log" 2>&1 < /dev/null &
  echo $! > "$pidfile"
  for _ in $(seq 1 300); do docker info >/dev/null 2>&1 && return 0; sleep 0.2; done
  tail -20 "$RIG_DIR/dockerd.log" >&2
  echo "rig: dockerd did not come up within 60s" >&2
  return 1
}

case "${1:-start}" in
  start) start ;;
  restart)
    if ! pid=$(pid_of "$pidfile" dockerd); then
      echo "rig: refusing to restart a dockerd the rig did not start (no live $pidfile)" >&2
      exit 1
    fi
    kill "$pid"
    while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
    start
    ;;
  *) echo "usage: $0 start|restart" >&2; exit 2 ;;
esac
