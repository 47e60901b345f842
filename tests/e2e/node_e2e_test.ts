/**
 * The REAL agent process (scripts/run.ts's command line: `deno run` with the
 * permissions computed from its flags, main.ts) against a private containerd:
 *
 * - probes: an httpGet liveness probe on a dead port restarts the container
 *   with a growing restart count, keeping at most one dead instance; an
 *   httpGet readiness probe keeps Ready False until the container's httpd
 *   answers, and a liveness probe on that live httpd never restarts it; an
 *   exec readiness probe follows a file the container creates and removes;
 * - garbage collection: dead containers beyond
 *   `--maximum-dead-containers-per-container` and those of pods no source
 *   declares are removed; an unused image is removed once the image
 *   filesystem usage is over `--image-gc-high-threshold`, the in-use one stays;
 * - node health: `/healthz` fails once the runtime has been down for 30 s and
 *   passes again when it is back.
 *
 * One containerd for the whole file; each test runs its own agent in its own
 * temp dir and removes every sandbox it left. Every wait is a bounded poll of
 * real state. Skipped LOUDLY when containerd cannot run here
 * (scripts/e2e_deps.sh installs it).
 */

import assert from "node:assert/strict";
import type { Pod, PodCondition } from "kubernetes-types/core/v1.d.ts";
import {
  type ContainerdHarness,
  registerSkippedE2E,
  startContainerd,
} from "./harness/containerd_harness.ts";
import { buildBusyboxImage } from "./harness/busybox_image.ts";
import {
  type AgentProcess,
  freePort,
  startAgent,
  waitFor,
  waitForHealthz,
  writeAgentConfig,
} from "./harness/agent_process.ts";
import { RemoteRuntimeService } from "../../src/cri/remote_runtime_service.ts";
import { RemoteImageService } from "../../src/cri/remote_image_service.ts";
import type { Container, ContainerConfig, PodSandboxConfig } from "../../src/cri/types.ts";
import { RealClock } from "../../src/util/clock.ts";

const NODE = "e2e-node";
const UNUSED_IMAGE = "localhost/denolet/unused:e2e";
/** The web pod's httpd answers 8 s after its start; its liveness probe starts later. */
const LIVE_WEB_DELAY_S = 12;
const TESTS = {
  probes:
    "probes via the agent process on containerd: httpGet liveness restarts, httpGet and exec readiness gate Ready",
  gc:
    "garbage collection via the agent process on containerd: dead containers over the policy and of undeclared pods, unused images",
  healthz:
    "/healthz of the agent process on containerd: fails while the runtime is down, passes when it is back",
};

const harness = await startContainerd();

// ---------------------------------------------------------------- helpers

interface PodList {
  items: Pod[];
}

/** One `/pods` reading of one pod. */
interface PodSnapshot {
  at: number;
  pod: Pod;
}

function condition(pod: Pod, type: string): PodCondition | undefined {
  return pod.status?.conditions?.find((c) => c.type === type);
}

function podReady(pod: Pod): boolean {
  return condition(pod, "Ready")?.status === "True";
}

function containerStatus(pod: Pod, name: string) {
  return pod.status?.containerStatuses?.find((c) => c.name === name);
}

function isRunning(pod: Pod, name: string): boolean {
  return containerStatus(pod, name)?.state?.running !== undefined;
}

function summary(pod: Pod | undefined): string {
  if (!pod) return "(absent)";
  const cs = (pod.status?.containerStatuses ?? []).map((c) =>
    `${c.name}: ready=${c.ready} restarts=${c.restartCount} state=${
      Object.keys(c.state ?? {}).join(",")
    }`
  );
  return `phase=${pod.status?.phase} Ready=${condition(pod, "Ready")?.status} [${cs.join("; ")}]`;
}

/** Polls the agent's `/pods` and keeps every reading, per pod name. */
class PodsRecorder {
  readonly history = new Map<string, PodSnapshot[]>();
  #stop = new AbortController();
  #done: Promise<void>;

