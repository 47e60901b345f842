import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { REPO_ROOT } from "../../scripts/bundle.ts";

/**
 * The repository files `entry` (relative to the root) loads, by `deno info`:
 * what a bundle key must cover so that it follows every edit.
 */
export async function localModules(entry: string): Promise<string[]> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["info", "--json", entry],
    cwd: REPO_ROOT,
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
  const graph: { modules: { specifier: string }[] } = JSON.parse(
    new TextDecoder().decode(out.stdout),
  );
  return graph.modules.map((m) => m.specifier).filter((s) => s.startsWith("file:"))
    .map((s) => fileURLToPath(s).slice(REPO_ROOT.length + 1));
}
