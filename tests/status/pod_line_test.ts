import assert from "node:assert/strict";
import type { Pod } from "kubernetes-types/core/v1.d.ts";
import { formatPodLine } from "../../src/status/pod_line.ts";

const pod: Pod = {
  metadata: { name: "web-node", namespace: "default" },
  spec: { containers: [{ name: "a", image: "x" }, { name: "b", image: "x" }] },
};

Deno.test("formatPodLine() shows phase, ready count, restarts and waiting reasons", async (t) => {
  await t.step("running", () => {
    assert.equal(
      formatPodLine(pod, {
        phase: "Running",
        containerStatuses: [
          {
            name: "a",
            ready: true,
            restartCount: 2,
            image: "x",
            imageID: "",
            state: { running: {} },
          },
          {
            name: "b",
            ready: false,
            restartCount: 1,
            image: "x",
            imageID: "",
            state: { waiting: { reason: "CrashLoopBackOff" } },
          },
        ],
      }),
      "pod default/web-node  Running  ready 1/2  restarts 3  (CrashLoopBackOff)",
    );
  });
  await t.step("rejected", () => {
    assert.equal(
      formatPodLine(pod, { phase: "Failed", reason: "OutOfpods" }),
      "pod default/web-node  Failed  OutOfpods  ready 0/2  restarts 0",
    );
  });
  await t.step(
    "gone",
    () => assert.equal(formatPodLine(pod, undefined), "pod default/web-node  gone"),
  );
});
