#!/usr/bin/env bash
# down.sh: removes the three-host test cluster: its containers, dockerds, Consul servers (and their
# data), namespaces, veths, LAN bridge and FORWARD rules. Docker data roots stay, so images need no
# reload. down.sh N...: stops only those hosts, keeping their Consul data (up.sh uses it to remake a
# half-made host): the other servers know each node by the ID in it, and refuse a new ID under an
# old name ("Node name crhostN is reserved by node ...").
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/env.sh"

stop_pid() { # stop_pid PIDFILE COMMAND-NAME: SIGTERM, then wait (dockerd stops its containers first)
  local pid; pid=$(pid_of "$1" "$2") || { rm -f "$1"; return 0; }
  kill "$pid" 2>/dev/null
  for _ in $(seq 1 150); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
  kill -KILL "$pid" 2>/dev/null
  rm -f "$1"
}

down_host() { # down_host N keep|drop: stop host N; drop its Consul data too, or keep it
  local n=$1 ids
  ids=$(host_docker "$n" ps -aq 2>/dev/null)
  [ -n "$ids" ] && host_docker "$n" rm -f $ids >/dev/null 2>&1
  stop_pid "$CLUSTER_RUN/host$n/dockerd.pid" dockerd
  stop_pid "$CLUSTER_RUN/host$n/consul.pid" consul
  [ "$2" = drop ] && rm -rf "$CLUSTER_DIR/host$n/consul"
  ip netns del "$(host_ns "$n")" 2>/dev/null
  ip link del "crv$n" 2>/dev/null
}
if [ $# -gt 0 ]; then
  for n in "$@"; do down_host "$n" keep; done
  exit 0
fi
for n in $(seq 1 "$CLUSTER_HOSTS"); do down_host "$n" drop & done
wait
ip link del "$CLUSTER_LAN" 2>/dev/null
for t in iptables ip6tables; do
  command -v $t >/dev/null && $t -D FORWARD -i "$CLUSTER_LAN" -o "$CLUSTER_LAN" -j ACCEPT 2>/dev/null
done
true
