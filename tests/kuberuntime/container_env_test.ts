import assert from "node:assert/strict";
import type { Container } from "kubernetes-types/core/v1.d.ts";
import {
  ContainerConfigError,
  expandCommandAndArgs,
  expandVars,
  makeEnvironment,
} from "../../src/kuberuntime/container_env.ts";
import { makePod } from "./_helpers.ts";

Deno.test("expandVars() follows the kubelet's $(VAR) rules", async (t) => {
  const vars: Record<string, string> = { A: "x", B: "y", EMPTY: "" };
  const lookup = (n: string) => vars[n];
  const cases: [string, string][] = [
    ["$(A)", "x"],
    ["pre-$(A)-$(B)-post", "pre-x-y-post"],
    ["$$(A)", "$(A)"],
    ["$$$(A)", "$x"],
    ["$(MISSING)", "$(MISSING)"],
    ["$(A", "$(A"],
    ["$A", "$A"],
    ["cost $", "cost $"],
    ["$(EMPTY)z", "z"],
    ["$()", "$()"],
    ["no refs", "no refs"],
  ];
  for (const [input, want] of cases) {
    await t.step(JSON.stringify(input), () => assert.equal(expandVars(input, lookup), want));
  }
});

Deno.test("makeEnvironment() resolves values, fieldRef and resourceFieldRef in order", () => {
  const c: Container = {
    name: "app",
    image: "x",
    resources: { limits: { cpu: "500m", memory: "128Mi" }, requests: { cpu: "250m" } },
    env: [
      { name: "NAME", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } },
      { name: "NS", valueFrom: { fieldRef: { fieldPath: "metadata.namespace" } } },
      { name: "UID", valueFrom: { fieldRef: { fieldPath: "metadata.uid" } } },
      { name: "IP", valueFrom: { fieldRef: { fieldPath: "status.podIP" } } },
      { name: "NODE", valueFrom: { fieldRef: { fieldPath: "spec.nodeName" } } },
      { name: "APP", valueFrom: { fieldRef: { fieldPath: "metadata.labels['app']" } } },
      { name: "CPU", valueFrom: { resourceFieldRef: { resource: "limits.cpu" } } },
      {
        name: "CPU_M",
        valueFrom: { resourceFieldRef: { resource: "requests.cpu", divisor: "1m" } },
      },
      {
        name: "MEM_MI",
        valueFrom: { resourceFieldRef: { resource: "limits.memory", divisor: "1Mi" } },
      },
      {
        name: "NODE_MEM",
        valueFrom: { resourceFieldRef: { resource: "limits.ephemeral-storage" } },
      },
      { name: "GREETING", value: "hi $(NAME) in $(NS), $(NOPE)" },
      { name: "NAME", value: "override" },
    ],
  };
  const base = makePod([c]);
  const pod = { ...base, metadata: { ...base.metadata, labels: { app: "shop" } } };
  const env = makeEnvironment(pod, c, {
    podIps: ["10.1.2.3"],
    nodeName: "node-a",
    nodeAllocatable: { "ephemeral-storage": "1Gi" },
  });
  assert.deepEqual(Object.fromEntries(env.map((e) => [e.key, e.value])), {
    NAME: "override",
    NS: "default",
    UID: "uid-1",
    IP: "10.1.2.3",
    NODE: "node-a",
    APP: "shop",
    CPU: "1",
    CPU_M: "250",
    MEM_MI: "128",
    NODE_MEM: "1073741824",
    GREETING: "hi web in default, $(NOPE)",
  });
});

Deno.test("makeEnvironment() refuses ConfigMap and Secret sources unless optional", () => {
  const c: Container = {
    name: "app",
    env: [{ name: "X", valueFrom: { configMapKeyRef: { name: "cfg", key: "k" } } }],
  };
  assert.throws(() => makeEnvironment(makePod([c]), c), ContainerConfigError);
  const optional: Container = {
    name: "app",
    env: [{ name: "X", valueFrom: { secretKeyRef: { name: "s", key: "k", optional: true } } }],
    envFrom: [{ configMapRef: { name: "c", optional: true } }],
  };
  assert.deepEqual(makeEnvironment(makePod([optional]), optional), []);
});

Deno.test("expandCommandAndArgs() expands against the container's environment", () => {
  const c: Container = {
    name: "app",
    command: ["sh", "-c", "echo $(MSG)"],
    args: ["$(MSG)", "$$(MSG)", "$(UNSET)"],
  };
  const r = expandCommandAndArgs(c, [{ key: "MSG", value: "hello" }]);
  assert.deepEqual(r, {
    command: ["sh", "-c", "echo hello"],
    args: ["hello", "$(MSG)", "$(UNSET)"],
  });
});
