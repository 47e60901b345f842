import assert from "node:assert/strict";
import { defaultPullPolicy, setPodDefaults } from "../../src/api/defaults.ts";
import type { Container, Pod, PodSpec } from "../../src/api/types.ts";

function pod(spec: Partial<PodSpec> = {}, container: Partial<Container> = {}): Pod {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "web" },
    spec: { containers: [{ name: "app", image: "nginx:1.25", ...container }], ...spec },
  };
}

Deno.test("setPodDefaults() fills pod-level defaults", () => {
  const out = setPodDefaults(pod());
  assert.equal(out.metadata?.namespace, "default");
  assert.equal(out.spec?.restartPolicy, "Always");
  assert.equal(out.spec?.terminationGracePeriodSeconds, 30);
  assert.equal(out.spec?.dnsPolicy, "ClusterFirst");
  assert.equal(out.spec?.schedulerName, "default-scheduler");
  assert.deepEqual(out.spec?.securityContext, {});
  assert.equal(out.spec?.enableServiceLinks, true);
  assert.equal(out.status, undefined, "status is left to the source");
});

Deno.test("setPodDefaults() keeps values that are already set", () => {
  const input = pod({
    restartPolicy: "Never",
    terminationGracePeriodSeconds: 0,
    dnsPolicy: "Default",
    schedulerName: "mine",
    securityContext: { runAsUser: 1000 },
    enableServiceLinks: false,
  });
  input.metadata!.namespace = "kube-system";
  const out = setPodDefaults(input);
  assert.equal(out.metadata?.namespace, "kube-system");
  assert.equal(out.spec?.restartPolicy, "Never");
  assert.equal(out.spec?.terminationGracePeriodSeconds, 0, "an explicit 0 is kept");
  assert.equal(out.spec?.dnsPolicy, "Default");
  assert.equal(out.spec?.schedulerName, "mine");
  assert.deepEqual(out.spec?.securityContext, { runAsUser: 1000 });
  assert.equal(out.spec?.enableServiceLinks, false);
});

Deno.test("setPodDefaults() returns a deep copy and leaves the input unchanged", () => {
  const input = pod({}, { ports: [{ containerPort: 80 }] });
  const before = structuredClone(input);
  const out = setPodDefaults(input);
  assert.deepEqual(input, before);
  assert.notEqual(out.spec, input.spec);
  assert.notEqual(out.spec?.containers[0], input.spec?.containers[0]);
  out.spec!.containers[0].ports![0].containerPort = 81;
  assert.equal(input.spec?.containers[0].ports?.[0].containerPort, 80);
});

Deno.test("defaultPullPolicy() is Always only for latest or untagged images", async (t) => {
  const cases: [image: string | undefined, policy: string][] = [
    ["nginx", "Always"],
    ["nginx:latest", "Always"],
    ["docker.io/library/nginx", "Always"],
    ["localhost:5000/app", "Always"],
    ["localhost:5000/app:latest", "Always"],
    ["nginx:1.25", "IfNotPresent"],
    ["localhost:5000/app:v1", "IfNotPresent"],
    ["nginx@sha256:" + "a".repeat(64), "IfNotPresent"],
    ["nginx:latest@sha256:" + "a".repeat(64), "Always"],
    ["nginx:1.25@sha256:" + "a".repeat(64), "IfNotPresent"],
    ["", "IfNotPresent"],
    [undefined, "IfNotPresent"],
  ];
  for (const [image, policy] of cases) {
    await t.step(`${image} -> ${policy}`, () => assert.equal(defaultPullPolicy(image), policy));
  }
});

