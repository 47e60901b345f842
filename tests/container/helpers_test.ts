import assert from "node:assert/strict";
import type { Pod } from "kubernetes-types/core/v1.d.ts";
import {
  isRestartableInitContainer,
  shouldContainerBeRestarted,
} from "../../src/container/helpers.ts";
import { type ContainerState, emptyPodStatus } from "../../src/container/runtime.ts";
import { containerStatus } from "../_fixtures/container_status.ts";

function status(state?: ContainerState, exitCode = 0) {
  const s = emptyPodStatus("u1");
  if (state) {
    s.containerStatuses = [
      containerStatus({ id: "c1", name: "app", state, startedAt: 1, finishedAt: 2, exitCode }),
    ];
  }
  return s;
}

Deno.test("shouldContainerBeRestarted() follows kubelet's order of checks", async (t) => {
  const cases: [
    string,
    "Always" | "OnFailure" | "Never",
    ContainerState | undefined,
    number,
    boolean,
    boolean,
  ][] = [
    ["never ran", "Never", undefined, 0, false, true],
    ["running", "Always", "running", 0, false, false],
    ["unknown", "Never", "unknown", 0, false, true],
    ["created", "Never", "created", 0, false, true],
    ["Never, exited 1", "Never", "exited", 1, false, false],
    ["OnFailure, exited 0", "OnFailure", "exited", 0, false, false],
    ["OnFailure, exited 1", "OnFailure", "exited", 1, false, true],
    ["Always, exited 0", "Always", "exited", 0, false, true],
    ["being deleted", "Always", "exited", 1, true, false],
  ];
  for (const [name, policy, state, exitCode, deleting, want] of cases) {
    await t.step(name, () => {
      const pod: Pod = {
        metadata: {
          uid: "u1",
          ...(deleting ? { deletionTimestamp: "2026-01-01T00:00:00Z" } : {}),
        },
        spec: { containers: [{ name: "app" }], restartPolicy: policy },
      };
      assert.equal(
        shouldContainerBeRestarted({ name: "app" }, pod, status(state, exitCode)),
        want,
      );
    });
  }
});

Deno.test("isRestartableInitContainer() is true only for restartPolicy Always", () => {
  assert.equal(isRestartableInitContainer({ name: "a", restartPolicy: "Always" }), true);
  assert.equal(isRestartableInitContainer({ name: "a" }), false);
});
