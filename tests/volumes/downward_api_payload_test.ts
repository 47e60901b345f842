import assert from "node:assert/strict";
import type { Pod } from "kubernetes-types/core/v1.d.ts";
import { downwardAPIPayload, formatMap, goQuote } from "../../src/volumes/downward_api_payload.ts";
import { show } from "./_lookup.ts";

const pod: Pod = {
  metadata: {
    name: "web",
    namespace: "shop",
    uid: "uid-9",
    labels: { tier: "front", app: "web" },
    annotations: { "note": 'say "hi"\nbye', "empty": "" },
  },
  spec: {
    containers: [{
      name: "app",
      resources: { limits: { memory: "64Mi" }, requests: { cpu: "250m", memory: "32Mi" } },
    }],
  },
};

Deno.test("downwardAPIPayload() writes name, namespace, uid, one label and annotation", () => {
  const items = [
    { path: "name", fieldRef: { fieldPath: "metadata.name" } },
    { path: "ns", fieldRef: { fieldPath: "metadata.namespace" } },
    { path: "uid", fieldRef: { fieldPath: "metadata.uid" }, mode: 0o600 },
    { path: "tier", fieldRef: { fieldPath: "metadata.labels['tier']" } },
    { path: "note", fieldRef: { fieldPath: "metadata.annotations['note']" } },
  ];
  assert.deepEqual(show(downwardAPIPayload(pod, items)), {
    name: ["web", 0o644],
    ns: ["shop", 0o644],
    uid: ["uid-9", 0o600],
    tier: ["front", 0o644],
    note: ['say "hi"\nbye', 0o644],
  });
});

Deno.test('downwardAPIPayload() formats labels and annotations as the kubelet: sorted key="value" lines', () => {
  const items = [
    { path: "labels", fieldRef: { fieldPath: "metadata.labels" } },
    { path: "annotations", fieldRef: { fieldPath: "metadata.annotations" } },
  ];
  assert.deepEqual(show(downwardAPIPayload(pod, items, 0o444)), {
    labels: ['app="web"\ntier="front"', 0o444],
    annotations: ['empty=""\nnote="say \\"hi\\"\\nbye"', 0o444],
  });
  assert.equal(formatMap(undefined), "");
  assert.equal(
    goQuote("tab\there \\ é \x01 \u00a0 \u{1F600}"),
    '"tab\\there \\\\ é \\x01 \\u00a0 \u{1F600}"',
  );
});

Deno.test("downwardAPIPayload() resolves resourceFieldRef with divisor and node allocatable", () => {
  const items = [
    {
      path: "mem",
      resourceFieldRef: { containerName: "app", resource: "limits.memory", divisor: "1Mi" },
    },
    {
      path: "cpu",
      resourceFieldRef: { containerName: "app", resource: "requests.cpu", divisor: "1m" },
    },
    { path: "cpulimit", resourceFieldRef: { containerName: "app", resource: "limits.cpu" } },
  ];
  const env = { nodeAllocatable: { cpu: "3500m" } };
  assert.deepEqual(show(downwardAPIPayload(pod, items, undefined, env)), {
    mem: ["64", 0o644],
    cpu: ["250", 0o644],
    cpulimit: ["4", 0o644],
  });
});

Deno.test("downwardAPIPayload() refuses what a volume cannot show, naming the item", async (t) => {
  const cases: [string, object, RegExp][] = [
    [
      "env-only field",
      { path: "ip", fieldRef: { fieldPath: "status.podIP" } },
      /fieldPath "status.podIP" is not supported in a downwardAPI volume/,
    ],
    [
      "no container",
      { path: "m", resourceFieldRef: { resource: "limits.memory" } },
      /resourceFieldRef of "m" needs a containerName/,
    ],
    ["unknown container", {
      path: "m",
      resourceFieldRef: { containerName: "x", resource: "limits.memory" },
    }, /container "x" is not in the pod/],
    ["unknown resource", {
      path: "m",
      resourceFieldRef: { containerName: "app", resource: "claims.x" },
    }, /resourceFieldRef of "m": .*unsupported resource/],
    ["no source", { path: "m" }, /item "m" has neither fieldRef nor resourceFieldRef/],
  ];
  for (const [name, item, want] of cases) {
    await t.step(name, () => {
      assert.throws(() => downwardAPIPayload(pod, [item as never]), want);
    });
  }
});
