/**
 * The arrows of the design map, checked on the import graph: only
 * src/kuberuntime speaks CRI (src/cri), and the runtime-neutral layers never
 * reach back into the composition root. Reads every static import in src/.
 */
import assert from "node:assert/strict";
import { dirname, join, relative, resolve } from "node:path";

const ROOT = resolve(dirname(new URL(import.meta.url).pathname), "../..");

/** Every .ts file under `dir`, relative to the repo root. */
async function sources(dir: string): Promise<string[]> {
  const out: string[] = [];
  for await (const e of Deno.readDir(join(ROOT, dir))) {
    const path = `${dir}/${e.name}`;
    if (e.isDirectory) out.push(...await sources(path));
    else if (e.name.endsWith(".ts")) out.push(path);
  }
  return out;
}

/** The repo-relative files `file` imports (relative specifiers only; npm ones are skipped). */
async function importsOf(file: string): Promise<string[]> {
  const text = await Deno.readTextFile(join(ROOT, file));
  const out: string[] = [];
  for (const m of text.matchAll(/(?:^|\n)\s*(?:import|export)[^;]*?from\s+"(\.[^"]+)"/g)) {
    out.push(relative(ROOT, resolve(ROOT, dirname(file), m[1])));
  }
  return out;
}

/** Who may import src/cri besides src/cri itself (see the README's Layout). */
const MAY_IMPORT_CRI = [
  /^src\/kuberuntime\//, // the Runtime implemented on the CRI
  /^src\/agent\//, // main.ts's builders: they connect the runtime
  /^src\/options\/permissions\.ts$/, // grants the env names the CRI client reads
];

Deno.test("only src/kuberuntime (and main.ts with its builders in src/agent, to connect) imports src/cri", async () => {
  const offenders: string[] = [];
  for (const file of await sources("src")) {
    if (file.startsWith("src/cri/") || MAY_IMPORT_CRI.some((r) => r.test(file))) continue;
    for (const dep of await importsOf(file)) {
      if (dep.startsWith("src/cri/")) offenders.push(`${file} -> ${dep}`);
    }
  }
  assert.deepEqual(offenders, [], "these files must use container.Runtime instead of the CRI");
});

Deno.test("nothing in src/ imports main.ts, scripts/ or tests/", async () => {
  const offenders: string[] = [];
  for (const file of await sources("src")) {
    for (const dep of await importsOf(file)) {
      if (dep === "main.ts" || dep.startsWith("scripts/") || dep.startsWith("tests/")) {
        offenders.push(`${file} -> ${dep}`);
      }
    }
  }
  assert.deepEqual(offenders, []);
});

Deno.test("the import reader sees the imports it checks (self-test)", async () => {
  const deps = await importsOf("src/kuberuntime/kuberuntime_manager.ts");
  assert.ok(deps.includes("src/cri/errors.ts"), deps.join(", "));
  assert.ok(deps.includes("src/container/runtime.ts"), deps.join(", "));
});