  constructor(agent: AgentProcess, intervalMs: number) {
    const signal = this.#stop.signal;
    this.#done = (async () => {
      while (!signal.aborted) {
        try {
          const list = await agent.getJson<PodList>("/pods");
          const at = Date.now();
          for (const pod of list.items) {
            const name = pod.metadata?.name ?? "";
            const series = this.history.get(name) ?? [];
            series.push({ at, pod });
            this.history.set(name, series);
          }
        } catch {
          // Not listening yet, or restarting: try again.
        }
        await new Promise((r) => setTimeout(r, intervalMs));
      }
    })();
  }

  series(name: string): PodSnapshot[] {
    return this.history.get(name) ?? [];
  }

  latest(name: string): Pod | undefined {
    return this.series(name).at(-1)?.pod;
  }

  async stop(): Promise<void> {
    this.#stop.abort();
    await this.#done;
  }
}

/**
 * Index of the first snapshot at or after `from` that satisfies `pred`, or -1.
 */
function findFrom(series: PodSnapshot[], from: number, pred: (p: Pod) => boolean): number {
  for (let i = Math.max(0, from); i < series.length; i++) if (pred(series[i].pod)) return i;
  return -1;
}

/** Whether the series shows `preds` in this order (each at or after the previous one). */
function showsSequence(series: PodSnapshot[], preds: ((p: Pod) => boolean)[]): boolean {
  let i = 0;
  for (const pred of preds) {
    i = findFrom(series, i, pred);
    if (i < 0) return false;
  }
  return true;
}

function hostNetworkPod(
  name: string,
  container: Record<string, unknown>,
  extra: { uid?: string } = {},
): Record<string, unknown> {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace: "default", ...(extra.uid ? { uid: extra.uid } : {}) },
    spec: {
      hostNetwork: true,
      restartPolicy: "Always",
      terminationGracePeriodSeconds: 1,
      containers: [{ image: "", imagePullPolicy: "Never", ...container }],
    },
  };
}

/** A temp dir with manifests/, root/, logs/ and kubelet.yaml, and the agent's flags. */
interface AgentSetup {
  dir: string;
  manifests: string;
  args: string[];
}

async function setUpAgentDir(
  h: ContainerdHarness,
  prefix: string,
  pods: Record<string, unknown>[],
  extraFlags: string[] = [],
): Promise<AgentSetup> {
  const dir = await Deno.makeTempDir({ prefix: `denolet-node-e2e-${prefix}-` });
  const manifests = `${dir}/manifests`;
  await Deno.mkdir(manifests, { recursive: true });
  await Deno.mkdir(`${dir}/logs`, { recursive: true });
  for (const pod of pods) {
    const name = (pod.metadata as { name: string }).name;
    const spec = pod.spec as { containers: Record<string, unknown>[] };
    for (const c of spec.containers) c.image = h.image;
    await Deno.writeTextFile(`${manifests}/${name}.json`, JSON.stringify(pod, null, 2));
  }
  const config = `${dir}/kubelet.yaml`;
  await writeAgentConfig(config, {
    podLogsDir: `${dir}/logs`,
    readOnlyPort: freePort(),
    healthzPort: freePort(),
    fileCheckFrequency: "1s",
  });
  return {
    dir,
    manifests,
    args: [
      `--container-runtime-endpoint=${h.endpoint}`,
      `--pod-manifest-path=${manifests}`,
      `--root-dir=${dir}/root`,
      `--config=${config}`,
      `--hostname-override=${NODE}`,
      "--v=2",
      ...extraFlags,
    ],
  };
}

/** Stops and removes every sandbox (with its containers) left in the runtime. */
async function removeAllPods(cri: RemoteRuntimeService): Promise<void> {
  for (const s of await cri.listPodSandbox()) {
    await cri.stopPodSandbox(s.id).catch(() => {});
    await cri.removePodSandbox(s.id).catch(() => {});
  }
}

function timing(what: string, startedAt: number): void {
  console.log(`[node e2e timing] ${what}: ${((Date.now() - startedAt) / 1000).toFixed(1)} s`);
}

