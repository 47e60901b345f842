import assert from "node:assert/strict";
import type { ContainerStatus } from "../../src/cri/types.ts";
import { readTerminationMessage } from "../../src/kuberuntime/termination_message.ts";
import { imageSpec, mount } from "../cri/_messages.ts";

function status(overrides: Partial<ContainerStatus>): ContainerStatus {
  return {
    id: "c1",
    metadata: { name: "app", attempt: 0 },
    state: "CONTAINER_EXITED",
    createdAt: 1,
    startedAt: 1,
    finishedAt: 2,
    exitCode: 1,
    image: imageSpec({ image: "x" }),
    imageRef: "x",
    reason: "Error",
    message: "",
    labels: {},
    annotations: {
      "io.kubernetes.container.terminationMessagePath": "/dev/termination-log",
      "io.kubernetes.container.terminationMessagePolicy": "FallbackToLogsOnError",
    },
    mounts: [],
    logPath: "",
    resources: null,
    imageId: "",
    user: null,
    ...overrides,
  };
}

Deno.test("readTerminationMessage() prefers the file, then falls back to the log tail", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const file = `${dir}/msg`;
    await Deno.writeTextFile(file, "x".repeat(5000));
    const mounts = [mount({ containerPath: "/dev/termination-log", hostPath: file })];
    assert.equal((await readTerminationMessage(status({ mounts }), dir)).length, 4096);

    await Deno.writeTextFile(file, "");
    const lines = Array.from(
      { length: 100 },
      (_, i) => `2026-01-01T00:00:00.000Z stderr F line ${i}`,
    );
    await Deno.writeTextFile(`${dir}/0.log`, lines.join("\n") + "\n");
    const fromLog = await readTerminationMessage(status({ mounts, logPath: `${dir}/0.log` }), dir);
    assert.equal(fromLog.split("\n").length, 80);
    assert.equal(fromLog.split("\n")[0], "line 20");
    assert.ok(fromLog.endsWith("line 99"));

    const success = status({ mounts, logPath: `${dir}/0.log`, exitCode: 0 });
    assert.equal(await readTerminationMessage(success, dir), "", "no fallback on success");
    const filePolicy = status({
      mounts,
      logPath: `${dir}/0.log`,
      annotations: { "io.kubernetes.container.terminationMessagePath": "/dev/termination-log" },
    });
    assert.equal(await readTerminationMessage(filePolicy, dir), "");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
