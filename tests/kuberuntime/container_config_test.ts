import assert from "node:assert/strict";
import type { Container } from "kubernetes-types/core/v1.d.ts";
import {
  containerLogPath,
  generateContainerConfig,
  linuxResources,
  linuxSecurityContext,
} from "../../src/kuberuntime/container_config.ts";
import { ContainerConfigError } from "../../src/kuberuntime/container_env.ts";
import { makePod } from "./_helpers.ts";

Deno.test("linuxResources() converts requests and limits like the kubelet", async (t) => {
  await t.step("cpu request and limit, memory limit", () => {
    const c: Container = {
      name: "a",
      resources: { requests: { cpu: "250m" }, limits: { cpu: "500m", memory: "64Mi" } },
    };
    assert.deepEqual(linuxResources(c), {
      cpuShares: 256,
      cpuQuota: 50000,
      cpuPeriod: 100000,
      memoryLimitInBytes: 67108864,
    });
  });
  await t.step("limit only: shares from the limit", () => {
    assert.deepEqual(linuxResources({ name: "a", resources: { limits: { cpu: "1" } } }), {
      cpuShares: 1024,
      cpuQuota: 100000,
      cpuPeriod: 100000,
    });
  });
  await t.step("nothing: minimum shares", () => {
    assert.deepEqual(linuxResources({ name: "a" }), { cpuShares: 2 });
  });
  await t.step("tiny limit: quota floor 1000", () => {
    assert.equal(
      linuxResources({ name: "a", resources: { limits: { cpu: "1m" } } }).cpuQuota,
      1000,
    );
  });
});

Deno.test("linuxSecurityContext() maps the basic security context", () => {
  const c: Container = {
    name: "a",
    securityContext: {
      runAsGroup: 2000,
      privileged: true,
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
      capabilities: { add: ["NET_ADMIN"], drop: ["ALL"] },
    },
  };
  const pod = makePod([c], { securityContext: { runAsUser: 1000, supplementalGroups: [5] } });
  assert.deepEqual(linuxSecurityContext(pod, c), {
    privileged: true,
    readonlyRootfs: true,
    noNewPrivs: true,
    namespaceOptions: { network: "POD", pid: "CONTAINER", ipc: "POD" },
    runAsUser: { value: 1000 },
    runAsGroup: { value: 2000 },
    supplementalGroups: [5],
    capabilities: { addCapabilities: ["NET_ADMIN"], dropCapabilities: ["ALL"] },
  });
  const plain = linuxSecurityContext(makePod([{ name: "b" }], { hostPID: true }), { name: "b" });
  assert.equal(plain.noNewPrivs, false);
  assert.equal(plain.namespaceOptions?.pid, "NODE");
});

Deno.test("linuxSecurityContext() rejects root with runAsNonRoot", () => {
  const c: Container = { name: "a", securityContext: { runAsNonRoot: true, runAsUser: 0 } };
  assert.throws(() => linuxSecurityContext(makePod([c]), c), ContainerConfigError);
});

Deno.test("generateContainerConfig() builds the CRI config with kubelet labels and log path", () => {
  const c: Container = {
    name: "app",
    image: "busybox",
    command: ["sh", "-c"],
    args: ["echo $(GREETING)"],
    workingDir: "/work",
    env: [{ name: "GREETING", value: "hi" }],
    terminationMessagePath: "/dev/termination-log",
    terminationMessagePolicy: "File",
  };
  const cfg = generateContainerConfig(makePod([c]), c, {
    imageRef: "sha256:abc",
    restartCount: 2,
    hash: "f00",
    mounts: [{ containerPath: "/data", hostPath: "/tmp/x" }],
  });
  assert.deepEqual(cfg.metadata, { name: "app", attempt: 2 });
  assert.deepEqual(cfg.image, { image: "sha256:abc", userSpecifiedImage: "busybox" });
  assert.deepEqual(cfg.command, ["sh", "-c"]);
  assert.deepEqual(cfg.args, ["echo hi"]);
  assert.equal(cfg.workingDir, "/work");
  assert.deepEqual(cfg.envs, [{ key: "GREETING", value: "hi" }]);
  assert.equal(cfg.logPath, "app/2.log");
  assert.equal(containerLogPath("x", 0), "x/0.log");
  assert.equal(cfg.labels?.["io.kubernetes.container.name"], "app");
  assert.equal(cfg.annotations?.["io.kubernetes.container.hash"], "f00");
  assert.equal(cfg.annotations?.["io.kubernetes.container.restartCount"], "2");
  assert.deepEqual(cfg.mounts, [{ containerPath: "/data", hostPath: "/tmp/x" }]);
});
