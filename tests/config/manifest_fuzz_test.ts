/**
 * A seeded fuzz test of manifest decoding (issue 8, items 1 and 2): thousands of
 * mutations of one valid Pod per run (type swaps, nulls, huge numbers, deletions,
 * wrong nesting, long strings, control characters, unknown fields), a fixed count so
 * the run stays short (no time assertions). It asserts that
 * - no throw escapes decoding, and every rejection is one line naming the problem;
 * - every accepted pod survives what consumes it downstream (PodConfig, the sandbox
 *   and container config generation, computePodActions, the container hash);
 * - a FileSource fed the accepted and rejected manifests keeps running and serves
 *   exactly the good pods (and the ConfigMap and Secret of a multi-document file);
 * - ConfigMap and Secret decoding (issue 11) never throws, rejects in one line, never
 *   quotes a Secret's value, and only accepts what the API server would store.
 *
 * Set FUZZ_REPORT=1 to print the figures (mutations, accepted, rejected, time).
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { stringify } from "yaml";
import type { Pod } from "../../src/api/types.ts";
import { podFullName } from "../../src/api/pod_helpers.ts";
import { decodeManifestFile } from "../../src/config/_file_documents.ts";
import {
  decodeBase64,
  decodeLocalObject,
  localObjectKey,
  MAX_OBJECT_DATA_BYTES,
  objectKeyProblem,
} from "../../src/config/_local_object.ts";
import { decodeSinglePod, toStaticPod } from "../../src/config/_manifest.ts";
import { FileSource } from "../../src/config/file.ts";
import { PodConfig } from "../../src/config/pod_config.ts";
import { computePodActions } from "../../src/kuberuntime/compute_pod_actions.ts";
import { generateContainerConfig } from "../../src/kuberuntime/container_config.ts";
import { ContainerConfigError } from "../../src/kuberuntime/container_env.ts";
import { hashContainer } from "../../src/kuberuntime/container_hash.ts";
import { generatePodSandboxConfig } from "../../src/kuberuntime/sandbox_config.ts";
import { FakeClock } from "../../src/util/clock.ts";
import { createMemoryLogger } from "../../src/util/logger.ts";
import { podStatus, sandbox } from "../kuberuntime/_helpers.ts";
import { fakeWatch, startRun, waitFor, withTempDir } from "./_helpers.ts";

const SEED = 0x5eed_0008;
const MUTATIONS = 3_000;
/** Manifests written for the FileSource part (accepted and rejected ones). */
const FILES = 150;
const ORIGIN = { source: "file" as const, nodeName: "Node-1", location: "/m/pod.yaml" };

