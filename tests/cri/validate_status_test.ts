import assert from "node:assert/strict";
import { InvalidResponseError } from "../../src/cri/errors.ts";
import {
  validateContainerStatus,
  validatePodSandboxStatus,
  validateVersion,
} from "../../src/cri/validate_status.ts";
import type { ContainerStatus, PodSandboxStatus } from "../../src/cri/types.ts";
import { imageSpec } from "./_messages.ts";

function sandbox(): PodSandboxStatus {
  return {
    id: "s1",
    metadata: { name: "web", namespace: "default", uid: "u1", attempt: 0 },
    state: "SANDBOX_READY",
    createdAt: 1,
    network: null,
    linux: null,
    labels: {},
    annotations: {},
    runtimeHandler: "",
  };
}

function container(): ContainerStatus {
  return {
    id: "c1",
    metadata: { name: "app", attempt: 0 },
    state: "CONTAINER_RUNNING",
    createdAt: 1,
    startedAt: 0,
    finishedAt: 0,
    exitCode: 0,
    image: imageSpec({ image: "busybox" }),
    imageRef: "sha256:1",
    reason: "",
    message: "",
    labels: {},
    annotations: {},
    mounts: [],
    logPath: "",
    resources: null,
    imageId: "",
    user: null,
  };
}

function assertMissing(fn: () => unknown, field: string) {
  assert.throws(fn, (err: unknown) => {
    assert(err instanceof InvalidResponseError);
    assert.equal(err.field, field);
    assert.match(err.message, new RegExp(`field '${field.replaceAll(".", "\\.")}' is not set`));
    return true;
  });
}

Deno.test("validatePodSandboxStatus() names the missing field", async (t) => {
  const cases: [string, (s: PodSandboxStatus) => PodSandboxStatus | null][] = [
    ["status", () => null],
    ["status.id", (s) => ({ ...s, id: "" })],
    ["status.metadata", (s) => ({ ...s, metadata: null })],
    ["status.metadata.name", (s) => ({ ...s, metadata: { ...s.metadata!, name: "" } })],
    ["status.metadata.namespace", (s) => ({ ...s, metadata: { ...s.metadata!, namespace: "" } })],
    ["status.metadata.uid", (s) => ({ ...s, metadata: { ...s.metadata!, uid: "" } })],
    ["status.createdAt", (s) => ({ ...s, createdAt: 0 })],
  ];
  for (const [field, mutate] of cases) {
    await t.step(
      field,
      () => assertMissing(() => validatePodSandboxStatus(mutate(sandbox())), field),
    );
  }
  await t.step("complete status passes", () => {
    const s = sandbox();
    assert.equal(validatePodSandboxStatus(s), s);
  });
});

Deno.test("validateContainerStatus() names the missing field", async (t) => {
  const cases: [string, (s: ContainerStatus) => ContainerStatus | null][] = [
    ["status", () => null],
    ["status.id", (s) => ({ ...s, id: "" })],
    ["status.metadata", (s) => ({ ...s, metadata: null })],
    ["status.metadata.name", (s) => ({ ...s, metadata: { name: "", attempt: 0 } })],
    ["status.createdAt", (s) => ({ ...s, createdAt: 0 })],
    ["status.image", (s) => ({ ...s, image: null })],
    ["status.image.image", (s) => ({ ...s, image: imageSpec({ image: "" }) })],
    ["status.imageRef", (s) => ({ ...s, imageRef: "" })],
  ];
  for (const [field, mutate] of cases) {
    await t.step(
      field,
      () => assertMissing(() => validateContainerStatus(mutate(container())), field),
    );
  }
  await t.step("complete status passes", () => {
    const s = container();
    assert.equal(validateContainerStatus(s), s);
  });
});

Deno.test("validateVersion() requires all four fields", async (t) => {
  const full = {
    version: "0.1.0",
    runtimeName: "containerd",
    runtimeVersion: "1.6.20",
    runtimeApiVersion: "v1",
  };
  for (const field of ["version", "runtimeName", "runtimeVersion", "runtimeApiVersion"] as const) {
    await t.step(
      field,
      () => assertMissing(() => validateVersion({ ...full, [field]: "" }), field),
    );
  }
  assert.deepStrictEqual(validateVersion(full), full);
});
