import assert from "node:assert/strict";
import { GEN_TYPES, generateTypes, genTypesFlags, TYPES_DIR } from "../../scripts/gen_proto.ts";
import { CRI_LOADER_OPTIONS } from "../../src/cri/loader_options.ts";
import { criMessageDefinition } from "../../src/cri/package_definition.ts";

const root = decodeURIComponent(new URL("../../", import.meta.url).pathname).replace(/\/$/, "");

/** Every file under `dir`, by path relative to it, with its text. */
async function readTree(dir: string, prefix = ""): Promise<Map<string, string>> {
  const files = new Map<string, string>();
  for await (const entry of Deno.readDir(`${dir}/${prefix}`)) {
    const rel = `${prefix}${entry.name}`;
    if (entry.isDirectory) {
      for (const [k, v] of await readTree(dir, `${rel}/`)) files.set(k, v);
    } else {
      files.set(rel, await Deno.readTextFile(`${dir}/${rel}`));
    }
  }
  return files;
}

Deno.test("src/cri/generated/ is what `deno task gen-proto` writes from proto/api.proto now", async () => {
  const tmp = await Deno.makeTempDir();
  try {
    await generateTypes(root, `${tmp}/out`);
    const fresh = await readTree(`${tmp}/out`);
    const committed = await readTree(`${root}/${TYPES_DIR}`);
    const stale = [...new Set([...fresh.keys(), ...committed.keys()])]
      .filter((file) => fresh.get(file) !== committed.get(file))
      .sort();
    assert.deepEqual(stale, [], `${TYPES_DIR} is stale: run \`deno task gen-proto\``);
    assert.ok(fresh.size > 100, `only ${fresh.size} generated files`);
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
});

Deno.test("genTypesFlags() hands the generator the options the loader decodes with", async (t) => {
  await t.step("CRI_LOADER_OPTIONS", () => {
    assert.deepEqual(genTypesFlags(CRI_LOADER_OPTIONS), [
      "--longs=Number",
      "--enums=String",
      "--defaults",
      "--oneofs",
    ]);
  });
  await t.step("keepCase and bytes as String", () => {
    assert.deepEqual(genTypesFlags({ keepCase: true, bytes: String }), [
      "--keepCase",
      "--bytes=String",
    ]);
  });
  await t.step("an option the generator would describe wrongly is refused", () => {
    // bytes: Array decodes to number[] while the generator would say Uint8Array.
    assert.throws(() => genTypesFlags({ bytes: Array }), /loader option 'bytes'/);
    assert.throws(() => genTypesFlags({ includeDirs: ["x"] }), /loader option 'includeDirs'/);
  });
});

Deno.test("the generator is the @grpc/proto-loader that deno.json imports", async () => {
  const config = JSON.parse(await Deno.readTextFile(`${root}/deno.json`));
  assert.equal(GEN_TYPES, `${config.imports["@grpc/proto-loader"]}/proto-loader-gen-types`);
});

/** What a field's generated `__Output` type says its decoded default is. */
function kindOf(type: string, enums: Set<string>): string {
  if (type.endsWith(")[]")) return "array";
  if (type.endsWith("| null)")) return "null";
  const inner = type.slice(1, -1);
  if (inner.startsWith("{[key: string]")) return "object";
  if (inner === "Buffer") return "bytes";
  if (enums.has(inner)) return "string";
  return inner;
}

function kindOfValue(value: unknown): string {
  if (Array.isArray(value)) return "array";
  if (value === null) return "null";
  if (value instanceof Uint8Array) return "bytes";
  return typeof value;
}

Deno.test("each generated __Output type names the fields, and kinds, the loader decodes", async () => {
  const files = await readTree(`${root}/${TYPES_DIR}`);
  const enums = new Set<string>();
  for (const text of files.values()) {
    // An enum file declares `Name__Output`; importers alias it `_runtime_v1_Name__Output`.
    for (const m of text.matchAll(/^export type (\w+__Output) = typeof /gm)) {
      enums.add(m[1]);
      enums.add(`_runtime_v1_${m[1]}`);
    }
  }
  let checked = 0;
  for (const [file, text] of files) {
    const m = text.match(/^export interface (\w+)__Output \{\n([\s\S]*?)^\}/m);
    if (!m) continue;
    const [, name, body] = m;
    const declared = Object.fromEntries(
      [...body.matchAll(/^ {2}'(\w+)': (.*);$/gm)].map(([, field, type]) => [field, type]),
    );
    let definition;
    try {
      definition = criMessageDefinition<unknown, Record<string, unknown>>(name);
    } catch {
      assert.fail(`${file}: runtime.v1.${name} is not in the descriptor`);
    }
    const decoded = definition.deserialize(new Uint8Array());
    assert.deepEqual(Object.keys(decoded).sort(), Object.keys(declared).sort(), name);
    for (const [field, type] of Object.entries(declared)) {
      assert.equal(kindOfValue(decoded[field]), kindOf(type, enums), `${name}.${field}: ${type}`);
    }
    checked++;
  }
  assert.ok(checked > 100, `only ${checked} messages checked`);
});
