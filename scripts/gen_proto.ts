/**
 * Regenerates `src/cri/runtime_v1_descriptor.json` from `proto/api.proto`.
 *
 * The CRI client loads the descriptor as a JSON module, so no `.proto` file
 * is read at run time and the client works inside `deno compile` binaries.
 *
 * Field names are converted to camelCase here, at parse time: proto-loader's
 * `fromJSON()` uses the names found in the descriptor as they are (its
 * `keepCase` option only applies when it parses a `.proto` itself), and the
 * client's TypeScript types (src/cri/types.ts) are camelCase. Field numbers
 * and types, which are all the wire format depends on, are unchanged.
 *
 * Run: `deno run --allow-read=proto --allow-write=src/cri scripts/gen_proto.ts`
 *
 * @module
 */

import protobuf from "protobufjs";

/** The proto file, relative to the repository root. */
export const PROTO_PATH = "proto/api.proto";
/** The generated descriptor, relative to the repository root. */
export const DESCRIPTOR_PATH = "src/cri/runtime_v1_descriptor.json";

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

if (import.meta.main) {
  await generateDescriptor();
  console.log(`wrote ${DESCRIPTOR_PATH}`);
}
