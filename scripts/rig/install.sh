#!/usr/bin/env bash
# Installs what the test rig and the demo need on a Debian machine: Debian's Docker engine, a static
# busybox (to build test images offline), dig, iptables, a real Consul binary (1.8.7 from Debian
# bullseye, the newest Consul Debian packages) and Debian's Prometheus and promtool (unpacked, so no
# service is installed or started). Idempotent: each step is skipped when already done.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/env.sh"

missing=()
command -v dockerd >/dev/null || missing+=(docker.io)
[ -x /bin/busybox ] && /bin/busybox --list 2>/dev/null | grep -x httpd >/dev/null || missing+=(busybox-static) # no -q: an early exit would SIGPIPE busybox and fail the pipe
command -v dig >/dev/null || missing+=(dnsutils)
command -v docker-compose >/dev/null || missing+=(docker-compose) # runs the README's compose snippet (test/integration/drop-in)
command -v iptables >/dev/null || missing+=(iptables)
command -v openssl >/dev/null || missing+=(openssl) # certificates for the Consul TLS test
command -v curl >/dev/null || missing+=(curl) # the rig asks daemons whether they answer
if [ ${#missing[@]} -gt 0 ]; then
  echo "rig: installing ${missing[*]} with apt-get" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq "${missing[@]}" >/dev/null
fi

if [ ! -x "$RIG_CONSUL" ]; then
  # Debian 12 has no consul; bullseye's 1.8.7 comes from the archive the machine is configured with.
  deb=$(fetch_deb bullseye consul "$RIG_DIR/debs")
  rm -rf "$RIG_DIR/consul-pkg" && dpkg -x "$deb" "$RIG_DIR/consul-pkg"
  cp "$RIG_DIR/consul-pkg/usr/bin/consul" "$RIG_CONSUL"
  echo "rig: consul $("$RIG_CONSUL" version | head -1) installed at $RIG_CONSUL" >&2
fi

if [ ! -x "$RIG_PROMETHEUS" ] || [ ! -x "$RIG_DIR/promtool" ]; then
  # From the machine's own apt sources; unpacked rather than installed, so no prometheus service starts.
  mkdir -p "$RIG_DIR/debs"
  (cd "$RIG_DIR/debs" && { apt-get download prometheus >/dev/null 2>&1 || { apt-get update -qq >/dev/null && apt-get download prometheus >/dev/null; }; })
  deb=$(ls "$RIG_DIR"/debs/prometheus_*.deb | head -1)
  rm -rf "$RIG_DIR/prometheus-pkg" && dpkg -x "$deb" "$RIG_DIR/prometheus-pkg"
  cp "$RIG_DIR/prometheus-pkg/usr/bin/prometheus" "$RIG_PROMETHEUS"
  cp "$RIG_DIR/prometheus-pkg/usr/bin/promtool" "$RIG_DIR/promtool"
  echo "rig: $("$RIG_PROMETHEUS" --version 2>&1 | head -1) installed at $RIG_PROMETHEUS" >&2
fi
