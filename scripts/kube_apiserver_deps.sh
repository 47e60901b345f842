#!/bin/sh
# Installs what the real-API-server e2e tests (tests/e2e/apiserver_e2e_test.ts) need:
# etcd (Debian's etcd-server) and a kube-apiserver built from Debian's `kubernetes`
# source package (no binary package exists). The build takes ~6 minutes on 2 cores,
# so its binary is cached OUTSIDE the repo, keyed by the source package version:
#
#   ${DENOLET_CACHE_DIR:-/var/cache/denolet}/kube-apiserver-<version>/kube-apiserver
#
# Idempotent: when etcd and the cached binary are present it does nothing (no network).
# The build tree lives in a temp dir that is removed afterwards (~2.2 GB while building).
# Never fails the build: on any failure it prints a loud "!!! ... SKIPPED" warning and
# exits 0, and the API-server e2e tests then skip themselves loudly.
# Steps and traps: ../shared/ENVIRONMENT.md, "A real Kubernetes API server".
set -u

# The one place the source version is pinned (Debian bookworm-security's kubernetes
# source, upstream v1.20.2). Changing it builds and caches a new binary. When the archive
# no longer has it, the version apt offers is built and cached under its own key.
KUBE_SRC_VERSION="1.20.5+really1.20.2-1.1+deb12u1"
CACHE_ROOT="${DENOLET_CACHE_DIR:-/var/cache/denolet}"
cache_bin() { echo "$CACHE_ROOT/kube-apiserver-$1/kube-apiserver"; }
BIN="$(cache_bin "$KUBE_SRC_VERSION")"
APT_LOCK="-o DPkg::Lock::Timeout=600"
BUILD_DEPS="etcd-server golang-go golang-github-modern-go-reflect2-dev dpkg-dev rsync make"
WORK=""

log() { echo "kube_apiserver_deps: $*"; }
skip() {
  echo "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!" >&2
  echo "!!! kube-apiserver e2e dependencies NOT ready: $1" >&2
  echo "!!! The real API server e2e tests (tests/e2e/apiserver_e2e_test.ts) will be SKIPPED." >&2
  echo "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!" >&2
  exit 0
}
cleanup() { if [ -n "$WORK" ] && [ -d "$WORK" ]; then rm -rf "$WORK"; fi; }
trap cleanup EXIT
trap 'exit 0' HUP INT PIPE TERM
# Shows the end of a step's log (the tree and its logs are removed on exit).
fail_step() {
  tail -n 40 "$2" >&2
  skip "$1 failed (last lines above)"
}

have_etcd() { command -v etcd >/dev/null 2>&1; }

if have_etcd && [ -x "$BIN" ]; then
  log "etcd and $BIN are present; nothing to do."
  exit 0
fi

if [ "$(id -u)" != "0" ]; then skip "not root (need apt-get and $CACHE_ROOT)"; fi
if ! command -v apt-get >/dev/null 2>&1; then skip "apt-get not found"; fi

# Deb and deb-src lines in a private sources dir: nothing is added to the system's apt
# config, and the binary indexes stay listed so apt-get keeps working afterwards.
WORK="$(mktemp -d "${TMPDIR:-/tmp}/denolet-kube-apiserver.XXXXXX")" || skip "mktemp failed"
mkdir -p "$WORK/sources.list.d"
for f in /etc/apt/sources.list.d/*.sources; do
  [ -f "$f" ] || continue
  sed 's/^Types:.*/Types: deb deb-src/' "$f" >"$WORK/sources.list.d/$(basename "$f")"
done
# One-line style too: each `deb` line of /etc/apt/sources.list gets its `deb-src` twin.
touch "$WORK/sources.list"
if [ -f /etc/apt/sources.list ]; then
  { cat /etc/apt/sources.list; sed -n 's/^deb /deb-src /p' /etc/apt/sources.list; } >"$WORK/sources.list"
fi
APT_SRC="-o Dir::Etc::SourceParts=$WORK/sources.list.d -o Dir::Etc::SourceList=$WORK/sources.list"

log "apt-get update (with deb-src lines)"
# shellcheck disable=SC2086
apt-get $APT_SRC $APT_LOCK update >"$WORK/apt-update.log" 2>&1 || fail_step "apt-get update" "$WORK/apt-update.log"
log "apt-get install $BUILD_DEPS"
# shellcheck disable=SC2086
DEBIAN_FRONTEND=noninteractive apt-get $APT_LOCK install -y --no-install-recommends $BUILD_DEPS \
  >"$WORK/apt-install.log" 2>&1 || fail_step "apt-get install" "$WORK/apt-install.log"