/** mulberry32: a small seeded PRNG, so every run tries the same mutations. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A valid Pod touching most fields the node reads. */
function basePod(): Record<string, unknown> {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      name: "web",
      namespace: "default",
      labels: { app: "web", "app.kubernetes.io/part-of": "shop" },
      annotations: { "example.com/note": "hello" },
    },
    spec: {
      hostNetwork: false,
      restartPolicy: "Always",
      terminationGracePeriodSeconds: 30,
      activeDeadlineSeconds: 3600,
      dnsPolicy: "ClusterFirst",
      dnsConfig: {
        nameservers: ["10.0.0.10"],
        searches: ["svc.local"],
        options: [{ name: "ndots", value: "2" }],
      },
      hostAliases: [{ ip: "10.0.0.1", hostnames: ["db.local"] }],
      nodeSelector: { "kubernetes.io/os": "linux" },
      securityContext: {
        runAsUser: 1000,
        fsGroup: 2000,
        supplementalGroups: [3000],
        sysctls: [{ name: "net.ipv4.ip_forward", value: "1" }],
      },
      tolerations: [{
        key: "k",
        operator: "Equal",
        value: "v",
        effect: "NoExecute",
        tolerationSeconds: 60,
      }],
      volumes: [
        { name: "data", emptyDir: { sizeLimit: "1Gi" } },
        { name: "logs", hostPath: { path: "/var/log/web", type: "DirectoryOrCreate" } },
        {
          name: "cfg",
          configMap: { name: "cfg", items: [{ key: "a", path: "a.txt", mode: 0o644 }] },
        },
      ],
      initContainers: [{ name: "init", image: "busybox:1.36", command: ["sh", "-c", "true"] }],
      containers: [
        {
          name: "app",
          image: "nginx:1.25",
          imagePullPolicy: "IfNotPresent",
          command: ["nginx"],
          args: ["-g", "daemon off;"],
          workingDir: "/",
          ports: [{ name: "http", containerPort: 80, hostPort: 8080, protocol: "TCP" }],
          env: [
            { name: "MODE", value: "prod" },
            { name: "POD", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } },
            {
              name: "CPU",
              valueFrom: { resourceFieldRef: { resource: "limits.cpu", divisor: "1m" } },
            },
            { name: "EXPANDED", value: "$(MODE)-x" },
          ],
          volumeMounts: [
            { name: "data", mountPath: "/data" },
            { name: "logs", mountPath: "/var/log/nginx", subPath: "nginx", readOnly: true },
          ],
          resources: {
            requests: { cpu: "250m", memory: "64Mi" },
            limits: { cpu: 1, memory: 134217728 },
          },
          livenessProbe: {
            httpGet: { path: "/healthz", port: "http", httpHeaders: [{ name: "X-A", value: "b" }] },
            periodSeconds: 5,
          },
          readinessProbe: { tcpSocket: { port: 80 }, successThreshold: 2, failureThreshold: 3 },
          startupProbe: { exec: { command: ["cat", "/tmp/ready"] }, initialDelaySeconds: 1 },
          lifecycle: {
            preStop: { sleep: { seconds: 5 } },
            postStart: { exec: { command: ["true"] } },
          },
          securityContext: {
            privileged: false,
            capabilities: { add: ["NET_ADMIN"], drop: ["ALL"] },
            runAsGroup: 10,
            seccompProfile: { type: "RuntimeDefault" },
          },
          terminationMessagePath: "/dev/termination-log",
          terminationMessagePolicy: "FallbackToLogsOnError",
        },
        {
          name: "sidecar",
          image: "busybox",
          ports: [{ containerPort: 9090 }],
          stdin: true,
          tty: true,
        },
      ],
    },
  };
}

type Json = unknown;
type Path = (string | number)[];

/** Every path in `value` (objects and lists), the root excluded. */
function paths(value: Json, prefix: Path = [], out: Path[] = []): Path[] {
  if (Array.isArray(value)) {
    value.forEach((item, i) => {
      out.push([...prefix, i]);
      paths(item, [...prefix, i], out);
    });
  } else if (value !== null && typeof value === "object") {
    for (const [key, item] of Object.entries(value)) {
      out.push([...prefix, key]);
      paths(item, [...prefix, key], out);
    }
  }
  return out;
}

function parentOf(root: Json, path: Path): Record<string | number, Json> {
  let node = root as Record<string | number, Json>;
  for (const key of path.slice(0, -1)) node = node[key] as Record<string | number, Json>;
  return node;
}

const CONTROL = ["\n", "\r", "\u0000", "\u001b[31m", "\u2028", "\t"];

function randomScalar(rand: () => number): Json {
  const pick = Math.floor(rand() * 22);
  switch (pick) {
    case 0:
      return null;
    case 1:
      return true;
    case 2:
      return false;
    case 3:
      return 0;
    case 4:
      return -1;
    case 5:
      return 3.7;
    case 6:
      return 2 ** 31;
    case 7:
      return 2 ** 63;
    case 8:
      return 1e308;
    case 9:
      return Number.NaN;
    case 10:
      return Number.POSITIVE_INFINITY;
    case 11:
      return "";
    case 12:
      return "yes";
    case 13:
      return "x".repeat(1 + Math.floor(rand() * 20_000));
    case 14:
      return `a${CONTROL[Math.floor(rand() * CONTROL.length)]}E1201 FORGED LOG LINE`;
    case 15:
      return [];
    case 16:
      return {};
    case 17:
      return [null];
    case 18:
      return [[1]];
    case 19:
      return { nested: { deeper: [1, "a", null] } };
    case 20:
      return "80";
    default:
      return "../../etc/passwd";
  }
}

