# Shared settings of the three-host cluster scripts (sourced). Each "host" is a network namespace
# crhostN on one LAN bridge (crlan0) with its own br0, dockerd and Consul server: the routable-IP
# setup of deploy/network/README.md, section 1, plus a macvlan network "lan" (section 2) with IPv6.
# While it is up the root namespace holds 10.99.255.254/16 on crlan0 (the tests' observer), so a
# real 10.99.0.0/16 network on this machine would be shadowed: run it on a test machine.
source "$(cd "$(dirname "${BASH_SOURCE[0]}")/../rig" && pwd)/env.sh"
CLUSTER_HOSTS=3                          # test/support/cluster.ts knows the same three
CLUSTER_DIR=$RIG_DIR/cluster              # docker data roots (images stay between runs) and consul data
CLUSTER_RUN=/run/consul-registrar-cluster # sockets, pid files, exec roots
CLUSTER_LAN=crlan0
CLUSTER_OBSERVER_IP=10.99.255.254
# The image's one name and tag, as everywhere: consul-registrar:<package.json's version> (built by deploy/offline/build.sh).
REGISTRAR_IMAGE=${REGISTRAR_IMAGE:-consul-registrar:$(node -p "require('$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/package.json').version")}

host_ns() { echo "crhost$1"; }
host_ip() { echo "10.99.$1.1"; }                   # br0: the host itself, gateway of its containers
host_cidr() { echo "10.99.$1.0/24"; }              # its containers' slice of 10.99.0.0/16
host_sock() { echo "$CLUSTER_RUN/host$1/docker.sock"; }
host_docker() { local n=$1; shift; timeout 60 docker -H "unix://$(host_sock "$n")" "$@"; }
in_host() { local n=$1; shift; nsenter --net="/var/run/netns/$(host_ns "$n")" "$@"; }
mkdir -p "$CLUSTER_DIR" "$CLUSTER_RUN"

# observer_bridge NAME MAC IP: a bridge in the root namespace carrying the tests' observer address.
# A bridge left alone takes its ports' lowest MAC, hence a fixed one. The root namespace's dockerd
# sets FORWARD to DROP, and bridged frames go through it.
observer_bridge() {
  local name=$1 mac=$2 ip=$3
  if ! ip link show "$name" >/dev/null 2>&1; then
    ip link add "$name" type bridge
    ip link set "$name" address "$mac"
    ip addr add "$ip/16" dev "$name"
    ip link set "$name" up
  fi
  for t in iptables ip6tables; do
    command -v $t >/dev/null || continue
    $t -C FORWARD -i "$name" -o "$name" -j ACCEPT 2>/dev/null || $t -I FORWARD -i "$name" -o "$name" -j ACCEPT
  done
}
