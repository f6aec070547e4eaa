# Shared settings of the three-node Swarm scripts (sourced), on top of the cluster's (scripts/cluster/env.sh).
# A second LAN (crlan1, 10.97.0.0/16) reaches every host as eth1: the parent of the swarm-scoped macvlan
# network "swarmlan" (a parent carries one macvlan network, and br0 already carries "lan"; no 8021q for
# VLAN sub-interfaces). Host N hands its tasks 10.97.N.0/25 and holds a shim 10.97.N.200 on eth1 so
# its own agent reaches them. The root namespace holds 10.97.255.254/16 on crlan1 while it is up.
source "$(cd "$(dirname "${BASH_SOURCE[0]}")/../cluster" && pwd)/env.sh"
SWARM_LAN=crlan1
SWARM_OBSERVER_IP=10.97.255.254
SWARM_NETWORK=swarmlan
swarm_range() { echo "10.97.$1.0/25"; }
swarm_shim() { echo "10.97.$1.200"; }