have_etcd || skip "etcd not on PATH after installing etcd-server"

# shellcheck disable=SC2086
offered="$(apt-cache $APT_SRC showsrc --only-source kubernetes | awk '/^Version:/ {print $2}')"
if ! echo "$offered" | grep -qxF "$KUBE_SRC_VERSION"; then
  latest="$(echo "$offered" | head -n 1)"
  [ -n "$latest" ] || skip "apt offers no kubernetes source package"
  log "!!! pinned kubernetes source $KUBE_SRC_VERSION is gone from the archive; using $latest"
  KUBE_SRC_VERSION="$latest"
  BIN="$(cache_bin "$KUBE_SRC_VERSION")"
fi
CACHE_DIR="$(dirname "$BIN")"
if [ -x "$BIN" ]; then
  log "$BIN is present; etcd installed."
  exit 0
fi

# One build at a time (two test runs may start together); the second waits, then finds the binary.
mkdir -p "$CACHE_ROOT" || skip "cannot create $CACHE_ROOT"
exec 9>"$CACHE_ROOT/.kube-apiserver.lock"
log "waiting for the build lock $CACHE_ROOT/.kube-apiserver.lock"
flock -w 2400 9 || skip "another kube-apiserver build held the lock for 40 minutes"
if [ -x "$BIN" ]; then
  log "$BIN was built by another run."
  exit 0
fi

free_kb="$(df -Pk "$WORK" | awk 'NR==2 {print $4}')"
if [ "${free_kb:-0}" -lt 3500000 ]; then skip "less than 3.5 GB free under $WORK"; fi

start="$(date +%s)"
log "apt-get source kubernetes=$KUBE_SRC_VERSION"
# shellcheck disable=SC2086
(cd "$WORK" && apt-get $APT_SRC source "kubernetes=$KUBE_SRC_VERSION") \
  >"$WORK/apt-source.log" 2>&1 || fail_step "apt-get source kubernetes=$KUBE_SRC_VERSION" "$WORK/apt-source.log"
TREE=""
for d in "$WORK"/kubernetes-*/; do [ -f "$d/Makefile" ] && TREE="${d%/}"; done
[ -n "$TREE" ] || skip "no kubernetes source tree after apt-get source"

# Trap: the vendored reflect2 1.0.1 crashes under Go 1.19 ("fatal error: fault" when a map
# is encoded); Debian's 1.0.2 sources replace it. Its old sources go first: 1.0.1's
# go_above_17.go would redeclare what 1.0.2's go_above_19.go declares.
R2=/usr/share/gocode/src/github.com/modern-go/reflect2
V2="$TREE/vendor/github.com/modern-go/reflect2"
[ -d "$R2" ] || skip "$R2 missing (golang-github-modern-go-reflect2-dev)"
rm -f "$V2"/*.go "$V2"/*.s
cp "$R2"/*.go "$R2"/*.s "$V2/" || skip "copying reflect2 1.0.2 failed"

export CGO_ENABLED=0 GOPROXY=off GOFLAGS="" GOCACHE="$WORK/go-build-cache" HOME="$WORK/home"
mkdir -p "$HOME"
log "make generated_files (~80 s)"
step="$(date +%s)"
(cd "$TREE" && timeout 1800 make generated_files) >"$WORK/make-generated.log" 2>&1 ||
  fail_step "make generated_files" "$WORK/make-generated.log"
log "make generated_files took $(($(date +%s) - step)) s; make WHAT=cmd/kube-apiserver (~4 min)"
step="$(date +%s)"
(cd "$TREE" && timeout 2400 make WHAT=cmd/kube-apiserver) >"$WORK/make-apiserver.log" 2>&1 ||
  fail_step "make WHAT=cmd/kube-apiserver" "$WORK/make-apiserver.log"
log "make WHAT=cmd/kube-apiserver took $(($(date +%s) - step)) s"
[ -x "$TREE/_output/bin/kube-apiserver" ] || skip "no _output/bin/kube-apiserver after make"

mkdir -p "$CACHE_DIR" || skip "cannot create $CACHE_DIR"
cp "$TREE/_output/bin/kube-apiserver" "$BIN.tmp" && mv "$BIN.tmp" "$BIN" || skip "cannot install $BIN"
log "built $BIN ($("$BIN" --version 2>/dev/null)) in $(($(date +%s) - start)) s"
