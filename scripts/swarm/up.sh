#!/usr/bin/env bash
# Brings up a three-node Swarm over the cluster rig (scripts/cluster/up.sh): host 1 the manager,
# hosts 2 and 3 workers joined over the LAN (br0, 10.99.N.1); a second veth eth1 per host on the
# bridge crlan1; a config-only macvlan network per node (parent eth1, its own --ip-range) and the
# swarm-scoped network "swarmlan" made from it. Idempotent. scripts/swarm/down.sh removes it.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/env.sh"
"$here/../cluster/up.sh"

second_lan() { observer_bridge "$SWARM_LAN" 02:00:0a:61:ff:fe "$SWARM_OBSERVER_IP"; }

eth1() { # eth1 N: host N's second veth on crlan1, with a macvlan shim its own agent reaches its tasks through
  local n=$1
  [[ $(in_host "$n" ip -o addr show swshim 2>/dev/null) == *" $(swarm_shim "$n")/16"* ]] && return 0
  ip link del "crw$n" 2>/dev/null || true
  in_host "$n" ip link del swshim 2>/dev/null || true
  ip link add "crw$n" type veth peer name "crw${n}p"
  ip link set "crw$n" master "$SWARM_LAN" up
  ip link set "crw${n}p" netns "$(host_ns "$n")"
  in_host "$n" sh -euc '
    ip link set "crw${1}p" name eth1
    ip link set eth1 up
    ip link add swshim link eth1 type macvlan mode bridge
    ip addr add "$2/16" dev swshim
    ip link set swshim up' sh "$n" "$(swarm_shim "$n")"
}

state() { host_docker "$1" info -f '{{.Swarm.LocalNodeState}}'; }

swarm() {
  [ "$(state 1)" = active ] || host_docker 1 swarm init --advertise-addr "$(host_ip 1)" --listen-addr "$(host_ip 1):2377" >/dev/null
  local token; token=$(host_docker 1 swarm join-token -q worker)
  for n in $(seq 2 "$CLUSTER_HOSTS"); do
    [ "$(state "$n")" = active ] && continue
    host_docker "$n" swarm join --token "$token" --advertise-addr "$(host_ip "$n")" "$(host_ip 1):2377" >/dev/null
  done
  ready() { [ "$(host_docker 1 node ls -q --filter role=worker | wc -l)" -eq $((CLUSTER_HOSTS - 1)) ] &&
    ! host_docker 1 node ls --format '{{.Status}}' | grep -qv Ready; }
  wait_for 60 "every node Ready in the swarm" ready
}

network() {
  for n in $(seq 1 "$CLUSTER_HOSTS"); do
    host_docker "$n" network inspect "$SWARM_NETWORK-config" >/dev/null 2>&1 ||
      host_docker "$n" network create --config-only --subnet 10.97.0.0/16 --ip-range "$(swarm_range "$n")" \
        -o parent=eth1 "$SWARM_NETWORK-config" >/dev/null
  done
  host_docker 1 network inspect "$SWARM_NETWORK" >/dev/null 2>&1 ||
    host_docker 1 network create -d macvlan --scope swarm --config-from "$SWARM_NETWORK-config" --attachable "$SWARM_NETWORK" >/dev/null
}

second_lan
for n in $(seq 1 "$CLUSTER_HOSTS"); do eth1 "$n"; done
swarm
network
echo "swarm: $CLUSTER_HOSTS nodes, network $SWARM_NETWORK (parent eth1 on $SWARM_LAN)" >&2