function printLogOnFailure(agent: AgentProcess | undefined, failed: boolean): void {
  if (!failed || !agent) return;
  console.error(`\n----- agent log tail (pid ${agent.pid}) -----\n${agent.logTail(250)}\n-----\n`);
}

/** Creates a kubelet-labelled stopped sandbox whose `app` containers ran and exited. */
async function preCreateDeadContainers(
  h: ContainerdHarness,
  cri: RemoteRuntimeService,
  pod: { name: string; uid: string },
  attempts: number[],
): Promise<void> {
  const labels = {
    "io.kubernetes.pod.name": pod.name,
    "io.kubernetes.pod.namespace": "default",
    "io.kubernetes.pod.uid": pod.uid,
  };
  const sandboxConfig: PodSandboxConfig = {
    metadata: { name: pod.name, uid: pod.uid, namespace: "default", attempt: 0 },
    labels,
    annotations: {},
    linux: {
      securityContext: { namespaceOptions: { network: "NODE", pid: "CONTAINER", ipc: "POD" } },
    },
  };
  const sandboxId = await cri.runPodSandbox(sandboxConfig);
  const ids: string[] = [];
  for (const attempt of attempts) {
    const config: ContainerConfig = {
      metadata: { name: "app", attempt },
      image: { image: h.image },
      command: ["true"],
      labels: { ...labels, "io.kubernetes.container.name": "app" },
      annotations: { "io.kubernetes.container.restartCount": String(attempt) },
    };
    const id = await cri.createContainer({ podSandboxId: sandboxId, config, sandboxConfig });
    await cri.startContainer(id);
    ids.push(id);
  }
  await waitFor(async () => {
    const states = await Promise.all(ids.map((id) => cri.containerStatus(id)));
    return states.every((s) => s.status.state === "CONTAINER_EXITED");
  }, { what: `pre-created containers of ${pod.name} to exit`, timeoutMs: 15_000 });
  await cri.stopPodSandbox(sandboxId);
}

function containersOf(all: Container[], uid: string): Container[] {
  return all.filter((c) => c.labels["io.kubernetes.pod.uid"] === uid);
}

// ---------------------------------------------------------------- tests

