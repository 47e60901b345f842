/**
 * Contract cases of the RuntimeService state machine: version and status,
 * sandbox and container lifecycles, NotFound for unknown ids, idempotent
 * stop and remove, and the configs containerd refuses.
 *
 * @module
 */

import assert from "node:assert/strict";
import { CriError, NotFoundError } from "../../../src/cri/errors.ts";
import {
  containerConfig,
  type CriContractCase,
  runContainer,
  runSandbox,
  sandboxConfig,
} from "./_target.ts";

const UNKNOWN = "0123456789abcdef".repeat(4);

async function rejectsWith(
  promise: Promise<unknown>,
  // deno-lint-ignore no-explicit-any
  kind: abstract new (...args: any[]) => CriError,
  pattern: RegExp,
  what: string,
): Promise<void> {
  await assert.rejects(promise, (e: unknown) => {
    assert.ok(e instanceof kind, `${what}: ${e} is not a ${kind.name}`);
    assert.match((e as CriError).message, pattern, what);
    return true;
  });
}

export const POD_CASES: CriContractCase[] = [
  {
    name: "version() answers runtime API v1 and status() reports RuntimeReady",
    async fn({ runtime }) {
      const v = await runtime.version();
      assert.equal(v.version, "0.1.0");
      assert.equal(v.runtimeApiVersion, "v1");
      assert.ok(v.runtimeName && v.runtimeVersion);
      const { status } = await runtime.status();
      const types = status?.conditions.map((c) => c.type) ?? [];
      assert.ok(types.includes("RuntimeReady") && types.includes("NetworkReady"), `${types}`);
      assert.equal(status?.conditions.find((c) => c.type === "RuntimeReady")?.status, true);
    },
  },
  {
    name:
      "sandbox lifecycle: READY and listed, NOTREADY after stop, gone after remove; both again succeed",
    async fn(target) {
      const { runtime } = target;
      const sandbox = await runSandbox(target, "life");
      const { status } = await runtime.podSandboxStatus(sandbox.id);
      assert.equal(status.state, "SANDBOX_READY");
      assert.deepEqual(status.metadata, sandbox.config.metadata);
      assert.equal(status.linux?.namespaces?.options?.network, "NODE");
      assert.ok(status.createdAt > 0);
      const byId = await runtime.listPodSandbox({ id: sandbox.id });
      assert.deepEqual(byId.map((s) => s.id), [sandbox.id]);
      const byLabel = await runtime.listPodSandbox({
        labelSelector: { "io.kubernetes.pod.name": "life" },
      });
      assert.deepEqual(byLabel.map((s) => s.id), [sandbox.id]);
      await runtime.stopPodSandbox(sandbox.id);
      assert.equal((await runtime.podSandboxStatus(sandbox.id)).status.state, "SANDBOX_NOTREADY");
      const ready = await runtime.listPodSandbox({
        id: sandbox.id,
        state: { state: "SANDBOX_READY" },
      });
      assert.deepEqual(ready, []);
      await runtime.stopPodSandbox(sandbox.id);
      await runtime.removePodSandbox(sandbox.id);
      assert.deepEqual(await runtime.listPodSandbox({ id: sandbox.id }), []);
      await rejectsWith(runtime.podSandboxStatus(sandbox.id), NotFoundError, /not found/, "status");
      await runtime.stopPodSandbox(sandbox.id);
      await runtime.removePodSandbox(sandbox.id);
    },
  },
  {
    name:
      "container lifecycle: CREATED, RUNNING, listed, EXITED 137 after stop(0), gone after remove",
    async fn(target) {
      const { runtime } = target;
      const sandbox = await runSandbox(target, "ctr");
      const config = containerConfig(target, "app", ["sleep", "3600"]);
      const id = await runtime.createContainer({
        podSandboxId: sandbox.id,
        config,
        sandboxConfig: sandbox.config,
      });
      let { status } = await runtime.containerStatus(id);
      assert.equal(status.state, "CONTAINER_CREATED");
      assert.deepEqual(status.metadata, config.metadata);
      assert.equal(status.logPath, `${sandbox.config.logDirectory}/app/0.log`);
      assert.equal(status.image.image, target.runImage);
      assert.match(status.imageRef, /sha256:[0-9a-f]{64}$/);
      await runtime.startContainer(id);
      status = (await runtime.containerStatus(id)).status;
      assert.equal(status.state, "CONTAINER_RUNNING");
      assert.ok(status.startedAt >= status.createdAt && status.startedAt > 0);
      await rejectsWith(
        runtime.startContainer(id),
        CriError,
        /container is in CONTAINER_RUNNING state/,
        "start twice",
      );
      const listed = await runtime.listContainers({ podSandboxId: sandbox.id });
      assert.deepEqual(listed.map((c) => [c.id, c.state]), [[id, "CONTAINER_RUNNING"]]);
      const byLabel = await runtime.listContainers({
        labelSelector: { "io.kubernetes.container.name": "app" },
        podSandboxId: sandbox.id,
      });
      assert.deepEqual(byLabel.map((c) => c.id), [id]);
      await runtime.stopContainer(id, 0);
      status = (await runtime.containerStatus(id)).status;
      assert.equal(status.state, "CONTAINER_EXITED");
      assert.equal(status.exitCode, 137);
      assert.ok(status.finishedAt >= status.startedAt);
      const running = await runtime.listContainers({
        podSandboxId: sandbox.id,
        state: { state: "CONTAINER_RUNNING" },
      });
      assert.deepEqual(running, []);
      await runtime.stopContainer(id, 0);
      await runtime.removeContainer(id);
      assert.deepEqual(await runtime.listContainers({ podSandboxId: sandbox.id }), []);
      await rejectsWith(runtime.containerStatus(id), NotFoundError, /not found/, "status");
      await runtime.removeContainer(id);
    },
  },
  {
    name: "removePodSandbox() of a sandbox with a running container removes both",
    async fn(target) {
      const { runtime } = target;
      const sandbox = await runSandbox(target, "rm");
      const id = await runContainer(target, sandbox, containerConfig(target, "app"));
      await runtime.removePodSandbox(sandbox.id);
      assert.deepEqual(await runtime.listPodSandbox({ id: sandbox.id }), []);
      await rejectsWith(runtime.containerStatus(id), NotFoundError, /not found/, "container");
    },
  },
  {
    name: "unknown ids: status, start, exec and create fail NotFound; stop and remove succeed",
    async fn(target) {
      const { runtime } = target;
      const sandbox = await runSandbox(target, "unknown");
      const calls: [string, () => Promise<unknown>][] = [
        ["containerStatus", () => runtime.containerStatus(UNKNOWN)],
        ["podSandboxStatus", () => runtime.podSandboxStatus(UNKNOWN)],
        ["startContainer", () => runtime.startContainer(UNKNOWN)],
        ["execSync", () => runtime.execSync(UNKNOWN, ["true"], { timeoutSeconds: 5 })],
        ["exec", () => runtime.exec({ containerId: UNKNOWN, cmd: ["sh"], stdout: true })],
        ["attach", () => runtime.attach({ containerId: UNKNOWN, stdout: true })],
        ["portForward", () => runtime.portForward({ podSandboxId: UNKNOWN, port: [80] })],
        ["createContainer", () =>
          runtime.createContainer({
            podSandboxId: UNKNOWN,
            config: containerConfig(target, "x"),
            sandboxConfig: sandbox.config,
          })],
        ["createContainer (unknown image)", () =>
          runtime.createContainer({
            podSandboxId: sandbox.id,
            config: containerConfig(target, "x", ["true"], {
              image: { image: "localhost/denolet/never-pulled:1" },
            }),
            sandboxConfig: sandbox.config,
          })],
      ];
      for (const [what, call] of calls) await rejectsWith(call(), NotFoundError, /not found/, what);
      await runtime.stopContainer(UNKNOWN, 0);
      await runtime.removeContainer(UNKNOWN);
      await runtime.stopPodSandbox(UNKNOWN);
      await runtime.removePodSandbox(UNKNOWN);
    },
  },
  {
    name: "runAsGroup without runAsUser is refused for sandboxes and containers",
    async fn(target) {
      const { runtime } = target;
      const refused = sandboxConfig(target, "group");
      refused.linux!.securityContext!.runAsGroup = { value: 5 };
      await rejectsWith(
        runtime.runPodSandbox(refused),
        CriError,
        /user group "5" is specified without user/,
        "runPodSandbox",
      );
      const sandbox = await runSandbox(target, "group-ok");
      const config = containerConfig(target, "app", ["true"], {
        linux: { securityContext: { runAsGroup: { value: 5 } } },
      });
      await rejectsWith(
        runtime.createContainer({
          podSandboxId: sandbox.id,
          config,
          sandboxConfig: sandbox.config,
        }),
        CriError,
        /user group "5" is specified without user/,
        "createContainer",
      );
      config.linux!.securityContext!.runAsUser = { value: 5 };
      await runtime.createContainer({
        podSandboxId: sandbox.id,
        config,
        sandboxConfig: sandbox.config,
      });
    },
  },
  {
    name: "a seccomp localhostRef is refused unless the type is Localhost and the path absolute",
    async fn(target) {
      const { runtime } = target;
      const sandbox = await runSandbox(target, "seccomp");
      const cases: [
        string,
        { profileType: "RuntimeDefault" | "Localhost"; localhostRef: string },
        RegExp,
      ][] = [
        [
          "RuntimeDefault with a ref",
          { profileType: "RuntimeDefault", localhostRef: "profile.json" },
          /LocalhostRef must only be set if ProfileType is Localhost/,
        ],
        [
          "Localhost without a ref",
          { profileType: "Localhost", localhostRef: "" },
          /cannot load seccomp profile ""/,
        ],
        [
          "Localhost with a relative ref",
          { profileType: "Localhost", localhostRef: "profiles/audit.json" },
          /cannot load seccomp profile "profiles\/audit.json"/,
        ],
      ];
      for (const [what, seccomp, pattern] of cases) {
        const config = containerConfig(target, "app", ["true"], {
          linux: { securityContext: { seccomp } },
        });
        await rejectsWith(
          runtime.createContainer({
            podSandboxId: sandbox.id,
            config,
            sandboxConfig: sandbox.config,
          }),
          CriError,
          pattern,
          what,
        );
      }
    },
  },
];
