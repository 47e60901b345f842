/**
 * Where the e2e tests find kube-apiserver: the binary scripts/kube_apiserver_deps.sh
 * builds once and caches under `/var/cache/denolet/kube-apiserver-<source version>/`
 * (`DENOLET_CACHE_DIR` moves the cache, `DENOLET_KUBE_APISERVER` names a binary),
 * and why it cannot run here when it cannot.
 *
 * Needs `--allow-env` (the two variables), `--allow-read` (the cache dir) and
 * `--allow-run=sh` (PATH look-ups).
 *
 * @module
 */

import { which } from "./_daemon_process.ts";

const CACHE_ROOT_DEFAULT = "/var/cache/denolet";

/**
 * The cached kube-apiserver: `$DENOLET_KUBE_APISERVER`, else the most recently
 * built `<cache>/kube-apiserver-<version>/kube-apiserver` (the script builds the
 * version it pins); undefined when none.
 */
export async function findKubeApiServer(): Promise<string | undefined> {
  const named = Deno.env.get("DENOLET_KUBE_APISERVER");
  if (named) return named;
  const root = Deno.env.get("DENOLET_CACHE_DIR") || CACHE_ROOT_DEFAULT;
  let newest: { bin: string; mtime: number } | undefined;
  try {
    for await (const e of Deno.readDir(root)) {
      if (!e.isDirectory || !e.name.startsWith("kube-apiserver-")) continue;
      const bin = `${root}/${e.name}/kube-apiserver`;
      try {
        const info = await Deno.stat(bin);
        const mtime = info.mtime?.getTime() ?? 0;
        if (info.isFile && (!newest || mtime > newest.mtime)) newest = { bin, mtime };
      } catch { /* not built */ }
    }
  } catch { /* no cache dir */ }
  return newest?.bin;
}

/**
 * Why kube-apiserver + etcd cannot run here (not Linux, a binary missing), or
 * `{ binary }` with the kube-apiserver to run. Cheap: starts nothing.
 */
export async function apiServerUnavailableReason(): Promise<string | { binary: string }> {
  if (Deno.build.os !== "linux") return `kube-apiserver e2e needs Linux, not ${Deno.build.os}`;
  const binary = await findKubeApiServer();
  if (!binary) {
    return "kube-apiserver is not built (sh scripts/kube_apiserver_deps.sh caches it in " +
      `${CACHE_ROOT_DEFAULT}/kube-apiserver-<version>/)`;
  }
  for (const bin of ["etcd", "openssl", "kubectl", "sh"]) {
    if (!(await which(bin))) return `'${bin}' not found on PATH (run scripts/e2e_deps.sh)`;
  }
  return { binary };
}
