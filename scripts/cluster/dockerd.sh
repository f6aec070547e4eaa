#!/usr/bin/env bash
# dockerd.sh N [start|stop]: starts host N's dockerd when it does not answer (without waiting for it),
# or stops it (SIGTERM: it stops its containers first, as a host shutting down Docker does).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/env.sh"
n=$1 dir=$CLUSTER_RUN/host$1
case "${2:-start}" in
  start)
    host_docker "$n" info >/dev/null 2>&1 && exit 0
    mkdir -p "$dir" "$CLUSTER_DIR/host$n/docker"
    # Own UTS namespace: the host name (crhostN) is what the registrar takes as its host ID.
    # nsenter, not `ip netns exec`: the latter's fresh /sys hides the cgroup mounts dockerd needs.
    # Nothing shared with the machine's own dockerd: no /etc/docker/daemon.json, and its own
    # containerd namespaces in case it uses a system containerd (a daemon cleans up its namespace).
    echo '{}' > "$dir/daemon.json"
    in_host "$n" unshare --uts sh -c 'hostname "$1" && shift && exec setsid dockerd "$@"' sh "$(host_ns "$n")" \
      --config-file "$dir/daemon.json" --containerd-namespace "crhost$n" --containerd-plugins-namespace "crhost$n-plugins" \
      -H "unix://$(host_sock "$n")" --pidfile "$dir/dockerd.pid" --exec-root "$dir/exec" \
      --data-root "$CLUSTER_DIR/host$n/docker" --bridge=br0 --fixed-cidr="$(host_cidr "$n")" \
      --iptables=false --ip-masq=false --dns "$(host_ip "$n")" --log-level warn \
      >>"$CLUSTER_DIR/host$n/dockerd.log" 2>&1 </dev/null &
    ;;
  stop)
    pid=$(pid_of "$dir/dockerd.pid" dockerd) || exit 0
    kill "$pid"
    for _ in $(seq 1 150); do kill -0 "$pid" 2>/dev/null || exit 0; sleep 0.2; done
    echo "host $n's dockerd (pid $pid) did not stop in 30 s" >&2
    exit 1
    ;;
  *) echo "usage: $0 N [start|stop]" >&2; exit 2 ;;
esac
