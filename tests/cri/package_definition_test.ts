import assert from "node:assert/strict";
import * as protoLoader from "@grpc/proto-loader";
import descriptor from "../../src/cri/runtime_v1_descriptor.json" with { type: "json" };
import { CRI_LOADER_OPTIONS } from "../../src/cri/loader_options.ts";
import {
  criMessageDefinition,
  IMAGE_SERVICE_NAME,
  imageServiceDefinition,
  RUNTIME_SERVICE_NAME,
  runtimeServiceDefinition,
} from "../../src/cri/package_definition.ts";

/** What proto-loader's fromJSON makes of the same descriptor: the reference. */
const reference = protoLoader.fromJSON(
  descriptor as unknown as Parameters<typeof protoLoader.fromJSON>[0],
  CRI_LOADER_OPTIONS,
);

interface MethodLike {
  path: string;
  requestStream: boolean;
  responseStream: boolean;
  originalName?: string;
  requestSerialize(v: unknown): Uint8Array;
  requestDeserialize(b: Uint8Array): unknown;
  responseSerialize(v: unknown): Uint8Array;
  responseDeserialize(b: Uint8Array): unknown;
}

const SAMPLE_REQUEST = {
  config: {
    metadata: { name: "p", uid: "u1", namespace: "default", attempt: 2 },
    labels: { a: "b" },
    linux: { securityContext: { namespaceOptions: { network: "NODE" } } },
  },
  runtimeHandler: "",
};

Deno.test("the CRI service definitions match what @grpc/proto-loader's fromJSON makes, without its reflection descriptors", async (t) => {
  for (
    const [name, ours] of [
      [RUNTIME_SERVICE_NAME, runtimeServiceDefinition],
      [IMAGE_SERVICE_NAME, imageServiceDefinition],
    ] as const
  ) {
    await t.step(name, () => {
      const theirs = reference[name] as unknown as Record<string, MethodLike>;
      const mine = ours as unknown as Record<string, MethodLike>;
      assert.deepEqual(Object.keys(mine).sort(), Object.keys(theirs).sort());
      for (const [method, ref] of Object.entries(theirs)) {
        const m = mine[method];
        assert.deepEqual(
          [m.path, m.requestStream, m.responseStream, m.originalName],
          [ref.path, ref.requestStream, ref.responseStream, ref.originalName],
          method,
        );
        // Empty messages decode alike: every default filled in the same way.
        assert.deepEqual(
          m.requestDeserialize(new Uint8Array()),
          ref.requestDeserialize(new Uint8Array()),
        );
        assert.deepEqual(
          m.responseDeserialize(new Uint8Array()),
          ref.responseDeserialize(new Uint8Array()),
        );
        assert.equal("requestType" in m, false, "no reflection descriptors are built");
      }
    });
  }
  await t.step("a populated RunPodSandboxRequest encodes and decodes byte for byte alike", () => {
    const ours = runtimeServiceDefinition.RunPodSandbox as unknown as MethodLike;
    const ref = (reference[RUNTIME_SERVICE_NAME] as unknown as Record<string, MethodLike>)
      .RunPodSandbox;
    const bytes = ours.requestSerialize(SAMPLE_REQUEST);
    assert.deepEqual([...bytes], [...ref.requestSerialize(SAMPLE_REQUEST)]);
    assert.deepEqual(ours.requestDeserialize(bytes), ref.requestDeserialize(bytes));
  });
});

Deno.test("criMessageDefinition() decodes a message with every default filled in, and throws TypeError for an unknown name", () => {
  const spec = criMessageDefinition<unknown, Record<string, unknown>>("ImageSpec")
    .deserialize(new Uint8Array());
  assert.deepEqual(spec, {
    image: "",
    annotations: {},
    userSpecifiedImage: "",
    runtimeHandler: "",
    imageRef: "",
  });
  assert.throws(() => criMessageDefinition("NoSuchMessage"), TypeError);
});
