/**
 * The parts of the Runtime door that only translate: the CRI's errors and
 * event messages become runtime-neutral ones, so no consumer imports src/cri.
 */
import assert from "node:assert/strict";
import { KubeRuntimeManager } from "../../src/kuberuntime/kuberuntime_manager.ts";
import { CommandTimedOutError as CriTimeout, UnimplementedError } from "../../src/cri/errors.ts";
import type { ImageService, RuntimeService } from "../../src/cri/service.ts";
import type { ContainerEventResponse } from "../../src/cri/types.ts";
import {
  CommandTimedOutError,
  EventStreamUnsupportedError,
} from "../../src/container/runtime_errors.ts";
import { FakeClock } from "../../src/util/clock.ts";

function manager(runtime: Partial<RuntimeService>): KubeRuntimeManager {
  return new KubeRuntimeManager({
    runtimeService: runtime as RuntimeService,
    imageService: {} as ImageService,
    clock: new FakeClock(),
  });
}

Deno.test("Runtime.execSync() passes output through and turns the CRI timeout into CommandTimedOutError", async () => {
  const calls: unknown[] = [];
  const ok = manager({
    execSync: (id, cmd, o) => {
      calls.push([id, cmd, o?.timeoutSeconds]);
      return Promise.resolve({
        exitCode: 3,
        stdout: new Uint8Array([104]),
        stderr: new Uint8Array(),
      });
    },
  });
  const reply = await ok.execSync("c1", ["sh", "-c", "exit 3"], { timeoutSeconds: 2 });
  assert.equal(reply.exitCode, 3);
  assert.deepEqual(calls, [["c1", ["sh", "-c", "exit 3"], 2]]);
  const slow = manager({ execSync: () => Promise.reject(new CriTimeout()) });
  await assert.rejects(slow.execSync("c1", ["sleep", "9"]), CommandTimedOutError);
});

Deno.test("Runtime.containerEvents() yields neutral events and says when the runtime has no stream", async () => {
  const cri: ContainerEventResponse = {
    containerId: "c1",
    containerEventType: "CONTAINER_STOPPED_EVENT",
    createdAt: 5_000_000_000,
    podSandboxStatus: null,
    containersStatuses: [],
  };
  const streaming = manager({
    getContainerEvents: async function* () {
      yield cri;
    },
  });
  const got = [];
  for await (const e of streaming.containerEvents(new AbortController().signal)) got.push(e);
  assert.deepEqual(got, [{
    containerId: "c1",
    type: "stopped",
    createdAt: 5000,
    podStatus: undefined,
  }]);
  const none = manager({
    getContainerEvents: async function* () {
      yield* [];
      throw new UnimplementedError("unknown service runtime.v1.RuntimeService");
    },
  });
  await assert.rejects(async () => {
    for await (const _ of none.containerEvents(new AbortController().signal)) { /* none */ }
  }, EventStreamUnsupportedError);
});
