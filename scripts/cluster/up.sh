#!/usr/bin/env bash
# Brings up the three-host test cluster on this machine, reusing whatever part already runs:
#   crlan0 (root namespace, 10.99.255.254/16: the tests' observer) ── veth ── crhostN: eth0 in br0
#   br0 10.99.N.1/16; dockerd --bridge=br0 --fixed-cidr=10.99.N.0/24, no NAT, no iptables;
#   macvlan network "lan" on br0 (10.98.0.0/16 + fd98::/64, this host's range 10.98.N.0/25 and
#   fd98::N:0:0/96) and a host shim on it (10.98.N.200, fd98::ff:N) so the host's agent reaches its
#   own macvlan containers; a Consul server per host; the busybox test image and the registrar's
#   offline image (rebuilt from dist/ each time, loaded where it differs).
# Test traffic stays on loopback and these namespaces (building the image fetches npm packages).
# scripts/cluster/down.sh removes it all.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/env.sh"
"$here/../rig/up.sh"

lan() { observer_bridge "$CLUSTER_LAN" 02:00:0a:63:ff:fe "$CLUSTER_OBSERVER_IP"; }

host_net_ready() { # the last steps of host_net done, and the host's veth on the LAN
  # Output compared whole, never piped into `grep -q`: ip writes a line at a time, grep's early exit
  # kills it with SIGPIPE, and pipefail makes that a failure (7 % of checks here; it failed a CI run).
  [[ $(in_host "$1" ip -o addr show mvshim 2>/dev/null) == *"fd98::ff:$1/"* ]] &&
    [[ $(in_host "$1" ip -o addr show br0 2>/dev/null) == *" $(host_ip "$1")/16"* ]] &&
    [[ $(ip -o link show "crv$1" 2>/dev/null) == *"master $CLUSTER_LAN "* ]]
}

host_net() {
  local n=$1 ns; ns=$(host_ns "$n")
  host_net_ready "$n" && return 0
  # Absent or half made (an earlier run stopped midway): make it anew, with its daemons, which
  # would otherwise stay in the old namespace.
  [ -e "/run/netns/$ns" ] && "$here/down.sh" "$n"
  ip link del "crv$n" 2>/dev/null || true
  ip netns add "$ns"
  ip link add "crv$n" type veth peer name "crv${n}p"
  ip link set "crv$n" master "$CLUSTER_LAN" up
  ip link set "crv${n}p" netns "$ns"
  in_host "$n" sh -euc '
    n=$1 ip=$2
    ip link set lo up
    sysctl -qw net.ipv4.conf.all.arp_ignore=1  # only br0 answers ARP for the host address, not the shim
    ip link set "crv${n}p" name eth0
    ip link add br0 type bridge
    ip link set br0 address "$(ip -o link show eth0 | grep -o "ether [^ ]*" | cut -d" " -f2)" # fixed, see deploy/network
    ip link set eth0 master br0 up
    ip addr add "$ip/16" dev br0
    ip link set br0 up
    ip link add mvshim link br0 type macvlan mode bridge
    ip addr add "10.98.$n.200/16" dev mvshim
    ip addr add "fd98::ff:$n/64" dev mvshim nodad
    ip link set mvshim up' sh "$n" "$(host_ip "$n")"
  host_net_ready "$n" || { echo "cluster: host $n's network did not come up as planned" >&2; return 1; }
}

image_on() { # image_on N IMAGE: loads IMAGE from the root daemon into host N's when its ID differs
  local n=$1 image=$2
  [ "$(host_docker "$n" image inspect -f '{{.Id}}' "$image" 2>/dev/null)" = "$(docker image inspect -f '{{.Id}}' "$image")" ] && return 0
  docker save "$image" | host_docker "$n" load -q >/dev/null
  host_docker "$n" image prune -f >/dev/null # the image this one replaced
}

lan_network() {
  local n=$1
  host_docker "$n" network inspect lan >/dev/null 2>&1 && return 0
  host_docker "$n" network create -d macvlan -o parent=br0 \
    --subnet 10.98.0.0/16 --ip-range "10.98.$n.0/25" --ipv6 --subnet fd98::/64 --ip-range "fd98::$n:0:0/96" lan >/dev/null
}

hosts=$(seq 1 "$CLUSTER_HOSTS")
lan
for n in $hosts; do host_net "$n"; done
agents=()
for n in $hosts; do "$here/agent.sh" "$n" start & agents+=($!); done
for n in $hosts; do "$here/dockerd.sh" "$n"; done
"$here/../rig/proxy-image.sh" # in the root daemon, then loaded into each host's
"$here/../../deploy/offline/build.sh" "$REGISTRAR_IMAGE" >&2
for n in $hosts; do
  wait_for 60 "host $n's dockerd (log: $CLUSTER_DIR/host$n/dockerd.log)" host_docker "$n" info
  image_on "$n" "$RIG_IMAGE"
  image_on "$n" "$REGISTRAR_IMAGE"
  image_on "$n" "$RIG_PROXY_IMAGE"
  lan_network "$n"
done
for pid in "${agents[@]}"; do wait "$pid"; done
leader() { [[ $(curl -sf -m 2 "http://$(host_ip "$1"):8500/v1/status/leader") == *:* ]]; }
for n in $hosts; do wait_for 60 "host $n's consul leader" leader "$n"; done
echo "cluster: $CLUSTER_HOSTS hosts up (data: $CLUSTER_DIR, sockets: $CLUSTER_RUN)" >&2
