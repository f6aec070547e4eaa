#!/usr/bin/env bash
# agent.sh N start|kill: starts host N's Consul server (one of a three-server cluster) when it does
# not answer, or SIGKILLs it (a crashed agent: no leave, its data dir kept). Serves HTTP on
# 127.0.0.1:8500 and the host address, and DNS on port 53 of both, so containers resolve *.consul
# through the host (dockerd --dns). Raft timing at multiplier 1, as Consul advises for tests; Connect
# on (its built-in CA), for the mesh test; proxies in containers reach the agent on the host address.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/env.sh"
n=$1
ip=$(host_ip "$n")
pidfile=$CLUSTER_RUN/host$n/consul.pid
mkdir -p "$CLUSTER_RUN/host$n" "$CLUSTER_DIR/host$n/consul"

answers() { curl -sf -m 2 "http://$ip:8500/v1/agent/self" >/dev/null; }

case "$2" in
  start)
    answers && exit 0
    joins=()
    for m in $(seq 1 "$CLUSTER_HOSTS"); do [ "$m" = "$n" ] || joins+=(-retry-join "$(host_ip "$m")"); done
    in_host "$n" setsid "$RIG_CONSUL" agent -server -bootstrap-expect "$CLUSTER_HOSTS" -node "$(host_ns "$n")" \
      -bind "$ip" -client "127.0.0.1 $ip" -dns-port 53 -data-dir "$CLUSTER_DIR/host$n/consul" \
      -pid-file "$pidfile" -hcl 'performance { raft_multiplier = 1 }' -hcl 'connect { enabled = true }' \
      -log-level warn "${joins[@]}" \
      >>"$CLUSTER_DIR/host$n/consul.log" 2>&1 </dev/null &
    wait_for 30 "host $n's consul on $ip:8500" answers || { tail -20 "$CLUSTER_DIR/host$n/consul.log" >&2; exit 1; }
    ;;
  kill)
    if pid=$(pid_of "$pidfile" consul); then
      kill -KILL "$pid"
      while kill -0 "$pid" 2>/dev/null; do sleep 0.05; done
    fi
    rm -f "$pidfile"
    ;;
  *) echo "usage: $0 N start|kill" >&2; exit 2 ;;
esac
