import assert from "node:assert/strict";
import { type ContainerStatus, emptyPodStatus } from "../../src/container/runtime.ts";
import { runtimeStatusSource } from "../../src/prober/status_source.ts";
import { containerStatus } from "../_fixtures/container_status.ts";

function cs(
  id: string,
  state: ContainerStatus["state"],
  createdAt: number,
  startedAt = 0,
): ContainerStatus {
  return containerStatus({ id, state, createdAt, startedAt });
}

Deno.test("runtimeStatusSource() maps the newest runtime instance and the pod IP", async (t) => {
  const status = emptyPodStatus("u1", "p", "default");
  status.ips = ["10.1.0.7"];
  status.containerStatuses = [cs("old", "exited", 1), cs("new", "running", 2, 1500)];
  const source = runtimeStatusSource({ get: () => ({ status }) });
  await t.step("running", () => {
    assert.deepEqual(source.getContainerStatus("u1", "web"), {
      containerId: "new",
      state: "running",
      startedAt: 1500,
    });
    assert.equal(source.getPodIP?.("u1"), "10.1.0.7");
  });
  await t.step("exited and created", () => {
    status.containerStatuses = [cs("a", "exited", 3)];
    assert.equal(source.getContainerStatus("u1", "web")?.state, "terminated");
    status.containerStatuses = [cs("b", "created", 4)];
    assert.equal(source.getContainerStatus("u1", "web")?.state, "waiting");
  });
  await t.step("unknown container and no IP", () => {
    assert.equal(source.getContainerStatus("u1", "db"), undefined);
    status.ips = [];
    assert.equal(source.getPodIP?.("u1"), undefined);
  });
});
