#!/bin/sh
# Installs what the e2e tests (tests/e2e/) need: containerd, runc, ctr and a static
# busybox (Debian package busybox-static) used to build the local test image; and
# openssl, which the API client tests (tests/client/) use to make a test PKI.
# Then scripts/kube_apiserver_deps.sh: etcd and a kube-apiserver built from Debian's
# source once and cached outside the repo (tests/e2e/apiserver_e2e_test.ts).
# Idempotent: installs nothing when everything is present. Never fails the build:
# when it cannot install, it prints a loud warning and exits 0, and the e2e tests
# then skip themselves loudly.
set -u

# The containerd part runs in a subshell: its early exits do not skip the API server part.
(
  missing=""
  for bin in containerd runc ctr openssl curl; do
    if ! command -v "$bin" >/dev/null 2>&1; then missing="$missing $bin"; fi
  done
  # The CNI bridge the cluster e2e gives containerd, so the node's network is ready.
  if [ ! -x /usr/lib/cni/bridge ]; then missing="$missing containernetworking-plugins"; fi
  if [ ! -x /bin/busybox ] || ! file -L /bin/busybox 2>/dev/null | grep -q 'statically linked'; then
    # `file` may be absent; fall back to asking dpkg about busybox-static.
    if ! dpkg -s busybox-static >/dev/null 2>&1; then missing="$missing busybox-static"; fi
  fi

  if [ -z "$missing" ]; then
    echo "e2e_deps: containerd, runc, ctr, static busybox and the CNI plugins are present; nothing to do."
    exit 0
  fi

  echo "e2e_deps: missing:$missing"
  warn() {
    echo "################################################################" >&2
    echo "# WARNING: e2e dependencies NOT installed: $1" >&2
    echo "# The containerd e2e tests (tests/e2e/) will be SKIPPED." >&2
    echo "################################################################" >&2
    exit 0
  }

  if [ "$(id -u)" != "0" ]; then warn "not root (need apt-get install -y containerd runc busybox-static)"; fi
  if ! command -v apt-get >/dev/null 2>&1; then warn "apt-get not found"; fi

  echo "e2e_deps: running apt-get update"
  if ! apt-get update; then warn "apt-get update failed"; fi
  echo "e2e_deps: installing containerd runc busybox-static openssl containernetworking-plugins"
  if ! DEBIAN_FRONTEND=noninteractive apt-get install -y containerd runc busybox-static openssl \
    containernetworking-plugins curl; then
    warn "apt-get install failed"
  fi
  echo "e2e_deps: installed containerd runc busybox-static containernetworking-plugins"
)

sh "$(dirname "$0")/kube_apiserver_deps.sh"
exit 0
