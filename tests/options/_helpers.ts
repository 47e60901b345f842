/**
 * Shared fixtures of the options tests: the KubeletConfiguration head and
 * {@linkcode loadKubeletOptions} on in-memory files.
 *
 * @module
 */

import assert from "node:assert/strict";
import {
  type KubeletOptions,
  loadKubeletOptions,
  type LoadOptions,
} from "../../src/options/kubelet_options.ts";

/** The apiVersion and kind lines every config file starts with. */
export const HEAD = "apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\n";

/**
 * Inputs that read `files` (absolute path → text; a missing one is NotFound),
 * list the files directly in a dir, name the host `Host-A` and work in `/work`.
 */
export function fakeIO(files: Record<string, string> = {}): LoadOptions {
  return {
    hostname: () => "Host-A",
    cwd: () => "/work",
    readTextFile: (p) =>
      p in files ? Promise.resolve(files[p]) : Promise.reject(new Deno.errors.NotFound(p)),
    readDir: (dir) =>
      Promise.resolve(
        Object.keys(files)
          .filter((p) => p.startsWith(`${dir}/`) && !p.slice(dir.length + 1).includes("/"))
          .map((p) => ({ name: p.slice(dir.length + 1), isDirectory: false })),
      ),
  };
}

/** The options for `args` with {@linkcode fakeIO}`(files)`; fails unless the result is a run. */
export async function load(
  args: string[],
  files: Record<string, string> = {},
): Promise<KubeletOptions> {
  const r = await loadKubeletOptions(args, fakeIO(files));
  assert.equal(r.kind, "run");
  return (r as { options: KubeletOptions }).options;
}