/** Applies one random mutation to `pod` in place. */
function mutate(pod: Json, rand: () => number): void {
  const all = paths(pod);
  const path = all[Math.floor(rand() * all.length)];
  const parent = parentOf(pod, path);
  const key = path[path.length - 1];
  const old = parent[key];
  const op = Math.floor(rand() * 7);
  if (op === 0) {
    if (Array.isArray(parent)) parent.splice(key as number, 1);
    else delete parent[key];
  } else if (op === 1) {
    parent[key] = [old]; // wrong nesting: a list around it
  } else if (op === 2) {
    parent[key] = { value: old }; // wrong nesting: an object around it
  } else if (op === 3 && Array.isArray(old) && old.length > 0) {
    old.push(structuredClone(old[0])); // a duplicate item
  } else if (op === 4 && old !== null && typeof old === "object" && !Array.isArray(old)) {
    (old as Record<string, Json>)[rand() < 0.5 ? "unknownField" : "__proto__"] = randomScalar(rand);
  } else {
    parent[key] = randomScalar(rand);
  }
}

function assertOneLine(reason: string, what: string): void {
  assert.ok(!/[\n\r\u2028\u2029]/.test(reason), `${what}: a rejection spans lines: ${reason}`);
  assert.ok(reason.length > 0 && reason.length <= 2_200, `${what}: reason length ${reason.length}`);
  assert.match(
    reason,
    /field '|name is needed|not a Pod|invalid YAML|metadata is not|cannot parse/,
  );
}

const clock = new FakeClock(1_700_000_000_000);

/** Runs the consumers that once crashed on accepted pods; only value outcomes are allowed. */
function consume(pod: Pod, config: PodConfig): void {
  config.merge("file", [pod]);
  generatePodSandboxConfig(pod, 0, { podLogsDir: "/var/log/pods" });
  const containers = [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])];
  for (const container of containers) {
    const hash = hashContainer(container);
    try {
      generateContainerConfig(pod, container, {
        imageRef: "sha256:1",
        restartCount: 0,
        hash,
        env: { podIps: ["10.88.0.2"], hostIps: ["10.0.0.5"], nodeName: "node-1" },
      });
    } catch (err) {
      // The kubelet's CreateContainerConfigError is an outcome, not a crash.
      if (!(err instanceof ContainerConfigError)) throw err;
    }
  }
  computePodActions(pod, podStatus([], []));
  computePodActions(pod, podStatus([sandbox({ uid: pod.metadata!.uid! })], []));
}

interface Sample {
  text: string;
  accepted: boolean;
}