if (typeof harness === "string") {
  registerSkippedE2E(Object.values(TESTS), harness);
} else {
  const h = harness;
  const cri = new RemoteRuntimeService(h.endpoint, { clock: new RealClock() });
  const images = new RemoteImageService(h.endpoint, { clock: new RealClock() });
  // The last test to finish (whichever ran) stops containerd; the harness's
  // unload guard covers filtered runs.
  let pending = Object.keys(TESTS).length;
  const finishOne = async () => {
    if (--pending > 0) return;
    cri.close();
    images.close();
    await h.stop();
  };
  globalThis.addEventListener("unload", () => {
    cri.close();
    images.close();
  });

  Deno.test({
    name: TESTS.probes,
    // The agent process, the daemon and its sockets outlive single steps; finally cleans them.
    sanitizeOps: false,
    sanitizeResources: false,
    async fn(t) {
      const testStart = Date.now();
      const deadPort = freePort();
      const webPort = freePort();
      const setup = await setUpAgentDir(h, "probes", [
        hostNetworkPod("live", {
          name: "app",
          command: ["sleep", "3600"],
          livenessProbe: {
            httpGet: { host: "127.0.0.1", port: deadPort, path: "/healthz" },
            periodSeconds: 1,
            failureThreshold: 1,
            timeoutSeconds: 1,
          },
        }),
        hostNetworkPod("web", {
          name: "web",
          command: [
            "sh",
            "-c",
            `mkdir -p /www && echo ok > /www/index.html && sleep 8 && exec httpd -f -p 127.0.0.1:${webPort} -h /www`,
          ],
          readinessProbe: {
            httpGet: { host: "127.0.0.1", port: webPort, path: "/" },
            periodSeconds: 1,
            failureThreshold: 1,
            timeoutSeconds: 1,
          },
          // The control of the liveness case: a liveness probe that reaches a
          // live server must never restart the container.
          livenessProbe: {
            httpGet: { host: "127.0.0.1", port: webPort, path: "/" },
            initialDelaySeconds: LIVE_WEB_DELAY_S,
            periodSeconds: 1,
            failureThreshold: 2,
            timeoutSeconds: 1,
          },
        }),
        hostNetworkPod("exec", {
          name: "app",
          command: [
            "sh",
            "-c",
            "mkdir -p /tmp && sleep 8 && touch /tmp/ready && sleep 10 && rm -f /tmp/ready && exec sleep 3600",
          ],
          readinessProbe: {
            exec: { command: ["cat", "/tmp/ready"] },
            periodSeconds: 1,
            failureThreshold: 1,
            timeoutSeconds: 2,
          },
        }),
      ]);
      let agent: AgentProcess | undefined;
      let recorder: PodsRecorder | undefined;
      let failed = true;
      try {
        agent = await startAgent(setup.args);
        recorder = new PodsRecorder(agent, 250);
        const rec = recorder;
        const details = () =>
          `pods: live ${summary(rec.latest(`live-${NODE}`))}; web ${
            summary(rec.latest(`web-${NODE}`))
          }; exec ${summary(rec.latest(`exec-${NODE}`))}\nagent log tail:\n${agent!.logTail(60)}`;

        const listed = await t.step(
          "the agent serves /pods with the three static pods",
          async () => {
            await waitFor(
              () => ["live", "web", "exec"].every((n) => rec.latest(`${n}-${NODE}`) !== undefined),
              { what: "the three pods in /pods", timeoutMs: 30_000, details },
            );
            timing("pods listed", testStart);
          },
        );
        if (!listed) return;

        await t.step(
          "an httpGet liveness probe failing on a dead port restarts the container, restart count >= 2",
          async () => {
            const name = `live-${NODE}`;
            const pod = await waitFor(() => {
              const p = rec.latest(name);
              return p && (containerStatus(p, "app")?.restartCount ?? 0) >= 2 ? p : undefined;
            }, { what: "restartCount >= 2 of live/app", timeoutMs: 75_000, details });
            const cs = containerStatus(pod, "app")!;
            assert.ok(cs.lastState?.terminated, `lastState.terminated missing: ${summary(pod)}`);
            // The restarts are new CRI containers with growing attempts.
            const uid = pod.metadata!.uid!;
            const attempts = containersOf(await cri.listContainers(), uid)
              .map((c) => c.metadata?.attempt ?? 0);
            assert.ok(
              Math.max(...attempts) >= 2,
              `CRI attempts of live/app: ${JSON.stringify(attempts)}`,
            );
            timing("liveness restarts", testStart);
          },
        );

        await t.step(
          "a container restarted by its liveness probe keeps at most one dead instance",
          async () => {
            // The kubelet's pod container deletor removes older dead instances on
            // each ContainerDied (keeping max(MaxPerPodContainer, 1) = 1), so this
            // does not wait for the once-a-minute container GC.
            const uid = rec.latest(`live-${NODE}`)!.metadata!.uid!;
            let last = "";
            await waitFor(async () => {
              const mine = containersOf(await cri.listContainers(), uid);
              last = mine.map((c) => `${c.metadata?.attempt}:${c.state}`).join(",");
              const dead = mine.filter((c) => c.state === "CONTAINER_EXITED");
              return mine.length >= 1 && dead.length <= 1;
            }, {
              what: "live/app with at most one dead instance",
              timeoutMs: 15_000,
              intervalMs: 500,
              details: () => `CRI containers of live (attempt:state): ${last}`,
            });
            timing("dead instances of a restarted container", testStart);
          },
        );

        await t.step(
          "an httpGet readiness probe keeps Ready False until the container's httpd answers",
          async () => {
            const name = `web-${NODE}`;
            const notReadyRunning = (p: Pod) => isRunning(p, "web") && !podReady(p);
            const ready = (p: Pod) => podReady(p) && containerStatus(p, "web")?.ready === true;
            await waitFor(() => showsSequence(rec.series(name), [notReadyRunning, ready]), {
              what: "web: Ready False while running, then True",
              timeoutMs: 45_000,
              details,
            });
            const res = await fetch(`http://127.0.0.1:${webPort}/`);
            assert.equal((await res.text()).trim(), "ok");
            timing("httpGet readiness", testStart);
          },
        );

        await t.step(
          "an exec readiness probe follows the file the container creates and removes",
          async () => {
            const name = `exec-${NODE}`;
            const running = (p: Pod) => isRunning(p, "app");
            await waitFor(
              () =>
                showsSequence(rec.series(name), [
                  (p) => running(p) && !podReady(p),
                  (p) => running(p) && podReady(p) && containerStatus(p, "app")?.ready === true,
                  (p) => running(p) && !podReady(p),
                ]),
              { what: "exec: Ready False, True, False", timeoutMs: 45_000, details },
            );
            // The container never restarted: readiness does not kill.
            assert.equal(containerStatus(rec.latest(name)!, "app")?.restartCount, 0);
            timing("exec readiness", testStart);
          },
        );
        await t.step(
          "an httpGet liveness probe that reaches a live server does not restart the container",
          async () => {
            const name = `web-${NODE}`;
            // Wait until the probe has run for several periods on the running container.
            const pod = await waitFor(() => {
              const p = rec.latest(name);
              const started = containerStatus(p ?? {}, "web")?.state?.running?.startedAt;
              return p && started &&
                  Date.now() - Date.parse(started) > (LIVE_WEB_DELAY_S + 5) * 1000
                ? p
                : undefined;
            }, {
              what: "web running for a while with liveness probing",
              timeoutMs: 45_000,
              details,
            });
            // Should it ever fail: why the first instance ended, and the agent log (readiness failures left out).
            const why = () =>
              `${summary(pod)}; lastState ${
                JSON.stringify(containerStatus(pod, "web")?.lastState ?? {})
              }\nagent log:\n${
                agent!.logTail(2000).split("\n").filter((l) =>
                  !l.includes("Readiness probe failed")
                ).slice(-150)
                  .join("\n")
              }`;
            assert.equal(containerStatus(pod, "web")?.restartCount, 0, why());
            assert.ok(podReady(pod), why());
            timing("passing liveness", testStart);
          },
        );
        failed = false;
      } finally {
        await recorder?.stop();
        printLogOnFailure(agent, failed);
        await agent?.stop();
        await removeAllPods(cri).catch(() => {});
        await Deno.remove(setup.dir, { recursive: true }).catch(() => {});
        timing("probes test", testStart);
        await finishOne();
      }
    },
  });

  Deno.test({
    name: TESTS.gc,
    sanitizeOps: false,
    sanitizeResources: false,
    async fn(t) {
      const testStart = Date.now();
      const keeper = { name: `keeper-${NODE}`, uid: "5b0a1b1e-0000-4000-8000-00000000e2e1" };
      const ghost = { name: "ghost", uid: crypto.randomUUID() };
      const setup = await setUpAgentDir(
        h,
        "gc",
        [hostNetworkPod("keeper", { name: "app", command: ["sleep", "3600"] }, {
          uid: keeper.uid,
        })],
        [
          "--maximum-dead-containers-per-container=1",
          "--minimum-container-ttl-duration=0s",
          "--image-gc-high-threshold=1",
          "--image-gc-low-threshold=0",
          "--minimum-image-ttl-duration=0s",
        ],
      );
      let agent: AgentProcess | undefined;
      let failed = true;
      try {
        // Before the agent starts: dead instances of keeper/app (attempts 0-2)
        // and of a pod no source declares; an image nothing uses.
        await preCreateDeadContainers(h, cri, keeper, [0, 1, 2]);
        await preCreateDeadContainers(h, cri, ghost, [0, 1]);
        const unused = await buildBusyboxImage(`${setup.dir}/unused.tar`, {
          name: UNUSED_IMAGE,
          cmd: ["sleep", "1"],
        });
        await h.importImage(unused.path);
        const before = await images.listImages();
        assert.ok(before.some((i) => i.repoTags.includes(UNUSED_IMAGE)), "unused image imported");
        const busybox = before.find((i) => i.repoTags.includes(h.image));
        assert.ok(busybox, "busybox image present");
        timing("gc set-up", testStart);

        agent = await startAgent(setup.args);
        const agentStart = Date.now();
        const a = agent;

        await t.step(
          "container GC keeps one dead instance per container and removes those of undeclared pods",
          async () => {
            let last = "";
            await waitFor(async () => {
              const all = await cri.listContainers();
              const mine = containersOf(all, keeper.uid);
              const dead = mine.filter((c) => c.state !== "CONTAINER_RUNNING");
              const running = mine.filter((c) => c.state === "CONTAINER_RUNNING");
              const ghosts = containersOf(all, ghost.uid);
              const ghostSandboxes = (await cri.listPodSandbox()).filter((s) =>
                s.metadata?.uid === ghost.uid
              );
              last = `keeper: ${
                mine.map((c) => `${c.metadata?.attempt}:${c.state}`).join(",")
              }; ghost containers ${ghosts.length}, sandboxes ${ghostSandboxes.length}`;
              return running.length === 1 && dead.length <= 1 &&
                !dead.some((c) => (c.metadata?.attempt ?? 0) < 2) &&
                ghosts.length === 0 && ghostSandboxes.length === 0;
            }, {
              what: "container GC of keeper/app attempts 0-1 and of the ghost pod",
              // The GC runs every minute; allow its first pass after sources are ready.
              timeoutMs: 80_000,
              intervalMs: 500,
              details: () => `${last}\nagent log tail:\n${a.logTail(60)}`,
            });
            // The newest dead instance stays (MaxPerPodContainer 1); the new
            // instance counts on from it.
            const mine = containersOf(await cri.listContainers(), keeper.uid);
            const attempts = (state: string) =>
              mine.filter((c) => (c.state === "CONTAINER_RUNNING") === (state === "running"))
                .map((c) => c.metadata?.attempt);
            assert.deepEqual(attempts("dead"), [2], last);
            assert.deepEqual(attempts("running"), [3], last);
            timing("container GC", testStart);
          },
        );

        await t.step(
          "image GC over the high threshold removes the unused image and keeps the one in use",
          async () => {
            let last = "";
            await waitFor(async () => {
              const list = await images.listImages();
              last = JSON.stringify(list.map((i) => i.repoTags));
              return !list.some((i) => i.repoTags.includes(UNUSED_IMAGE));
            }, {
              what: `image GC to remove ${UNUSED_IMAGE}`,
              timeoutMs: Math.max(5_000, agentStart + 90_000 - Date.now()),
              intervalMs: 500,
              details: () => `images: ${last}\nagent log tail:\n${a.logTail(60)}`,
            });
            const after = await images.listImages();
            assert.ok(
              after.some((i) => i.id === busybox.id),
              `the in-use image ${h.image} was removed: ${JSON.stringify(after)}`,
            );
            const metrics = await a.getReadOnly("/metrics");
            const counted = metrics.body.match(
              /^kubelet_image_garbage_collected_total\{reason="space"\} (\d+)/m,
            );
            assert.ok(
              counted && Number(counted[1]) >= 1,
              `kubelet_image_garbage_collected_total{reason="space"} in /metrics:\n${
                metrics.body.split("\n").filter((l) => l.includes("image_garbage")).join("\n")
              }`,
            );
            timing("image GC", testStart);
          },
        );
        failed = false;
      } finally {
        printLogOnFailure(agent, failed);
        await agent?.stop();
        await removeAllPods(cri).catch(() => {});
        await images.removeImage({ image: UNUSED_IMAGE }).catch(() => {});
        await Deno.remove(setup.dir, { recursive: true }).catch(() => {});
        timing("gc test", testStart);
        await finishOne();
      }
    },
  });

  Deno.test({
    name: TESTS.healthz,
    sanitizeOps: false,
    sanitizeResources: false,
    async fn(t) {
      const testStart = Date.now();
      const setup = await setUpAgentDir(h, "healthz", []);
      let agent: AgentProcess | undefined;
      let failed = true;
      try {
        agent = await startAgent(setup.args);
        const a = agent;
        const details = () => `agent log tail:\n${a.logTail(60)}`;
        const healthy = await t.step("/healthz passes while containerd runs", async () => {
          await waitForHealthz(a, 200, { timeoutMs: 30_000, details });
        });
        if (!healthy) return;

        const down = await t.step(
          "/healthz fails after containerd has been down for 30 s",
          async () => {
            const killedAt = Date.now();
            await h.kill();
            await waitForHealthz(a, 500, { timeoutMs: 50_000, details });
            console.log(
              `[node e2e timing] /healthz failed ${
                ((Date.now() - killedAt) / 1000).toFixed(1)
              } s after containerd was killed`,
            );
            assert.equal(a.exited, false, "the agent must keep running while the runtime is down");
          },
        );
        if (!down) return;

        await t.step("/healthz passes again once containerd is back", async () => {
          const restartedAt = Date.now();
          await h.restart();
          await waitForHealthz(a, 200, { timeoutMs: 30_000, details });
          console.log(
            `[node e2e timing] /healthz passed ${
              ((Date.now() - restartedAt) / 1000).toFixed(1)
            } s after containerd was restarted`,
          );
        });
        failed = false;
      } finally {
        printLogOnFailure(agent, failed);
        await agent?.stop();
        if (h.pid === -1) await h.restart().catch(() => {});
        await removeAllPods(cri).catch(() => {});
        await Deno.remove(setup.dir, { recursive: true }).catch(() => {});
        timing("healthz test", testStart);
        await finishOne();
      }
    },
  });
}

