/**
 * Regenerates what src/cri/ derives from `proto/api.proto`:
 *
 * - `src/cri/runtime_v1_descriptor.json`, the descriptor the CRI client and
 *   the fake runtime load as a JSON module (so no `.proto` file is read at
 *   run time and the client works inside `deno compile` binaries);
 * - `src/cri/generated/`, the TypeScript types of every message, enum and
 *   service, written by `proto-loader-gen-types` (shipped with
 *   `@grpc/proto-loader`) with the flags that match
 *   {@linkcode CRI_LOADER_OPTIONS}, so the types describe what the loader
 *   decodes at run time. The output is committed as the generator writes it;
 *   tests/cri/generated_types_test.ts fails when it is stale.
 *
 * Field names are converted to camelCase in the descriptor, at parse time:
 * proto-loader's `fromJSON()` uses the names found in the descriptor as they
 * are (its `keepCase` option only applies when it parses a `.proto` itself).
 * Field numbers and types, which are all the wire format depends on, are
 * unchanged.
 *
 * Run: `deno task gen-proto`.
 *
 * @module
 */

import type { Options } from "@grpc/proto-loader";
import protobuf from "protobufjs";
import { CRI_LOADER_OPTIONS } from "../src/cri/loader_options.ts";

/** The proto file, relative to the repository root. */
export const PROTO_PATH = "proto/api.proto";
/** The generated descriptor, relative to the repository root. */
export const DESCRIPTOR_PATH = "src/cri/runtime_v1_descriptor.json";
/** The folder of the generated types, relative to the repository root. */
export const TYPES_DIR = "src/cri/generated";
/** The type generator: the bin of the `@grpc/proto-loader` that deno.json imports. */
export const GEN_TYPES = "npm:@grpc/proto-loader@0.8.1/proto-loader-gen-types";
/** Environment variables the generator (its yargs) reads; nothing else is granted. */
export const GEN_TYPES_ENV = [
  "YARGS_MIN_NODE_VERSION",
  "_",
  "SHELL",
  "ZSH_NAME",
  "LC_ALL",
  "LC_MESSAGES",
  "LANG",
  "LANGUAGE",
];

/**
 * Parses the text of a `.proto` file into protobufjs's JSON descriptor
 * (`Root.toJSON()`), with field names in camelCase.
 *
 * @throws {Error} when the text is not valid proto3.
 */
export function parseProto(source: string): Record<string, unknown> {
  const { root } = protobuf.parse(source, { keepCase: false });
  root.resolveAll();
  // Round-trip through JSON text so the result holds plain data only.
  return JSON.parse(JSON.stringify(root.toJSON())) as Record<string, unknown>;
}

/**
 * Reads `proto/api.proto` under `repoRoot` and writes the descriptor JSON.
 *
 * Needs `--allow-read` for the proto file and `--allow-write` for the
 * descriptor file.
 */
export async function generateDescriptor(repoRoot = "."): Promise<void> {
  const source = await Deno.readTextFile(`${repoRoot}/${PROTO_PATH}`);
  const json = parseProto(source);
  await Deno.writeTextFile(`${repoRoot}/${DESCRIPTOR_PATH}`, JSON.stringify(json, null, 2) + "\n");
}

/**
 * The `proto-loader-gen-types` flags that produce types for messages decoded
 * with `options`.
 *
 * @throws {TypeError} for an option the generator cannot describe.
 */
export function genTypesFlags(options: Readonly<Options>): string[] {
  const flags: string[] = [];
  for (const [name, value] of Object.entries(options)) {
    if (value === undefined || value === false) continue;
    if (["keepCase", "defaults", "arrays", "objects", "oneofs", "json"].includes(name)) {
      if (value !== true) throw new TypeError(`Cannot pass loader option '${name}' = ${value}`);
      flags.push(`--${name}`);
    } else if (name === "longs" && (value === Number || value === String)) {
      flags.push(`--longs=${value.name}`);
    } else if (name === "enums" && value === String) {
      flags.push("--enums=String");
    } else if (name === "bytes" && value === String) {
      // bytes: Array decodes to number[] while the generator says Uint8Array.
      flags.push("--bytes=String");
    } else {
      throw new TypeError(`Cannot describe loader option '${name}' to proto-loader-gen-types`);
    }
  }
  return flags;
}

/**
 * Writes the generated types for `proto/api.proto` under `repoRoot` into
 * `outDir` (relative to `repoRoot`, or absolute), replacing what it held.
 * The generator runs as a `deno run` subprocess that may read only the proto
 * file, write only `outDir` and read only the variables in
 * {@linkcode GEN_TYPES_ENV}.
 *
 * Needs `--allow-run` for `Deno.execPath()` and `--allow-write` for `outDir`.
 *
 * @throws {Error} when the generator fails, with its output.
 */
export async function generateTypes(repoRoot = ".", outDir = TYPES_DIR): Promise<void> {
  // The generator runs in repoRoot, so `outDir` is handed to it as given.
  await Deno.remove(outDir.startsWith("/") ? outDir : `${repoRoot}/${outDir}`, {
    recursive: true,
  }).catch((err) => {
    if (!(err instanceof Deno.errors.NotFound)) throw err;
  });
  const args = [
    "run",
    "--no-prompt",
    "--no-config",
    `--allow-read=${PROTO_PATH}`,
    `--allow-write=${outDir}`,
    `--allow-env=${GEN_TYPES_ENV.join(",")}`,
    GEN_TYPES,
    ...genTypesFlags(CRI_LOADER_OPTIONS),
    "--includeComments",
    "--importFileExtension=.ts",
    `--outDir=${outDir}`,
    PROTO_PATH,
  ];
  const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args,
    cwd: repoRoot,
    stdin: "null",
  }).output();
  if (code !== 0) {
    const text = new TextDecoder().decode(new Uint8Array([...stdout, ...stderr])).trim();
    throw new Error(`Cannot generate the CRI types: ${GEN_TYPES} exited with ${code}: ${text}`);
  }
}

if (import.meta.main) {
  await generateDescriptor();
  console.log(`wrote ${DESCRIPTOR_PATH}`);
  await generateTypes();
  console.log(`wrote ${TYPES_DIR}/`);
}
