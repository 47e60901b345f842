import assert from "node:assert/strict";
import { runtimeServiceDefinition } from "../../src/cri/package_definition.ts";
import { listView, withCachedListEncoding } from "../../src/cri/fake/_list_encoding.ts";
import type { Container__Output } from "../../src/cri/generated/runtime/v1/Container.ts";

const plain = runtimeServiceDefinition.ListContainers;
const cached = withCachedListEncoding(runtimeServiceDefinition).ListContainers;

interface Rec {
  id: string;
  state: Container__Output["state"];
}

const view = (r: Rec): Container__Output => ({
  id: r.id,
  podSandboxId: "s1",
  metadata: { name: `c-${r.id}`, attempt: 0 },
  image: {
    image: "busybox",
    annotations: {},
    userSpecifiedImage: "",
    runtimeHandler: "",
    imageRef: "",
  },
  imageRef: "sha256:1",
  state: r.state,
  createdAt: 1_700_000_000_000_000_000,
  labels: { "io.kubernetes.pod.uid": "u1" },
  annotations: {},
  imageId: "sha256:1",
});

Deno.test("withCachedListEncoding() encodes ListContainers replies byte for byte as the CRI definition does", () => {
  const cache = new WeakMap<Rec, { key: unknown; view: Container__Output }>();
  const recs: Rec[] = [
    { id: "a", state: "CONTAINER_RUNNING" },
    { id: "b".repeat(200), state: "CONTAINER_CREATED" },
  ];
  const reply = () => ({ containers: recs.map((r) => listView(cache, r, r.state, view)) });
  const first = reply();
  assert.deepEqual(cached.responseSerialize(first), plain.responseSerialize(first));
  assert.equal(reply().containers[0], first.containers[0], "one view while the state stays");
  assert.deepEqual(cached.responseSerialize(reply()), plain.responseSerialize(first), "cached");
  recs[0].state = "CONTAINER_EXITED";
  const second = reply();
  assert.notEqual(second.containers[0], first.containers[0]);
  const decoded = plain.responseDeserialize(cached.responseSerialize(second)) as {
    containers: Container__Output[];
  };
  assert.deepEqual(decoded.containers.map((c) => [c.id.length, c.state]), [
    [1, "CONTAINER_EXITED"],
    [200, "CONTAINER_CREATED"],
  ]);
  assert.deepEqual(cached.responseSerialize({ containers: [] }).length, 0);
});

Deno.test("withCachedListEncoding() does not cache an item that is not a frozen view", () => {
  const item = view({ id: "a", state: "CONTAINER_RUNNING" });
  const before = cached.responseSerialize({ containers: [item] });
  item.state = "CONTAINER_EXITED";
  assert.deepEqual(
    cached.responseSerialize({ containers: [item] }),
    plain.responseSerialize({ containers: [item] }),
  );
  assert.notDeepEqual(before, cached.responseSerialize({ containers: [item] }));
});
