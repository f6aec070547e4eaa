#!/usr/bin/env bash
# Removes the Swarm (every node leaves, so the cluster's data roots come back as plain engines),
# the second LAN, then the cluster itself (scripts/cluster/down.sh).
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/env.sh"
for n in $(seq "$CLUSTER_HOSTS" -1 1); do
  host_docker "$n" swarm leave --force >/dev/null 2>&1
  host_docker "$n" network rm "$SWARM_NETWORK-config" >/dev/null 2>&1
done
"$here/../cluster/down.sh"
ip link del "$SWARM_LAN" 2>/dev/null
for n in $(seq 1 "$CLUSTER_HOSTS"); do ip link del "crw$n" 2>/dev/null; done
for t in iptables ip6tables; do
  command -v $t >/dev/null && $t -D FORWARD -i "$SWARM_LAN" -o "$SWARM_LAN" -j ACCEPT 2>/dev/null
done
true
