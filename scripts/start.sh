#!/bin/sh
# Starts denolet so that only the agent stays resident.
#
#   sh scripts/start.sh [kubelet flags...]      (DENO=/path/to/deno to pick the binary)
#
# A short-lived `deno run scripts/run.ts --print-command` reads the flags, the
# config file and the manifests, and prints the agent's command line (the
# scoped --allow-* lists computed from them, and the V8 flags); this shell then
# exec(2)s it, so the agent takes over this process: it gets the signals sent
# to it and its exit code is this script's. Bad flags: run.ts prints one line
# and this script exits 1 without starting anything.
#
# The agent runs from its bundle (scripts/bundle.ts), kept in
# $DENOLET_BUNDLE_CACHE, default $XDG_CACHE_HOME/denolet/bundle, else
# $HOME/.cache/denolet/bundle, else /var/cache/denolet/bundle,
# and built there by the print step at the first start after the sources
# changed; DENOLET_FROM_SOURCE=1 runs main.ts from source instead.
#
# The print step needs to read what the flags name, the hostname and the
# environment variables the yaml library and the bundle step read; it may run
# only the Deno binary (`deno bundle`) and write only to the bundle cache.
set -u
here=$(CDPATH='' cd -- "$(dirname -- "$0")" && pwd) || exit 1
# The Deno binary itself, symlinks resolved: what --allow-run must name for the
# print step to run `deno bundle` (Deno.execPath()).
deno=$(command -v -- "${DENO:-deno}") || { echo "denolet: cannot find ${DENO:-deno}" >&2; exit 1; }
deno=$(readlink -f -- "$deno" 2>/dev/null || printf '%s\n' "$deno")
if [ -z "${DENOLET_BUNDLE_CACHE:-}" ]; then
  if [ -n "${XDG_CACHE_HOME:-}" ]; then DENOLET_BUNDLE_CACHE=$XDG_CACHE_HOME/denolet/bundle
  elif [ -n "${HOME:-}" ]; then DENOLET_BUNDLE_CACHE=$HOME/.cache/denolet/bundle
  else DENOLET_BUNDLE_CACHE=/var/cache/denolet/bundle
  fi
fi
export DENOLET_BUNDLE_CACHE
DENOLET_REPO_ROOT=$(dirname -- "$here")
export DENOLET_REPO_ROOT
print_command() {
  "$deno" run --no-prompt --allow-read --allow-sys=hostname \
    --allow-env=LOG_TOKENS,LOG_STREAM,DENOLET_BUNDLE_CACHE,DENOLET_FROM_SOURCE,DENOLET_REPO_ROOT \
    --allow-write="$DENOLET_BUNDLE_CACHE" --allow-run="$deno" \
    "$@"
}
# The print step runs from the launcher's own bundle when there is one
# (scripts/launcher_bundle.ts: it loads in milliseconds, run.ts from source
# in ~0.1 s); a bundle older than the sources exits 75 without printing, and
# run.ts from source prints and builds the new one.
launcher=
{ read -r key < "$DENOLET_BUNDLE_CACHE/launcher/current"; } 2>/dev/null &&
  [ -f "$DENOLET_BUNDLE_CACHE/launcher/$key/run.js" ] &&
  launcher=$DENOLET_BUNDLE_CACHE/launcher/$key/run.js
rc=75
if [ -n "$launcher" ]; then
  cmd=$(print_command "$launcher" --print-command "$@")
  rc=$?
fi
if [ "$rc" -eq 75 ]; then
  cmd=$(print_command "$here/run.ts" --print-command "$@")
  rc=$?
fi
[ "$rc" -eq 0 ] || exit "$rc"
eval "exec $cmd"
