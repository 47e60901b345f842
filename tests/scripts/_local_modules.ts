import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { REPO_ROOT } from "../../scripts/bundle.ts";

interface ModuleGraph {
  modules: { specifier: string; dependencies?: { specifier: string }[] }[];
}

/** `deno info --json` of `entry` (relative to the root), its repository modules only, paths relative. */
async function localGraph(entry: string): Promise<{ path: string; imports: string[] }[]> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["info", "--json", entry],
    cwd: REPO_ROOT,
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
  const graph: ModuleGraph = JSON.parse(new TextDecoder().decode(out.stdout));
  return graph.modules.filter((m) => m.specifier.startsWith("file:")).map((m) => ({
    path: fileURLToPath(m.specifier).slice(REPO_ROOT.length + 1),
    imports: (m.dependencies ?? []).map((d) => d.specifier),
  }));
}

/**
 * The repository files `entry` (relative to the root) loads, by `deno info`:
 * what a bundle key must cover so that it follows every edit.
 */
export async function localModules(entry: string): Promise<string[]> {
  return (await localGraph(entry)).map((m) => m.path);
}

/** `<file> imports node:<x>` for each node: module a repository file that `entry` loads imports. */
export async function nodeImports(entry: string): Promise<string[]> {
  return (await localGraph(entry)).flatMap((m) =>
    m.imports.filter((s) => s.startsWith("node:")).map((s) => `${m.path} imports ${s}`)
  );
}