Deno.test("setPodDefaults() fills container defaults", async (t) => {
  const cases: {
    name: string;
    spec?: Partial<PodSpec>;
    container: Partial<Container>;
    check: (container: Container) => void;
  }[] = [
    {
      name: "imagePullPolicy Always for an untagged image",
      container: { image: "busybox" },
      check: (c) => assert.equal(c.imagePullPolicy, "Always"),
    },
    {
      name: "imagePullPolicy IfNotPresent for a tagged image",
      container: {},
      check: (c) => assert.equal(c.imagePullPolicy, "IfNotPresent"),
    },
    {
      name: "imagePullPolicy kept when set",
      container: { image: "busybox", imagePullPolicy: "Never" },
      check: (c) => assert.equal(c.imagePullPolicy, "Never"),
    },
    {
      name: "termination message path and policy",
      container: {},
      check: (c) => {
        assert.equal(c.terminationMessagePath, "/dev/termination-log");
        assert.equal(c.terminationMessagePolicy, "File");
      },
    },
    {
      name: "port protocol TCP, hostPort untouched without hostNetwork",
      container: { ports: [{ containerPort: 80 }, { containerPort: 53, protocol: "UDP" }] },
      check: (c) => {
        assert.deepEqual(c.ports, [
          { containerPort: 80, protocol: "TCP" },
          { containerPort: 53, protocol: "UDP" },
        ]);
      },
    },
    {
      name: "hostPort = containerPort with hostNetwork",
      spec: { hostNetwork: true },
      container: { ports: [{ containerPort: 8080 }, { containerPort: 9090, hostPort: 9090 }] },
      check: (c) => {
        assert.equal(c.ports?.[0].hostPort, 8080);
        assert.equal(c.ports?.[1].hostPort, 9090);
      },
    },
    {
      name: "probe timings and httpGet scheme/path",
      container: {
        livenessProbe: { httpGet: { port: 80 } },
        readinessProbe: { tcpSocket: { port: 80 }, periodSeconds: 5, timeoutSeconds: 0 },
        startupProbe: { exec: { command: ["true"] }, failureThreshold: 30 },
      },
      check: (c) => {
        assert.deepEqual(c.livenessProbe, {
          httpGet: { port: 80, path: "/", scheme: "HTTP" },
          timeoutSeconds: 1,
          periodSeconds: 10,
          successThreshold: 1,
          failureThreshold: 3,
        });
        assert.equal(c.readinessProbe?.periodSeconds, 5);
        assert.equal(c.readinessProbe?.timeoutSeconds, 1, "0 counts as unset");
        assert.equal(c.startupProbe?.failureThreshold, 30);
      },
    },
    {
      name: "httpGet path and scheme kept when set",
      container: {
        readinessProbe: { httpGet: { port: 443, path: "/healthz", scheme: "HTTPS" } },
      },
      check: (c) => {
        assert.equal(c.readinessProbe?.httpGet?.path, "/healthz");
        assert.equal(c.readinessProbe?.httpGet?.scheme, "HTTPS");
      },
    },
    {
      name: "lifecycle httpGet defaults",
      container: { lifecycle: { preStop: { httpGet: { port: 80 } } } },
      check: (c) =>
        assert.deepEqual(c.lifecycle?.preStop?.httpGet, { port: 80, path: "/", scheme: "HTTP" }),
    },
    {
      name: "env fieldRef apiVersion v1",
      container: {
        env: [
          { name: "A", value: "1" },
          { name: "POD", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } },
        ],
      },
      check: (c) => {
        assert.deepEqual(c.env?.[0], { name: "A", value: "1" });
        assert.equal(c.env?.[1].valueFrom?.fieldRef?.apiVersion, "v1");
      },
    },
    {
      name: "resources left as they are",
      container: { resources: { limits: { cpu: "1" } } },
      check: (c) => assert.deepEqual(c.resources, { limits: { cpu: "1" } }),
    },
  ];
  for (const { name, spec, container, check } of cases) {
    await t.step(name, () => check(setPodDefaults(pod(spec, container)).spec!.containers[0]));
  }
});

Deno.test("setPodDefaults() applies container defaults to init containers", () => {
  const out = setPodDefaults(pod({
    hostNetwork: true,
    initContainers: [{ name: "init", image: "busybox", ports: [{ containerPort: 7000 }] }],
  }));
  const init = out.spec!.initContainers![0];
  assert.equal(init.imagePullPolicy, "Always");
  assert.equal(init.terminationMessagePolicy, "File");
  assert.deepEqual(init.ports, [{ containerPort: 7000, protocol: "TCP", hostPort: 7000 }]);
});

Deno.test("setPodDefaults() fills volume defaults", () => {
  const out = setPodDefaults(pod({
    volumes: [
      { name: "host", hostPath: { path: "/var/log" } },
      { name: "scratch", emptyDir: {} },
      { name: "cfg", configMap: { name: "cfg" } },
      { name: "sec", secret: { secretName: "sec", defaultMode: 0o400 } },
      {
        name: "info",
        downwardAPI: { items: [{ path: "name", fieldRef: { fieldPath: "metadata.name" } }] },
      },
    ],
  }));
  const volumes = out.spec!.volumes!;
  assert.deepEqual(volumes[0].hostPath, { path: "/var/log", type: "" });
  assert.deepEqual(volumes[1].emptyDir, {}, "emptyDir gets no defaults");
  assert.equal(volumes[2].configMap?.defaultMode, 0o644);
  assert.equal(volumes[3].secret?.defaultMode, 0o400);
  assert.equal(volumes[4].downwardAPI?.defaultMode, 0o644);
  assert.equal(volumes[4].downwardAPI?.items?.[0].fieldRef?.apiVersion, "v1");
});

Deno.test("setPodDefaults() copes with missing metadata and spec", () => {
  const out = setPodDefaults({});
  assert.equal(out.metadata?.namespace, "default");
  assert.deepEqual(out.spec?.containers, []);
  assert.equal(out.spec?.restartPolicy, "Always");
});
