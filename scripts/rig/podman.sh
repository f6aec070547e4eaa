#!/usr/bin/env bash
# A Podman engine for the rig, answering Docker's API on a socket of its own (issue #15).
# start: makes sure a Podman API service answers on the rig's socket, installing Debian's podman
#   when absent and starting `podman system service` when nothing answers there, and that the busybox
#   test image exists in Podman (built offline as image.sh builds it for Docker).
# stop: stops a service the rig started (its pid file); refuses any other.
# restart: restarts a service the rig started; refuses any other.
# env: prints the exports that point the docker/podman clients at the rig's Podman
#   (eval "$(scripts/rig/podman.sh env)").
# Podman runs with a containers.conf and a storage.conf the rig owns (CONTAINERS_CONF,
# CONTAINERS_STORAGE_CONF), with its images, containers and run state under $RIG_DIR/podman: the
# machine's own Podman configuration and store are neither read nor changed.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/env.sh"
pdir=$RIG_DIR/podman
socket=${RIG_PODMAN_SOCKET:-$pdir/podman.sock}
pidfile=$RIG_DIR/podman.pid
log=$RIG_DIR/podman.log
export CONTAINERS_CONF=$pdir/containers.conf
export CONTAINERS_STORAGE_CONF=$pdir/storage.conf

answers() { curl -sf --max-time 5 --unix-socket "$socket" http://d/_ping >/dev/null; }
remote() { podman --remote --url "unix://$socket" "$@"; }

install() {
  local missing=()
  command -v podman >/dev/null || missing+=(podman)
  # A pod's infra container runs catatonit (Podman builds its pause image from it): with tini already
  # installed (docker.io's), apt does not pick catatonit among podman's recommends.
  command -v catatonit >/dev/null || [ -x /usr/libexec/podman/catatonit ] || missing+=(catatonit)
  [ -x /bin/busybox ] && /bin/busybox --list 2>/dev/null | grep -x httpd >/dev/null || missing+=(busybox-static) # no -q: see install.sh
  command -v curl >/dev/null || missing+=(curl)
  [ ${#missing[@]} -eq 0 ] && return 0
  # From the machine's own apt sources.
  echo "rig: installing ${missing[*]} with apt-get" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq "${missing[@]}" >/dev/null
}

# Writes FILE from stdin only when its content changes, so that a running service's files stay put.
write_if_changed() {
  local tmp
  tmp=$(mktemp "$1.XXXXXX")
  cat > "$tmp"
  if cmp -s "$tmp" "$1"; then rm -f "$tmp"; else mv "$tmp" "$1"; fi
}

configure() {
  mkdir -p "$pdir"
  # run/ and tmp/ hold state valid until the machine reboots (Podman expects them on a tmpfs): after
  # a reboot they would describe containers that no longer run, so they start over.
  local boot
  boot=$(cat /proc/sys/kernel/random/boot_id)
  if [ -f "$pdir/boot_id" ] && [ "$(cat "$pdir/boot_id")" != "$boot" ]; then rm -rf "$pdir/run" "$pdir/tmp"; fi
  echo "$boot" > "$pdir/boot_id"
  mkdir -p "$pdir/storage" "$pdir/run" "$pdir/tmp" "$pdir/networks" "$(dirname "$socket")"
  # Without systemd (containers, sandboxes) Podman must manage cgroups itself.
  local cgroups=systemd
  [ -d /run/systemd/system ] || cgroups=cgroupfs
  write_if_changed "$CONTAINERS_CONF" <<EOF
# Written by scripts/rig/podman.sh: the rig's Podman settings (CONTAINERS_CONF), not the machine's.
[containers]
# Podman's default nofile limit (1048576) is above what sandboxes allow: runc then fails with
# "error setting rlimit type 7: operation not permitted".
default_ulimits = ["nofile=1024:1024","nproc=4096:4096"]

[engine]
cgroup_manager = "$cgroups"
# Events in a file of the rig's (the API's /events reads them back), not in the journal.
events_logger = "file"
events_logfile_path = "$pdir/events.log"
tmp_dir = "$pdir/tmp"

[network]
# Networks the rig creates are kept here; the default network "podman" needs no file.
network_config_dir = "$pdir/networks"
EOF
  write_if_changed "$CONTAINERS_STORAGE_CONF" <<EOF
# Written by scripts/rig/podman.sh: the rig's Podman store (CONTAINERS_STORAGE_CONF), not the machine's.
[storage]
driver = "overlay"
graphroot = "$pdir/storage"
runroot = "$pdir/run"
EOF
}

start_service() {
  answers && return 0
  local pid
  if pid=$(pid_of "$pidfile" podman); then
    echo "rig: the rig's Podman service (pid $pid) runs but does not answer on unix://$socket; '$0 stop' it first" >&2
    return 1
  fi
  # A socket the rig's own service left behind (a live service would have answered).
  [ "$socket" = "$pdir/podman.sock" ] && rm -f "$socket"
  echo "rig: starting podman system service on unix://$socket (log: $log)" >&2
  setsid podman system service --time=0 "unix://$socket" >>"$log" 2>&1 < /dev/null &
  echo $! > "$pidfile"
  wait_for 60 "podman system service" answers || { tail -20 "$log" >&2; return 1; }
}

# The busybox test image of image.sh (env.sh's busybox_rootfs), imported into Podman
# (which names it localhost/$RIG_IMAGE and finds it by $RIG_IMAGE too).
build_image() (
  remote image exists "$RIG_IMAGE" && exit 0
  dir=$(mktemp -d)
  trap 'rm -rf "$dir"' EXIT
  busybox_rootfs "$dir"
  tar -C "$dir" -c . | remote import -q -c 'ENV PATH=/bin' -c 'CMD ["sleep","3600"]' - "$RIG_IMAGE" >/dev/null
  echo "rig: built test image $RIG_IMAGE in Podman" >&2
)

where() {
  cat >&2 <<EOF
rig: Podman $(remote version --format '{{.Server.Version}}' 2>/dev/null || echo '?') answers Docker's API on unix://$socket
rig:   DOCKER_HOST=unix://$socket   (or: eval "\$($0 env)")
rig:   config $CONTAINERS_CONF, $CONTAINERS_STORAGE_CONF; store $pdir/storage
rig:   log $log; pid file $pidfile; test image $RIG_IMAGE
EOF
}

stop() {
  local pid
  if ! pid=$(pid_of "$pidfile" podman); then
    if answers; then
      echo "rig: refusing to stop a Podman service the rig did not start (no live $pidfile)" >&2
      return 1
    fi
    rm -f "$pidfile"
    return 0
  fi
  stop_rig_daemon "$pid" "podman service" 15 || return 1
  rm -f "$pidfile"
  echo "rig: stopped podman system service $pid (its containers keep running)" >&2
}

case "${1:-start}" in
  start)
    install
    configure
    start_service
    build_image
    where
    ;;
  stop) stop ;;
  restart)
    if ! pid_of "$pidfile" podman >/dev/null; then
      echo "rig: refusing to restart a Podman service the rig did not start (no live $pidfile)" >&2
      exit 1
    fi
    stop
    configure
    start_service
    ;;
  env)
    printf 'export DOCKER_HOST=%q CONTAINERS_CONF=%q CONTAINERS_STORAGE_CONF=%q\n' \
      "unix://$socket" "$CONTAINERS_CONF" "$CONTAINERS_STORAGE_CONF"
    ;;
  *) echo "usage: $0 start|stop|restart|env" >&2; exit 2 ;;
esac
