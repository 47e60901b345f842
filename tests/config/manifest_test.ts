import assert from "node:assert/strict";
import process from "node:process";
import type { Pod } from "../../src/api/types.ts";
import {
  decodePodOrList,
  type DecodeResult,
  decodeSinglePod,
  parseDocument,
} from "../../src/config/_manifest.ts";
import { podYaml } from "./_helpers.ts";

const FILE = { source: "file" as const, nodeName: "node-1", location: "/etc/m/web.yaml" };
const URL_ORIGIN = { source: "http" as const, nodeName: "node-1", location: "http://h/pods" };

function podOf(result: DecodeResult): Pod {
  assert.ok(result.ok, result.ok ? "" : result.reason);
  return result.pods[0];
}

function reasonOf(result: DecodeResult): string {
  assert.equal(result.ok, false, "expected a rejection");
  const reason = (result as { reason: string }).reason;
  assert.ok(!/[\n\r\u2028\u2029]/.test(reason), `one line: ${JSON.stringify(reason)}`);
  return reason;
}

/** `podYaml` with `text` added under the container (4-space indent) or the spec. */
const withContainer = (text: string) => podYaml("web") + text;
const withSpec = (text: string) => podYaml("web").replace("spec:\n", `spec:\n${text}`);

Deno.test("decodeSinglePod() rejects the issue's wrong-type manifests, naming the field", async (t) => {
  const cases: [string, string, RegExp][] = [
    [
      "volumeMounts: 3.7",
      withContainer("    volumeMounts: 3.7\n"),
      /field 'spec\.containers\[0\]\.volumeMounts' must be a list \(got 3\.7\)/,
    ],
    [
      "volumeMounts: [null]",
      withContainer("    volumeMounts: [null]\n"),
      /field 'spec\.containers\[0\]\.volumeMounts\[0\]\.name' is required/,
    ],
    [
      "a port name that is a number",
      withContainer("    ports: [{containerPort: 80, name: 8080}]\n"),
      /ports\[0\]\.name' must be a string \(got 8080\)/,
    ],
    [
      "ports: [null]",
      withContainer("    ports: [null]\n"),
      /ports\[0\]\.containerPort' is required/,
    ],
    [
      'hostNetwork: "yes"',
      withSpec('  hostNetwork: "yes"\n'),
      /field 'spec\.hostNetwork' must be a boolean \(got 'yes'\)/,
    ],
    [
      "a YAML 1.1 yes for a name",
      podYaml("web").replace("name: web", "name: yes"),
      /field 'metadata\.name' must be a string \(got true/,
    ],
    [
      "an env value that is a number",
      withContainer("    env: [{name: PORT, value: 8080}]\n"),
      /env\[0\]\.value' must be a string \(got 8080\)/,
    ],
    [
      "an int64 overflow",
      withSpec("  terminationGracePeriodSeconds: 99999999999999999999\n"),
      /terminationGracePeriodSeconds' must be a 64-bit integer/,
    ],
    [
      "a bad IP in hostAliases",
      withSpec("  hostAliases: [{ip: 10.0.0.300, hostnames: [db]}]\n"),
      /hostAliases\[0\]\.ip' must be a valid IP address/,
    ],
  ];
  for (const [what, text, expected] of cases) {
    await t.step(what, () => assert.match(reasonOf(decodeSinglePod(text, FILE)), expected));
  }
});

Deno.test("decodeSinglePod() reads YAML as the kubelet does: 1.1 booleans and octals, merge keys", async (t) => {
  await t.step("unquoted yes is a boolean, so hostNetwork: yes is true", () => {
    assert.equal(
      podOf(decodeSinglePod(withSpec("  hostNetwork: yes\n"), FILE)).spec?.hostNetwork,
      true,
    );
  });
  await t.step("0644 is octal (420)", () => {
    const text = withSpec("  volumes: [{name: s, secret: {secretName: s, defaultMode: 0644}}]\n");
    assert.equal(podOf(decodeSinglePod(text, FILE)).spec?.volumes?.[0].secret?.defaultMode, 0o644);
  });
  await t.step("<< merge keys", () => {
    const text = `apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  containers:
  - &base
    name: one
    image: busybox
    env: [{name: A, value: x}]
  - <<: *base
    name: two
`;
    const pod = podOf(decodeSinglePod(text, FILE));
    assert.deepEqual(pod.spec?.containers.map((c) => [c.name, c.env?.[0].value]), [
      ["one", "x"],
      ["two", "x"],
    ]);
  });
  await t.step("dates and times stay strings as written", () => {
    const text = withContainer("    args: [2024-05-01, 1:20]\n");
    assert.deepEqual(podOf(decodeSinglePod(text, FILE)).spec?.containers[0].args, [
      "2024-05-01",
      "1:20",
    ]);
  });
  await t.step("relaxed env var names (Kubernetes 1.35)", () => {
    const text = withContainer("    env: [{name: 1ABC, value: x}, {name: my.var, value: z}]\n");
    assert.equal(podOf(decodeSinglePod(text, FILE)).spec?.containers[0].env?.length, 2);
  });
});

Deno.test("decodeSinglePod() rejects in one line whatever the manifest holds", async (t) => {
  const cases: [string, string, RegExp][] = [
    [
      "a newline in the name",
      podYaml("web").replace("name: web", 'name: "x\\nE1201 FORGED"'),
      /got 'x\\nE1201 FORGED-node-1'/,
    ],
    [
      "a newline in the kind",
      podYaml("web").replace("kind: Pod", 'kind: "Pod\\nE1201 X"'),
      /kind is 'Pod\\nE1201 X'/,
    ],
    [
      "an alias that contains itself",
      withContainer("    command: &x [a, *x]\n"),
      /alias refers to a node that contains it/,
    ],
    [
      "a very long value",
      podYaml("web").replace("name: web", `name: ${"A".repeat(50_000)}`),
      /\.\.\. \(50\d{3} characters\)/,
    ],
  ];
  for (const [what, text, expected] of cases) {
    await t.step(what, () => {
      const reason = reasonOf(decodeSinglePod(text, FILE));
      assert.match(reason, expected);
      assert.ok(reason.length <= 2_100, `${reason.length} characters`);
    });
  }
  await t.step("a manifest with hundreds of problems names ten", () => {
    const mounts = Array.from({ length: 300 }, () => "null").join(", ");
    const reason = reasonOf(
      decodeSinglePod(withContainer(`    volumeMounts: [${mounts}]\n`), FILE),
    );
    assert.match(reason, /; and \d+ more$/);
  });
});

Deno.test("decodeSinglePod() drops the manifest's status and names unknown fields", () => {
  const text = withContainer("    imagePullPolicyy: Always\n") +
    "status:\n  phase: Running\n  podIP: 10.1.1.1\n";
  const result = decodeSinglePod(text, FILE);
  assert.ok(result.ok);
  assert.deepEqual(result.pods[0].status, { phase: "Pending" });
  assert.deepEqual(result.unknownFields, ["spec.containers[0].imagePullPolicyy"]);
});

Deno.test("decodeSinglePod() accepts a kubeadm control-plane manifest with no unknown fields", () => {
  const kubeadm = `apiVersion: v1
kind: Pod
metadata:
  annotations:
    kubeadm.kubernetes.io/kube-apiserver.advertise-address.endpoint: 10.0.0.5:6443
  creationTimestamp: null
  labels:
    component: kube-apiserver
    tier: control-plane
  name: kube-apiserver
  namespace: kube-system
spec:
  containers:
  - command:
    - kube-apiserver
    - --advertise-address=10.0.0.5
    - --allow-privileged=true
    image: registry.k8s.io/kube-apiserver:v1.35.0
    imagePullPolicy: IfNotPresent
    livenessProbe:
      failureThreshold: 8
      httpGet:
        host: 10.0.0.5
        path: /livez
        port: probe-port
        scheme: HTTPS
      initialDelaySeconds: 10
      periodSeconds: 10
      timeoutSeconds: 15
    name: kube-apiserver
    ports:
    - containerPort: 6443
      name: probe-port
      protocol: TCP
    readinessProbe:
      failureThreshold: 3
      httpGet:
        host: 10.0.0.5
        path: /readyz
        port: probe-port
        scheme: HTTPS
      periodSeconds: 1
      timeoutSeconds: 15
    resources:
      requests:
        cpu: 250m
    startupProbe:
      failureThreshold: 24
      httpGet:
        host: 10.0.0.5
        path: /livez
        port: probe-port
        scheme: HTTPS
      initialDelaySeconds: 10
      periodSeconds: 10
      timeoutSeconds: 15
    volumeMounts:
    - mountPath: /etc/ssl/certs
      name: ca-certs
      readOnly: true
    - mountPath: /etc/kubernetes/pki
      name: k8s-certs
      readOnly: true
  hostNetwork: true
  priority: 2000001000
  priorityClassName: system-node-critical
  securityContext:
    seccompProfile:
      type: RuntimeDefault
  volumes:
  - hostPath:
      path: /etc/ssl/certs
      type: DirectoryOrCreate
    name: ca-certs
  - hostPath:
      path: /etc/kubernetes/pki
      type: DirectoryOrCreate
    name: k8s-certs
status: {}
`;

  const result = decodeSinglePod(kubeadm, FILE);
  assert.ok(result.ok, result.ok ? "" : result.reason);
  assert.equal(result.unknownFields, undefined);
  const pod = result.pods[0];
  assert.equal(pod.spec?.priority, 2000001000);
  assert.equal(pod.spec?.containers[0].livenessProbe?.httpGet?.port, "probe-port");
  assert.equal(pod.metadata?.creationTimestamp, undefined, "null means unset");
});

Deno.test("decodePodOrList() decodes each item of a PodList on its own", () => {
  const item = (name: string, extra = "") =>
    `- metadata: {name: ${name}}\n  spec: {containers: [{name: c, image: i${extra}}]}\n`;
  const text = "apiVersion: v1\nkind: PodList\nitems:\n" + item("a") +
    item("b", ", volumeMounts: 3.7") + "- 42\n" + item("c");
  const result = decodePodOrList(text, URL_ORIGIN);
  assert.ok(result.ok);
  assert.deepEqual(result.pods.map((p) => p.metadata?.name), ["a-node-1", "c-node-1"]);
  assert.equal(result.rejected?.length, 2);
  assert.match(
    result.rejected![0],
    /^items\[1\]: invalid pod: field 'spec\.containers\[0\]\.volumeMounts'/,
  );
  assert.match(result.rejected![1], /^items\[2\]: not a Pod: the document is a number/);
});

Deno.test("parseDocument() prints no parser warnings and keeps JSON fast", () => {
  const parsed = parseDocument('{"apiVersion":"v1","kind":"Pod"}');
  assert.deepEqual(parsed, { ok: true, value: { apiVersion: "v1", kind: "Pod" } });
  // A collection as a key makes the yaml package print a warning unless told not to.
  const original = process.emitWarning;
  const warned: unknown[] = [];
  process.emitWarning = ((warning: unknown) => warned.push(warning)) as typeof process.emitWarning;
  try {
    parseDocument("? [1, 2]\n: v\n");
  } finally {
    process.emitWarning = original;
  }
  assert.deepEqual(warned, []);
});
