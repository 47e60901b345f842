/**
 * Test fixture, run under the computed permission flags: loads the options
 * the way the agent does (which reads `--kubeconfig`), then the kubeconfig,
 * and GETs the node with the client; then tries one request to a port the
 * flags do not grant. Prints one JSON line.
 *
 * Args: the agent's flags, then `--`, then a URL that must be refused.
 *
 * @module
 */

import { createApiClient, loadKubeconfig } from "../../src/client/mod.ts";
import { loadKubeletOptions } from "../../src/options/mod.ts";
import { RealClock } from "../../src/util/clock.ts";

const sep = Deno.args.indexOf("--");
const loaded = await loadKubeletOptions(Deno.args.slice(0, sep));
if (loaded.kind !== "run") throw new Error("not a run");
const kc = await loadKubeconfig(loaded.options.kubeconfig!);
const api = createApiClient(kc, { clock: new RealClock() });
const out: Record<string, unknown> = {};
try {
  out.node = await api.get({ resource: "nodes", name: loaded.options.nodeName });
} catch (e) {
  out.error = (e as Error).message;
} finally {
  api.close();
}
try {
  await fetch(Deno.args[sep + 1]);
  out.other = "permitted";
} catch (e) {
  const cause = e instanceof TypeError && e.cause instanceof Error ? e.cause : e;
  out.other = cause instanceof Deno.errors.NotCapable ? "refused NotCapable" : String(e);
}
console.log(JSON.stringify(out));
