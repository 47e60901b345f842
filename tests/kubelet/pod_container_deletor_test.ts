import assert from "node:assert/strict";
import type { ContainerStatus, PodStatus } from "../../src/container/runtime.ts";
import {
  deadContainersToRemove,
  PodContainerDeletor,
} from "../../src/kubelet/pod_container_deletor.ts";

function c(id: string, name: string, state: ContainerStatus["state"], createdAt: number) {
  return { id, name, state, createdAt } as ContainerStatus;
}

const status: PodStatus = {
  uid: "u",
  name: "p",
  namespace: "default",
  ips: [],
  sandboxStatuses: [],
  timestamp: 0,
  containerStatuses: [
    c("web-3", "web", "running", 40),
    c("web-2", "web", "exited", 30),
    c("side-0", "side", "exited", 25),
    c("web-1", "web", "exited", 20),
    c("web-0", "web", "exited", 10),
  ],
};

Deno.test("deadContainersToRemove() keeps the newest dead instances of the died container's name", async (t) => {
  const cases: [string, number, string[]][] = [
    ["keep 1", 1, ["web-1", "web-0"]],
    ["keep 2", 2, ["web-0"]],
    ["keep 0 still keeps the newest dead one", 0, ["web-1", "web-0"]],
    ["keep 5", 5, []],
  ];
  for (const [name, keep, want] of cases) {
    await t.step(name, () => assert.deepEqual(deadContainersToRemove(status, "web-2", keep), want));
  }
  assert.deepEqual(deadContainersToRemove(status, "side-0", 1), [], "other names untouched");
  assert.deepEqual(deadContainersToRemove(status, "gone", 1), [], "unknown id");
});

Deno.test("PodContainerDeletor removes each surplus instance once and goes on after a failure", async () => {
  const removed: string[] = [];
  const deletor = new PodContainerDeletor({
    keep: 1,
    removeContainer: (id) => {
      removed.push(id);
      return id === "web-1" ? Promise.reject(new Error("busy")) : Promise.resolve();
    },
  });
  const first = deletor.deleteDeadContainers(status, "web-2");
  const again = deletor.deleteDeadContainers(status, "web-2");
  await Promise.all([first, again]);
  assert.deepEqual(removed, ["web-1", "web-0"]);
});