// Needs no containerd: the harness itself, on the embedded fake runtime.
Deno.test({
  name:
    "startAgent() runs main.ts with scoped permissions; waitForLog() sees its lines; stop() and kill() are idempotent",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "denolet-node-e2e-embedded-" });
    let agent: AgentProcess | undefined;
    try {
      await Deno.mkdir(`${dir}/manifests`);
      await writeAgentConfig(`${dir}/kubelet.yaml`, {
        podLogsDir: `${dir}/logs`,
        readOnlyPort: freePort(),
        healthzPort: freePort(),
      });
      agent = await startAgent([
        "--container-runtime-endpoint=embedded",
        `--pod-manifest-path=${dir}/manifests`,
        `--root-dir=${dir}/root`,
        `--config=${dir}/kubelet.yaml`,
        `--hostname-override=${NODE}`,
      ]);
      assert.ok(!agent.command.includes("-A") && !agent.command.includes("--allow-all"));
      assert.ok(
        agent.command.some((f) => f.startsWith("--allow-net=") && f.includes(`unix:${dir}/root`)),
        `no scoped --allow-net in ${agent.command.join(" ")}`,
      );
      await agent.waitForLog(/Connected to the container runtime/, 30_000);
      // Fully started: SIGTERM earlier, while the servers start, is not what this tests.
      await agent.waitForLog(/Starting to listen server=read-only/, 30_000);
      const health = await waitFor(async () => {
        const res = await agent!.get("/healthz");
        return res.status === 200 ? res : undefined;
      }, { what: "/healthz 200 on the embedded runtime", timeoutMs: 20_000 });
      assert.equal(health.body, "ok");
      await assert.rejects(agent.waitForLog(/never logged by the agent/, 10), /Timed out/);
      const first = agent.stop();
      assert.equal(agent.stop(), first);
      const status = await first;
      assert.equal(status.code, 0, `exit status ${JSON.stringify(status)}\n${agent.logTail()}`);
      assert.equal(agent.exited, true);
      assert.equal(await agent.kill(), status);
      await assert.rejects(agent.waitForLog(/never logged by the agent/, 5_000), /exited/);
    } finally {
      await agent?.kill();
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    }
  },
});
