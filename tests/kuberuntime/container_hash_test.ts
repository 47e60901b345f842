import assert from "node:assert/strict";
import type { Container } from "kubernetes-types/core/v1.d.ts";
import { fnv1a64, hashContainer } from "../../src/kuberuntime/container_hash.ts";

const base: Container = {
  name: "web",
  image: "nginx:1.25",
  command: ["nginx"],
  args: ["-g", "daemon off;"],
  env: [{ name: "A", value: "1" }],
  ports: [{ containerPort: 80 }],
};

Deno.test("fnv1a64() matches the reference FNV-1a 64 values", () => {
  assert.equal(fnv1a64("").toString(16), "cbf29ce484222325");
  assert.equal(fnv1a64("a").toString(16), "af63dc4c8601ec8c");
  assert.equal(fnv1a64("foobar").toString(16), "85944171f73967e8");
});

Deno.test("hashContainer() is stable across key order, empty fields and re-defaulting", async (t) => {
  const h = hashContainer(base);
  assert.match(h, /^[0-9a-f]{1,16}$/);
  await t.step("key order", () => {
    const reordered: Container = {
      ports: [{ containerPort: 80 }],
      env: [{ value: "1", name: "A" }],
      args: ["-g", "daemon off;"],
      command: ["nginx"],
      image: "nginx:1.25",
      name: "web",
    };
    assert.equal(hashContainer(reordered), h);
  });
  await t.step("empty values spelled out", () => {
    assert.equal(hashContainer({ ...base, workingDir: "", volumeMounts: [], resources: {} }), h);
  });
  await t.step("defaults already applied", () => {
    const defaulted: Container = {
      ...base,
      imagePullPolicy: "IfNotPresent",
      terminationMessagePath: "/dev/termination-log",
      terminationMessagePolicy: "File",
      ports: [{ containerPort: 80, protocol: "TCP" }],
    };
    assert.equal(hashContainer(defaulted), h);
  });
});

Deno.test("hashContainer() changes with any spec field, unlike the kubelet's name+image hash", async (t) => {
  const h = hashContainer(base);
  const edits: [string, Container][] = [
    ["command", { ...base, command: ["nginx2"] }],
    ["args order", { ...base, args: ["daemon off;", "-g"] }],
    ["env value", { ...base, env: [{ name: "A", value: "2" }] }],
    ["image", { ...base, image: "nginx:1.26" }],
    ["resources", { ...base, resources: { limits: { memory: "64Mi" } } }],
    ["probe", { ...base, livenessProbe: { tcpSocket: { port: 80 } } }],
  ];
  for (const [name, c] of edits) {
    await t.step(name, () => assert.notEqual(hashContainer(c), h));
  }
});
