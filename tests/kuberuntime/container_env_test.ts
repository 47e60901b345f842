import assert from "node:assert/strict";
import type { Container } from "kubernetes-types/core/v1.d.ts";
import {
  ContainerConfigError,
  expandCommandAndArgs,
  expandVars,
  makeEnvironment,
} from "../../src/kuberuntime/container_env.ts";
import type { EnvWarning } from "../../src/kuberuntime/container_env.ts";
import { makePod } from "./_helpers.ts";
import { b64, configMap, MapLookup, secret } from "./_objects.ts";

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

Deno.test("makeEnvironment() without a lookup: references are NotFound unless optional", () => {
  const c: Container = {
    name: "app",
    env: [{ name: "X", valueFrom: { configMapKeyRef: { name: "cfg", key: "k" } } }],
  };
  assert.throws(() => makeEnvironment(makePod([c]), c), {
    name: "ContainerConfigError",
    message:
      'configmap "cfg" not found (standalone: only ConfigMaps and Secrets in the static pod directory)',
  });
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

/** The environment as an object, for comparisons. */
function envOf(c: Container, objects: MapLookup, warnings: EnvWarning[] = []) {
  const env = makeEnvironment(makePod([c]), c, { objects, onWarning: (w) => warnings.push(w) });
  return Object.fromEntries(env.map((e) => [e.key, e.value]));
}

function refs(
  env: { name: string; kind: "configMapKeyRef" | "secretKeyRef"; ref: string; key: string }[],
  optional?: boolean,
): Container {
  return {
    name: "app",
    env: env.map((e) => ({
      name: e.name,
      valueFrom: { [e.kind]: { name: e.ref, key: e.key, ...(optional ? { optional } : {}) } },
    })),
  };
}

Deno.test("makeEnvironment() reads configMapKeyRef and secretKeyRef from the lookup", () => {
  const objects = new MapLookup([
    configMap("app", { LOG: "debug" }),
    secret("db", { PASSWORD: "pä$$ wörd\n" }),
  ]);
  const c: Container = {
    ...refs([
      { name: "LOG_LEVEL", kind: "configMapKeyRef", ref: "app", key: "LOG" },
      { name: "DB_PASSWORD", kind: "secretKeyRef", ref: "db", key: "PASSWORD" },
    ]),
  };
  c.env!.push({ name: "DSN", value: "db://u:$(DB_PASSWORD)@h?log=$(LOG_LEVEL)" });
  assert.deepEqual(envOf(c, objects), {
    LOG_LEVEL: "debug",
    DB_PASSWORD: "pä$$ wörd\n",
    DSN: "db://u:pä$$ wörd\n@h?log=debug",
  });
});

Deno.test("makeEnvironment() fails on a missing object or key with the kubelet's messages", async (t) => {
  const objects = new MapLookup([configMap("app", { LOG: "debug" }), secret("db", { USER: "u" })]);
  const cases: [string, Container, string][] = [
    [
      "missing ConfigMap",
      refs([{ name: "X", kind: "configMapKeyRef", ref: "nope", key: "LOG" }]),
      'configmap "nope" not found',
    ],
    [
      "missing ConfigMap key",
      refs([{ name: "X", kind: "configMapKeyRef", ref: "app", key: "LEVEL" }]),
      "couldn't find key LEVEL in ConfigMap default/app",
    ],
    [
      "missing Secret",
      refs([{ name: "X", kind: "secretKeyRef", ref: "nope", key: "PASSWORD" }]),
      'secret "nope" not found',
    ],
    [
      "missing Secret key",
      refs([{ name: "X", kind: "secretKeyRef", ref: "db", key: "PASSWORD" }]),
      "couldn't find key PASSWORD in Secret default/db",
    ],
    [
      "missing envFrom ConfigMap",
      { name: "app", envFrom: [{ configMapRef: { name: "nope" } }] },
      'configmap "nope" not found',
    ],
    [
      "missing envFrom Secret",
      { name: "app", envFrom: [{ secretRef: { name: "nope" } }] },
      'secret "nope" not found',
    ],
  ];
  for (const [name, c, message] of cases) {
    await t.step(name, () => {
      assert.throws(() => envOf(c, objects), { name: "ContainerConfigError", message });
    });
  }
});

Deno.test("makeEnvironment() skips optional references whose object or key is missing", () => {
  const objects = new MapLookup([configMap("app", { LOG: "debug" }), secret("db", { USER: "u" })]);
  const c = refs([
    { name: "A", kind: "configMapKeyRef", ref: "nope", key: "LOG" },
    { name: "B", kind: "configMapKeyRef", ref: "app", key: "LEVEL" },
    { name: "C", kind: "secretKeyRef", ref: "nope", key: "PASSWORD" },
    { name: "LOG", kind: "secretKeyRef", ref: "db", key: "PASSWORD" },
  ], true);
  c.envFrom = [
    { configMapRef: { name: "app" } },
    { configMapRef: { name: "gone", optional: true } },
    { secretRef: { name: "gone", optional: true } },
  ];
  // The optional LOG that did not resolve leaves envFrom's LOG in place.
  assert.deepEqual(envOf(c, objects), { LOG: "debug" });
});

Deno.test("makeEnvironment() decodes Secret data as base64 UTF-8 and names the key when it cannot", async (t) => {
  const raw = (data: Record<string, string>) =>
    new MapLookup([{ kind: "Secret", metadata: { name: "db", namespace: "default" }, data }]);
  const c = refs([{ name: "P", kind: "secretKeyRef", ref: "db", key: "PASSWORD" }]);
  await t.step("padded base64 with line breaks", () => {
    const wrapped = b64("a long enough secret value").replace(/(.{8})/g, "$1\r\n");
    assert.deepEqual(envOf(c, raw({ PASSWORD: wrapped })), { P: "a long enough secret value" });
  });
  const bad: [string, string, string][] = [
    ["not base64", "s3cr3t-not-base64!", "not base64"],
    ["missing padding", "YWJjZA", "not base64"],
    ["not UTF-8", btoa("\xff\xfe"), "not UTF-8 text"],
  ];
  for (const [name, value, why] of bad) {
    await t.step(name, () => {
      assert.throws(() => envOf(c, raw({ PASSWORD: value })), {
        name: "ContainerConfigError",
        message: `couldn't decode key PASSWORD in Secret default/db: ${why}`,
      });
    });
  }
  await t.step("stringData (a manifest's plain values) wins over data", () => {
    const objects = new MapLookup([{
      kind: "Secret",
      metadata: { name: "db", namespace: "default" },
      data: { PASSWORD: b64("old") },
      stringData: { PASSWORD: "plain" },
    }]);
    assert.deepEqual(envOf(c, objects), { P: "plain" });
  });
});

Deno.test("makeEnvironment() envFrom: prefix, envFrom before env, env overrides", () => {
  const objects = new MapLookup([
    configMap("app", { LOG: "debug", MODE: "fast" }),
    secret("db", { USER: "admin", PASSWORD: "pw" }),
  ]);
  const c: Container = {
    name: "app",
    envFrom: [{ configMapRef: { name: "app" } }, { prefix: "DB_", secretRef: { name: "db" } }],
    env: [
      { name: "MODE", value: "slow" },
      { name: "URL", value: "$(DB_USER)@$(LOG)" },
    ],
  };
  const env = makeEnvironment(makePod([c]), c, { objects });
  assert.deepEqual(env, [
    { key: "LOG", value: "debug" },
    { key: "MODE", value: "slow" },
    { key: "DB_USER", value: "admin" },
    { key: "DB_PASSWORD", value: "pw" },
    { key: "URL", value: "admin@debug" },
  ]);
});

Deno.test("makeEnvironment() envFrom skips invalid names with the kubelet's warning", () => {
  const objects = new MapLookup([
    configMap("app", { "b=1": "x", GOOD: "y", "a=2": "z", "": "e" }),
    {
      kind: "Secret",
      metadata: { name: "db", namespace: "default" },
      data: { "tab\tkey": b64("v"), OK: b64("w") },
    },
  ]);
  const c: Container = {
    name: "app",
    envFrom: [{ configMapRef: { name: "app" } }, { prefix: "S_", secretRef: { name: "db" } }],
  };
  const warnings: EnvWarning[] = [];
  assert.deepEqual(envOf(c, objects, warnings), { GOOD: "y", S_OK: "w" });
  assert.deepEqual(warnings, [
    {
      reason: "InvalidEnvironmentVariableNames",
      message:
        "Keys [, a=2, b=1] from the EnvFrom configMap default/app were skipped since they are considered invalid environment variable names.",
    },
    {
      reason: "InvalidEnvironmentVariableNames",
      message:
        "Keys [S_tab\tkey] from the EnvFrom secret default/db were skipped since they are considered invalid environment variable names.",
    },
  ]);
});

Deno.test("makeEnvironment() fails, even for optional references, when an object cannot be read", async (t) => {
  const objects = new MapLookup([configMap("app", { LOG: "debug" })]);
  objects.unavailable.add("app");
  const cases: [string, Container][] = [
    ["configMapKeyRef", refs([{ name: "X", kind: "configMapKeyRef", ref: "app", key: "LOG" }])],
    [
      "optional configMapKeyRef",
      refs([{ name: "X", kind: "configMapKeyRef", ref: "app", key: "LOG" }], true),
    ],
    ["envFrom", { name: "app", envFrom: [{ configMapRef: { name: "app", optional: true } }] }],
  ];
  for (const [name, c] of cases) {
    await t.step(name, () => {
      assert.throws(() => envOf(c, objects), {
        name: "ContainerConfigError",
        message: "Cannot read ConfigMap default/app: the API server is unreachable",
      });
    });
  }
  await t.step("a lookup failing otherwise is named the same way", () => {
    const broken = {
      configMap: () => undefined,
      secret: () => {
        throw new Error("disk error");
      },
    };
    const c = refs([{ name: "X", kind: "secretKeyRef", ref: "db", key: "K" }]);
    assert.throws(() => makeEnvironment(makePod([c]), c, { objects: broken }), {
      name: "ContainerConfigError",
      message: "Cannot read Secret default/db: disk error",
    });
  });
});

Deno.test("makeEnvironment() reads each object once per container and adds the node's hint", () => {
  const objects = new MapLookup([configMap("app", { A: "1", B: "2" })]);
  const c = refs([
    { name: "A", kind: "configMapKeyRef", ref: "app", key: "A" },
    { name: "B", kind: "configMapKeyRef", ref: "app", key: "B" },
  ]);
  c.envFrom = [{ configMapRef: { name: "app" } }];
  envOf(c, objects);
  assert.deepEqual(objects.reads, ["ConfigMap default/app"]);

  const missing = refs([{ name: "X", kind: "secretKeyRef", ref: "db", key: "K" }]);
  assert.throws(
    () =>
      makeEnvironment(makePod([missing]), missing, {
        objects,
        notFoundHint: "standalone: only ConfigMaps and Secrets in /etc/kubernetes/manifests",
      }),
    {
      message:
        'secret "db" not found (standalone: only ConfigMaps and Secrets in /etc/kubernetes/manifests)',
    },
  );
});
