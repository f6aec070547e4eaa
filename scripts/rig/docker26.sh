#!/usr/bin/env bash
# A second, current Docker engine for the rig: Debian 13's dockerd 26.1.5 (API 1.45), beside the
# machine's own Docker, so that the same suites run against both (RIG_ENGINE=docker26).
# start: unpacks trixie's docker.io under $RIG_DIR/docker26 (from the machine's apt sources, with the
#   kept .deb in ../shared/debs as a fallback) and starts its dockerd on a socket, data root, exec root
#   and bridge of its own when nothing answers there; loads the test images into it.
# stop: stops the dockerd the rig started (its pid file); refuses any other.
# env: prints the exports that point the docker CLI, the tests and private dockerds at it
#   (eval "$(scripts/rig/docker26.sh env)").
# It runs on this Debian 12 with bookworm's own containerd and runc (trixie's runc needs glibc 2.38).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/env.sh"
ddir=$RIG_DIR/docker26
pkg=$ddir/pkg
socket=$ddir/docker.sock
pidfile=$ddir/dockerd.pid
log=$ddir/dockerd.log
# containerd's socket paths must stay short: its state lives under /run, not under $RIG_DIR.
execroot=/run/rig-docker26
bridge=rigd26
bridge_addr=10.98.0.1/24
bin_path="$pkg/usr/sbin:$pkg/usr/bin"

answers() { curl -sf --max-time 5 --unix-socket "$socket" http://d/_ping >/dev/null; }

install() {
  "$here/install.sh" # containerd, runc and the rest come with the machine's Docker
  [ -x "$pkg/usr/sbin/dockerd" ] && return 0
  local deb
  deb=$(fetch_deb trixie docker.io "$RIG_DIR/debs")
  rm -rf "$pkg" && mkdir -p "$ddir" && dpkg -x "$deb" "$pkg"
  echo "rig: $("$pkg/usr/sbin/dockerd" --version) unpacked at $pkg" >&2
}

start_daemon() {
  answers && return 0
  local pid
  if pid=$(pid_of "$pidfile" dockerd); then
    echo "rig: the rig's dockerd 26 (pid $pid) runs but does not answer on unix://$socket; '$0 stop' it first" >&2
    return 1
  fi
  rm -f "$socket"
  ip link show "$bridge" >/dev/null 2>&1 ||
    { ip link add "$bridge" type bridge && ip addr add "$bridge_addr" dev "$bridge" && ip link set "$bridge" up; }
  # It runs without iptables (the machine's Docker owns them): let frames between its containers pass
  # the FORWARD chain that Docker sets to DROP.
  if command -v iptables >/dev/null && ! iptables -C FORWARD -i "$bridge" -o "$bridge" -j ACCEPT 2>/dev/null; then
    iptables -I FORWARD -i "$bridge" -o "$bridge" -j ACCEPT
  fi
  # No --default-address-pool: a dockerd given one deletes the host's docker0 at start (moby's
  # configureNetworking), which belongs to the machine's Docker and takes its containers' links with it.
  mkdir -p "$ddir" "$execroot"
  echo '{}' > "$ddir/daemon.json" # nothing from /etc/docker/daemon.json
  echo "rig: starting dockerd 26 on unix://$socket (log: $log)" >&2
  # Its docker-init and docker-proxy are found on PATH, so the unpacked folder comes first.
  PATH="$bin_path:$PATH" setsid dockerd --config-file "$ddir/daemon.json" -H "unix://$socket" \
    --data-root "$ddir/data" --exec-root "$execroot" --pidfile "$pidfile" \
    --bridge="$bridge" --iptables=false --ip-masq=false \
    >>"$log" 2>&1 < /dev/null &
  local had_docker0=no
  ip link show docker0 >/dev/null 2>&1 && had_docker0=yes
  wait_for 60 "dockerd 26" answers || { tail -20 "$log" >&2; return 1; }
  if [ "$had_docker0" = yes ] && ! ip link show docker0 >/dev/null 2>&1; then
    echo "rig: dockerd 26 deleted the machine's docker0 at start: its settings must not touch the machine's Docker" >&2
    return 1
  fi
}

stop() {
  local pid
  if ! pid=$(pid_of "$pidfile" dockerd); then
    if answers; then
      echo "rig: refusing to stop a dockerd the rig did not start (no live $pidfile)" >&2
      return 1
    fi
    return 0
  fi
  stop_rig_daemon "$pid" "dockerd 26" 20 || return 1
  echo "rig: stopped dockerd 26 ($pid)" >&2
}

case "${1:-start}" in
  start)
    install
    start_daemon
    # The test images, built in this engine the way they are built in the machine's.
    DOCKER_HOST="unix://$socket" "$here/image.sh"
    DOCKER_HOST="unix://$socket" "$here/proxy-image.sh"
    echo "rig: $(DOCKER_HOST="unix://$socket" docker version --format 'dockerd {{.Server.Version}} (API {{.Server.APIVersion}})') answers on unix://$socket" >&2
    ;;
  stop) stop ;;
  env) printf 'export DOCKER_HOST=%q PATH=%q\n' "unix://$socket" "$bin_path:$PATH" ;;
  *) echo "usage: $0 start|stop|env" >&2; exit 2 ;;
esac
