import assert from "node:assert/strict";
import { cachingListDeserializer } from "../../src/cri/_list_item_cache.ts";
import { criMessageDefinition } from "../../src/cri/package_definition.ts";
import type { ContainerConfig, PodSandboxConfig } from "../../src/cri/types.ts";
import { withFakeRuntime } from "./_with_fake.ts";

const response = criMessageDefinition<unknown, { containers: unknown[] }>(
  "ListContainersResponse",
);

function container(id: string, state = "CONTAINER_RUNNING") {
  return {
    id,
    podSandboxId: `sb-${id}`,
    metadata: { name: `c-${id}`, attempt: 1 },
    image: { image: "busybox", annotations: { a: "1" } },
    imageRef: "sha256:abc",
    state,
    createdAt: 1_700_000_000_000_000_000,
    labels: { "io.kubernetes.pod.uid": "u1", "io.kubernetes.container.name": `c-${id}` },
    annotations: { "io.kubernetes.container.hash": "1234" },
  };
}

Deno.test("cachingListDeserializer() decodes a listing exactly as the full decoder does", async (t) => {
  const cases: Record<string, unknown> = {
    "three containers": { containers: [container("a"), container("b"), container("c")] },
    "no containers": { containers: [] },
    "a container with only defaults": { containers: [{ id: "x" }] },
    "a container without an id": { containers: [{ podSandboxId: "s" }] },
  };
  for (const [name, value] of Object.entries(cases)) {
    await t.step(name, () => {
      const decode = cachingListDeserializer("ListContainersResponse", "containers", "Container");
      const bytes = response.serialize(value);
      assert.deepEqual(decode(bytes), response.deserialize(bytes));
      // And again, served from the cache.
      assert.deepEqual(decode(bytes), response.deserialize(bytes));
    });
  }
});

Deno.test("cachingListDeserializer() reuses unchanged items and decodes changed ones again", () => {
  const decode = cachingListDeserializer("ListContainersResponse", "containers", "Container");
  const first = decode(response.serialize({
    containers: [container("a"), container("b")],
  })) as { containers: { id: string; state: string }[] };
  const second = decode(response.serialize({
    containers: [container("b"), container("a", "CONTAINER_EXITED"), container("c")],
  })) as { containers: { id: string; state: string }[] };
  assert.equal(second.containers[0], first.containers[1], "b unchanged: the same object");
  assert.notEqual(second.containers[1], first.containers[0], "a changed: decoded again");
  assert.equal(second.containers[1].state, "CONTAINER_EXITED");
  assert.deepEqual(second.containers.map((c) => c.id), ["b", "a", "c"]);
  // The cache holds one listing: an item absent from the last reply is decoded again.
  const third = decode(response.serialize({ containers: [container("b")] })) as {
    containers: unknown[];
  };
  const fourth = decode(response.serialize({ containers: [container("c")] })) as {
    containers: unknown[];
  };
  assert.equal(third.containers[0], first.containers[1]);
  assert.notEqual(fourth.containers[0], second.containers[2]);
});

Deno.test("cachingListDeserializer() hands out frozen items, so no caller can change a later listing", () => {
  const decode = cachingListDeserializer("ListContainersResponse", "containers", "Container");
  const bytes = response.serialize({ containers: [container("a")] });
  const [item] = (decode(bytes) as { containers: Record<string, Record<string, string>>[] })
    .containers;
  assert.ok(Object.isFrozen(item));
  assert.ok(Object.isFrozen(item.labels));
  assert.throws(() => {
    item.labels["io.kubernetes.pod.uid"] = "changed";
  }, TypeError);
});

Deno.test("cachingListDeserializer() leaves a malformed reply to the full decoder's error", () => {
  const decode = cachingListDeserializer("ListContainersResponse", "containers", "Container");
  const good = response.serialize({ containers: [container("a")] });
  const truncated = good.subarray(0, good.length - 5);
  assert.throws(() => response.deserialize(truncated));
  assert.throws(() => decode(truncated));
  // The good listing still decodes after it.
  assert.deepEqual(decode(good), response.deserialize(good));
});

const sandboxConfig = (uid: string): PodSandboxConfig => ({
  metadata: { name: uid, namespace: "default", uid, attempt: 0 },
  labels: { "io.kubernetes.pod.uid": uid },
});
const containerConfig: ContainerConfig = {
  metadata: { name: "app", attempt: 0 },
  image: { image: "busybox" },
  command: ["sleep", "3600"],
};

Deno.test("RemoteRuntimeService.listContainers() reuses unchanged containers across full listings only", async () => {
  await withFakeRuntime({}, async ({ runtime, dir }) => {
    const ids: string[] = [];
    for (const uid of ["u1", "u2"]) {
      const config = { ...sandboxConfig(uid), logDirectory: `${dir}/logs/${uid}` };
      const sandboxId = await runtime.runPodSandbox(config);
      const id = await runtime.createContainer({
        podSandboxId: sandboxId,
        config: {
          ...containerConfig,
          logPath: "app/0.log",
          labels: { "io.kubernetes.pod.uid": uid },
        },
        sandboxConfig: config,
      });
      await runtime.startContainer(id);
      ids.push(id);
    }
    const byId = <T extends { id: string }>(list: T[]) => new Map(list.map((c) => [c.id, c]));
    const first = byId(await runtime.listContainers());
    // A listing of one pod's containers does not replace the full listing's cache.
    const one = await runtime.listContainers({ labelSelector: { "io.kubernetes.pod.uid": "u2" } });
    assert.equal(one.length, 1);
    await runtime.stopContainer(ids[1], 0);
    const second = byId(await runtime.listContainers());
    assert.equal(second.get(ids[0]), first.get(ids[0]), "unchanged: the same object");
    assert.notEqual(second.get(ids[1]), first.get(ids[1]));
    assert.equal(second.get(ids[1])?.state, "CONTAINER_EXITED");
    // A listing filtered on the state has its own cache and the same answers.
    const running = await runtime.listContainers({ state: { state: "CONTAINER_RUNNING" } });
    assert.deepEqual(running.map((c) => c.id), [ids[0]]);
    const sandboxes = await runtime.listPodSandbox();
    assert.equal((await runtime.listPodSandbox())[0], sandboxes[0]);
  });
});
