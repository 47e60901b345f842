import assert from "node:assert/strict";
import {
  CONFIG_HASH_ANNOTATION,
  CONFIG_MIRROR_ANNOTATION,
  CONFIG_SEEN_ANNOTATION,
  CONFIG_SOURCE_ANNOTATION,
  isMirrorPod,
  isStaticPod,
  podFullName,
  podSource,
} from "../../src/api/pod_helpers.ts";
import type { Pod } from "../../src/api/types.ts";

function pod(annotations?: Record<string, string>): Pod {
  return { metadata: { name: "web-node1", namespace: "kube-system", annotations } };
}

Deno.test("annotation constants use the kubelet's keys", () => {
  assert.equal(CONFIG_SOURCE_ANNOTATION, "kubernetes.io/config.source");
  assert.equal(CONFIG_HASH_ANNOTATION, "kubernetes.io/config.hash");
  assert.equal(CONFIG_SEEN_ANNOTATION, "kubernetes.io/config.seen");
  assert.equal(CONFIG_MIRROR_ANNOTATION, "kubernetes.io/config.mirror");
});

Deno.test("podFullName() joins name and namespace with '_'", () => {
  assert.equal(podFullName(pod()), "web-node1_kube-system");
  assert.equal(podFullName({}), "_");
});

Deno.test("podSource() reads the config.source annotation", () => {
  assert.equal(podSource(pod({ [CONFIG_SOURCE_ANNOTATION]: "file" })), "file");
  assert.equal(podSource(pod()), undefined);
});

Deno.test("isStaticPod() is true for a source other than the API server", async (t) => {
  const cases: [source: string | undefined, expected: boolean][] = [
    ["file", true],
    ["http", true],
    ["api", false],
    [undefined, false],
  ];
  for (const [source, expected] of cases) {
    await t.step(String(source), () => {
      const annotations = source === undefined ? undefined : { [CONFIG_SOURCE_ANNOTATION]: source };
      assert.equal(isStaticPod(pod(annotations)), expected);
    });
  }
});

Deno.test("isMirrorPod() is true when the config.mirror annotation is present", () => {
  assert.equal(isMirrorPod(pod({ [CONFIG_MIRROR_ANNOTATION]: "abc" })), true);
  assert.equal(isMirrorPod(pod()), false);
});
