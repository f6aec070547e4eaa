# Shared settings of the rig scripts (sourced). Everything the rig keeps lives in RIG_DIR, outside
# the checkout, so that a fresh clone reuses the downloaded Consul binary.
RIG_DIR=${RIG_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/consul-registrar-rig}
RIG_CONSUL=$RIG_DIR/consul
RIG_IMAGE=${RIG_IMAGE:-consul-registrar-test/busybox:3}
mkdir -p "$RIG_DIR"
