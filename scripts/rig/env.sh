# Shared settings of the rig scripts (sourced). Everything the rig keeps lives in RIG_DIR, outside
# the checkout, so that a fresh clone reuses the downloaded Consul binary.
RIG_HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
RIG_DIR=${RIG_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/consul-registrar-rig}
RIG_CONSUL=$RIG_DIR/consul
RIG_PROMETHEUS=$RIG_DIR/prometheus # and promtool beside it
RIG_IMAGE=${RIG_IMAGE:-consul-registrar-test/busybox:4}
RIG_PROXY_IMAGE=${RIG_PROXY_IMAGE:-consul-registrar-test/consul-proxy:1.8.7}
mkdir -p "$RIG_DIR"

wait_for() { # wait_for SECONDS DESCRIPTION COMMAND...: polls COMMAND until it succeeds, or fails after SECONDS
  local what=$2 end=$((SECONDS + $1))
  shift 2
  while [ $SECONDS -lt $end ]; do "$@" >/dev/null 2>&1 && return 0; sleep 0.2; done
  echo "rig: $what not ready within the time allowed" >&2
  return 1
}

pid_of() { # pid_of PIDFILE COMMAND-NAME: the live pid a pid file names, only if it still runs COMMAND-NAME
  local pid
  pid=$(cat "$1" 2>/dev/null) || return 1
  [ -n "$pid" ] && [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = "$2" ] && echo "$pid"
}

stop_rig_daemon() { # stop_rig_daemon PID WHAT SECONDS: TERM it and wait; 1 when it outlives the wait
  kill "$1"
  for _ in $(seq 1 $(($3 * 10))); do kill -0 "$1" 2>/dev/null || return 0; sleep 0.1; done
  echo "rig: $2 ($1) did not stop within $3 s" >&2
  return 1
}

busybox_rootfs() { # busybox_rootfs DIR: the test image's files (a static busybox with the applets the tests use, a non-root user)
  mkdir -p "$1/bin" "$1/tmp" "$1/www" "$1/etc"
  cp /bin/busybox "$1/bin/busybox"
  for applet in sh ls cat echo sleep httpd nc nslookup printf kill ps true false hostname ip env test grep rm touch mv date id; do
    ln -s busybox "$1/bin/$applet"
  done
  echo ok > "$1/www/health"
  # A non-root user, for the tests that check a container's checks run as its own user.
  printf 'root:x:0:0:root:/:/bin/sh\napp:x:1000:1000:app:/:/bin/sh\n' > "$1/etc/passwd"
  printf 'root:x:0:\napp:x:1000:\nstaff:x:50:app\n' > "$1/etc/group"
}

debian_archive() { # the machine's configured Debian archive URI (deb822 or one-line sources)
  { grep -hs '^URIs:' /etc/apt/sources.list.d/*.sources | awk '{for (i = 2; i <= NF; i++) print $i}'
    grep -hs '^deb ' /etc/apt/sources.list /etc/apt/sources.list.d/*.list | awk '{print ($2 ~ /^\[/) ? $3 : $2}'
  } | grep -v -- '-security' | head -1 || true
}

# fetch_deb SUITE PACKAGE DEST: downloads PACKAGE of Debian SUITE into DEST with apt, from the archive the
# machine is configured with, without touching the system's sources; prints the .deb's path. Falls back
# to a copy kept beside the project (../shared/debs, or $SHARED_DEBS) when the suite is unreachable.
fetch_deb() {
  local suite=$1 pkg=$2 dest=$3 archive list deb="" d
  mkdir -p "$dest" "$RIG_DIR/lists-$suite/partial"
  list="$RIG_DIR/$suite.list"
  archive=$(debian_archive)
  [ -n "$archive" ] && echo "deb $archive $suite main" > "$list"
  local opts=(-o Dir::Etc::sourcelist="$list" -o Dir::Etc::sourceparts=- -o Dir::State::Lists="$RIG_DIR/lists-$suite")
  if [ -n "$archive" ] && apt-get "${opts[@]}" update -qq >/dev/null 2>&1 &&
     (cd "$dest" && apt-get "${opts[@]}" download "$pkg" >/dev/null 2>&1); then
    deb=$(ls -t "$dest/${pkg}"_*.deb | head -1)
  else
    for d in "$RIG_HERE/../../../shared/debs" "${SHARED_DEBS:-/nonexistent}"; do
      deb=$(ls "$d/${pkg}"_*.deb 2>/dev/null | head -1 || true)
      [ -n "$deb" ] && break
    done
  fi
  [ -n "$deb" ] || { echo "rig: cannot get $pkg (Debian $suite unreachable, no cached .deb)" >&2; return 1; }
  echo "$deb"
}