Deno.test("manifest decoding survives thousands of seeded mutations of a valid Pod", async (t) => {
  const rand = prng(SEED);
  const started = performance.now();
  let accepted = 0;
  let rejected = 0;
  const samples: Sample[] = [];
  const config = new PodConfig({ clock });

  await t.step(
    `${MUTATIONS} mutations: no throw, one-line rejections, accepted pods consumable`,
    () => {
      for (let i = 0; i < MUTATIONS; i++) {
        const pod = basePod();
        const count = rand() < 0.6 ? 1 : 2 + Math.floor(rand() * 2);
        for (let m = 0; m < count; m++) mutate(pod, rand);
        const what = `mutation ${i}`;
        // Most go in as parsed values; every 8th as YAML text through the parser.
        const viaText = i % 8 === 0;
        let text = "";
        if (viaText) {
          try {
            text = stringify(pod);
          } catch {
            text = "";
          }
        }
        const result = viaText && text !== ""
          ? decodeSinglePod(text, ORIGIN)
          : toStaticPod(pod as Record<string, unknown>, ORIGIN);
        if (!result.ok) {
          rejected++;
          assertOneLine(result.reason, what);
          continue;
        }
        accepted++;
        for (const accepted of result.pods) {
          try {
            consume(accepted, config);
          } catch (err) {
            throw new Error(
              `${what}: an accepted pod crashed a consumer: ${err}\n${
                JSON.stringify(pod).slice(0, 2_000)
              }`,
            );
          }
        }
        if (viaText && samples.length < FILES) samples.push({ text, accepted: true });
      }
      assert.ok(
        accepted > MUTATIONS / 20,
        `too few accepted (${accepted}): the base pod is broken`,
      );
      assert.ok(rejected > MUTATIONS / 4, `too few rejected (${rejected})`);
    },
  );

  await t.step("a FileSource fed the accepted and rejected manifests keeps running", async () => {
    // Fill up with rejected texts too (the samples so far are only the accepted ones).
    const extra = prng(SEED + 1);
    while (samples.length < FILES) {
      const pod = basePod();
      for (let m = 0; m < 2; m++) mutate(pod, extra);
      let text: string;
      try {
        text = stringify(pod);
      } catch {
        continue;
      }
      samples.push({ text, accepted: decodeSinglePod(text, ORIGIN).ok });
    }
    await withTempDir(async (dir) => {
      const files = samples.map((sample, i) => {
        // Unique names, so first-file-wins does not hide accepted pods.
        const path = join(dir, `pod-${String(i).padStart(3, "0")}.yaml`);
        return { path, text: sample.text.replace(/^( {2}name: )web$/m, `$1web-${i}`) };
      });
      for (const file of files) await Deno.writeTextFile(file.path, file.text);
      const expected = new Map<string, string>();
      for (const file of files) {
        const result = decodeSinglePod(file.text, { ...ORIGIN, location: file.path });
        if (!result.ok) continue;
        const name = podFullName(result.pods[0]);
        if (!expected.has(name)) expected.set(name, file.path);
      }
      // One multi-document file: a ConfigMap, a Secret and a pod beside the fuzzed ones.
      const objectsFile = join(dir, "zz-objects.yaml");
      const pod = stringify(basePod()).replace(/^( {2}name: )web$/m, "$1with-objects");
      await Deno.writeTextFile(
        objectsFile,
        [stringify(baseConfigMap()), stringify(baseSecret()), pod].join("---\n"),
      );
      expected.set("with-objects-node-1_default", objectsFile);
      const logger = createMemoryLogger();
      const watch = fakeWatch();
      const fileClock = new FakeClock(1_700_000_000_000);
      const src = new FileSource(dir, {
        nodeName: "Node-1",
        clock: fileClock,
        logger,
        watchFs: watch.watchFs,
      });
      const { sent, stop } = startRun(src);
      await waitFor(() => sent.length >= 1 && watch.calls.length === 1, "first state", 20_000);
      const served = () => sent.at(-1)!.map(podFullName).sort();
      assert.deepEqual(served(), [...expected.keys()].sort());
      assert.deepEqual(src.objects().map(localObjectKey), [
        "ConfigMap default/cfg",
        "Secret default/creds",
      ]);
      assert.ok(
        expected.size > 0 && expected.size < files.length,
        `${expected.size} of ${files.length}`,
      );
      for (const record of logger.records) {
        assertOneLine(String(record.fields.reason ?? "field ''"), "log");
        assert.ok(!/[\n\r]/.test(record.message), record.message);
      }
      // Later events are still handled: a good pod added, a bad file fixed away.
      const late = join(dir, "zz-late.yaml");
      await Deno.writeTextFile(late, stringify(basePod()).replace(/^( {2}name: )web$/m, "$1late"));
      watch.push("create", late);
      await waitFor(
        () => served().includes("late-node-1_default"),
        "a pod added after the bad ones",
      );
      const firstBad = files.find((file) => !decodeSinglePod(file.text, ORIGIN).ok);
      if (firstBad) {
        await Deno.remove(firstBad.path);
        watch.push("remove", firstBad.path);
        await waitFor(() => src.pendingRemovals().length === 0, "the removal handled");
      }
      await stop();
    });
  });

  if (Deno.env.get("FUZZ_REPORT") === "1") {
    const ms = Math.round(performance.now() - started);
    console.log(
      `manifest fuzz: seed=${SEED} mutations=${MUTATIONS} accepted=${accepted} rejected=${rejected} files=${FILES} time=${ms}ms`,
    );
  }
});

/** The Secret values the object fuzz plants; no reason may quote them. */
const SECRET_VALUES = ["fuzz-SECRET-string", "fuzz-SECRET-bytes"];
const OBJECT_MUTATIONS = 1_500;

function baseConfigMap(): Record<string, unknown> {
  return {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { name: "cfg", labels: { app: "web" }, annotations: { "example.com/a": "b" } },
    data: { "app.conf": "mode=fast\n", LOG_LEVEL: "info", empty: "" },
    binaryData: { "logo.png": btoa("\u0089PNG") },
    immutable: false,
  };
}

function baseSecret(): Record<string, unknown> {
  return {
    apiVersion: "v1",
    kind: "Secret",
    metadata: { name: "creds", namespace: "default" },
    type: "Opaque",
    data: { token: btoa(SECRET_VALUES[1]), other: btoa("x") },
    stringData: { password: SECRET_VALUES[0] },
  };
}

/** What an accepted object must be: as the API server stores it, within its limits. */
function assertStorable(object: Record<string, unknown>, what: string): void {
  assert.ok(Object.isFrozen(object), `${what}: not frozen`);
  assert.equal(object.apiVersion, "v1");
  const meta = object.metadata as Record<string, unknown>;
  assert.equal(typeof meta.name, "string");
  assert.equal(typeof meta.namespace, "string");
  let bytes = 0;
  for (const field of ["data", "binaryData"]) {
    const map = (object[field] ?? {}) as Record<string, string>;
    for (const [key, value] of Object.entries(map)) {
      assert.equal(objectKeyProblem(key), undefined, `${what}: key ${key}`);
      assert.equal(typeof value, "string");
      const base64 = object.kind === "Secret" || field === "binaryData";
      bytes += base64 ? decodeBase64(value)!.length : new TextEncoder().encode(value).length;
    }
  }
  assert.ok(bytes <= MAX_OBJECT_DATA_BYTES, `${what}: ${bytes} bytes`);
  if (object.kind === "Secret") {
    assert.equal("stringData" in object, false);
    assert.equal(typeof object.type, "string");
  }
}

function assertObjectReason(reason: string, what: string): void {
  assert.ok(!/[\n\r\u2028\u2029]/.test(reason), `${what}: a rejection spans lines: ${reason}`);
  assert.ok(reason.length > 0 && reason.length <= 2_200, `${what}: reason length ${reason.length}`);
  assert.match(reason, /field '|not a |invalid YAML|the manifest is empty/, what);
  for (const value of SECRET_VALUES) {
    assert.ok(!reason.includes(value), `${what}: a reason quotes a Secret value: ${reason}`);
  }
}

Deno.test("ConfigMap and Secret decoding survives seeded mutations and never quotes a Secret's value", () => {
  const rand = prng(SEED + 2);
  let accepted = 0;
  let rejected = 0;
  for (let i = 0; i < OBJECT_MUTATIONS; i++) {
    const object = i % 2 === 0 ? baseConfigMap() : baseSecret();
    const count = rand() < 0.6 ? 1 : 2 + Math.floor(rand() * 2);
    for (let m = 0; m < count; m++) mutate(object, rand);
    const what = `object mutation ${i}`;
    // Most through the whole file decoder as YAML text, every 4th as a parsed value.
    let reasons: string[];
    let objects: Record<string, unknown>[];
    const direct = i % 4 === 0 && (object.kind === "ConfigMap" || object.kind === "Secret");
    if (direct) {
      const result = decodeLocalObject(object);
      reasons = result.ok ? [] : [result.reason];
      objects = result.ok ? [result.object as unknown as Record<string, unknown>] : [];
    } else {
      let text: string;
      try {
        text = stringify(object);
      } catch {
        continue;
      }
      const result = decodeManifestFile(text, ORIGIN);
      reasons = result.ok ? result.rejected : [result.reason];
      objects = result.ok
        ? result.items.map((item) =>
          (item.object ?? item.pod) as unknown as Record<string, unknown>
        )
        : [];
      if (result.ok) {
        for (const field of result.unknownFields) assertObjectReason(`field '${field}'`, what);
      }
    }
    for (const reason of reasons) assertObjectReason(reason, what);
    for (const accepted of objects) assertStorable(accepted, what);
    if (objects.length > 0) accepted++;
    else rejected++;
  }
  assert.ok(accepted > OBJECT_MUTATIONS / 20, `too few accepted (${accepted})`);
  assert.ok(rejected > OBJECT_MUTATIONS / 10, `too few rejected (${rejected})`);
  if (Deno.env.get("FUZZ_REPORT") === "1") {
    console.log(
      `object fuzz: mutations=${OBJECT_MUTATIONS} accepted=${accepted} rejected=${rejected}`,
    );
  }
});
