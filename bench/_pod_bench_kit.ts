/**
 * What the pod benchmarks on a private containerd share (bench/pods_bench.ts,
 * bench/starts_bench.ts): polling, medians, the agent's temp dir and
 * readiness, host-network busybox httpd pods, and the bare CRI sequence with
 * the very configs the agent would send for the same pod.
 *
 * @module
 */

import type { Pod } from "kubernetes-types/core/v1.d.ts";
import { setPodDefaults } from "../src/api/defaults.ts";
import type { RemoteRuntimeService } from "../src/cri/remote_runtime_service.ts";
import type { ContainerConfig, PodSandboxConfig } from "../src/cri/types.ts";
import { generateContainerConfig } from "../src/kuberuntime/container_config.ts";
import { hashContainer } from "../src/kuberuntime/container_hash.ts";
import { generatePodSandboxConfig } from "../src/kuberuntime/sandbox_config.ts";
import {
  type AgentProcess,
  freePort,
  writeAgentConfig,
} from "../tests/e2e/harness/agent_process.ts";

/** The node name the benchmark agents run as. */
export const NODE = "bench-node";

export { median } from "./_cluster_figures.ts";

/** `x` ms as "12.3 ms". */
export const ms = (x: number): string => `${x.toFixed(1)} ms`;

/** Polls `fn` every `intervalMs` until true; throws after `timeoutMs`. A throw counts as "not yet". */
export async function poll(
  what: string,
  fn: () => Promise<boolean> | boolean,
  timeoutMs = 60_000,
  intervalMs = 2,
): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (true) {
    try {
      if (await fn()) return;
    } catch {
      // not yet (e.g. the agent's port is not listening yet)
    }
    if (performance.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** Running with every container running. */
export function isRunning(pod: Pod | undefined): boolean {
  const s = pod?.status;
  const cs = s?.containerStatuses ?? [];
  return s?.phase === "Running" && cs.length > 0 && cs.every((c) => c.state?.running);
}

/**
 * A temp dir with manifests/, logs/ and kubelet.yaml; the agent's flags.
 * `fileCheckFrequency` is the manifest relist period (default 1s).
 */
export async function agentSetup(
  prefix: string,
  endpoint: string,
  extraFlags: string[] = [],
  fileCheckFrequency = "1s",
): Promise<{ dir: string; manifestDir: string; args: string[] }> {
  const dir = await Deno.makeTempDir({ prefix });
  const manifestDir = `${dir}/manifests`;
  await Deno.mkdir(manifestDir);
  await Deno.mkdir(`${dir}/logs`);
  await writeAgentConfig(`${dir}/kubelet.yaml`, {
    podLogsDir: `${dir}/logs`,
    readOnlyPort: freePort(),
    healthzPort: freePort(),
    fileCheckFrequency,
  });
  const args = [
    `--container-runtime-endpoint=${endpoint}`,
    `--pod-manifest-path=${manifestDir}`,
    `--root-dir=${dir}/root`,
    `--config=${dir}/kubelet.yaml`,
    `--hostname-override=${NODE}`,
    ...extraFlags,
  ];
  return { dir, manifestDir, args };
}

/** Waits until the agent answers `/healthz` 200 and `/pods`. */
export async function whenReady(agent: AgentProcess): Promise<void> {
  await poll(
    "the agent to be ready",
    async () => {
      if (agent.exited) throw new Error(`The agent exited:\n${agent.logTail()}`);
      const health = await agent.get("/healthz");
      if (health.status !== 200) return false;
      await agent.getJson("/pods");
      return true;
    },
    60_000,
    100,
  );
}

/**
 * A host-network pod (grace 1 s) of one busybox httpd container per port,
 * named `httpd` for one port and `c0`, `c1`, ... for more.
 */
export function httpdPod(name: string, image: string, ports: number | number[]): Pod {
  const list = typeof ports === "number" ? [ports] : ports;
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace: "default" },
    spec: {
      hostNetwork: true,
      terminationGracePeriodSeconds: 1,
      containers: list.map((port, i) => ({
        name: list.length === 1 ? "httpd" : `c${i}`,
        image,
        command: ["httpd", "-f", "-p", `127.0.0.1:${port}`, "-h", "/"],
      })),
    },
  };
}

/** The CRI configs the agent would send for a pod: its sandbox and each container. */
export interface BarePod {
  sandboxConfig: PodSandboxConfig;
  containers: ContainerConfig[];
}

/**
 * The configs the agent sends for `pod` (defaulted, a fresh UID, logs under
 * `dir`): like the agent (and the kubelet) each container also bind-mounts a
 * termination message file at its terminationMessagePath.
 */
export async function barePodConfigs(pod: Pod, image: string, dir: string): Promise<BarePod> {
  const p = setPodDefaults(structuredClone(pod));
  const uid = crypto.randomUUID();
  (p.metadata as { uid: string }).uid = uid;
  const sandboxConfig = generatePodSandboxConfig(p, 0, { podLogsDir: `${dir}/bare-logs` });
  await Deno.mkdir(sandboxConfig.logDirectory!, { recursive: true });
  const containers: ContainerConfig[] = [];
  for (const container of p.spec!.containers) {
    const terminationLog = `${dir}/bare-${uid}-${container.name}-termination-log`;
    await Deno.writeTextFile(terminationLog, "");
    containers.push(generateContainerConfig(p, container, {
      imageRef: image,
      restartCount: 0,
      hash: hashContainer(container),
      mounts: [{
        containerPath: container.terminationMessagePath!,
        hostPath: terminationLog,
        readonly: false,
        selinuxRelabel: false,
      }],
    }));
  }
  return { sandboxConfig, containers };
}

/**
 * The bare CRI sequence for one pod: RunPodSandbox, then CreateContainer +
 * StartContainer for each container, one after the other or all at once.
 * Resolves to the sandbox id and the container ids.
 */
export async function runBarePod(
  cri: RemoteRuntimeService,
  bare: BarePod,
  parallel: boolean,
): Promise<{ sandboxId: string; containerIds: string[] }> {
  const { sandboxConfig } = bare;
  const sandboxId = await cri.runPodSandbox(sandboxConfig);
  const one = async (config: ContainerConfig) => {
    const id = await cri.createContainer({ podSandboxId: sandboxId, config, sandboxConfig });
    await cri.startContainer(id);
    return id;
  };
  const containerIds: string[] = [];
  if (parallel) containerIds.push(...await Promise.all(bare.containers.map(one)));
  else for (const config of bare.containers) containerIds.push(await one(config));
  return { sandboxId, containerIds };
}

/** Stops and removes every sandbox the runtime has (what a benchmark left behind). */
export async function removeAllPods(cri: RemoteRuntimeService): Promise<void> {
  const sandboxes = await cri.listPodSandbox().catch(() => []);
  await Promise.all(sandboxes.map(async (s) => {
    await cri.stopPodSandbox(s.id).catch(() => {});
    await cri.removePodSandbox(s.id).catch(() => {});
  }));
}

/** The fake CRI runtime running as its own process (scripts/fake_runtime.ts). */
export interface StandaloneFake {
  /** `unix://<socket>`, for the agent's `--container-runtime-endpoint`. */
  readonly endpoint: string;
  /** The fake's PID (its RSS and CPU are not the agent's). */
  readonly pid: number;
  /** SIGTERM, then waits for it to exit. Idempotent. */
  stop(): Promise<void>;
}

/**
 * Starts scripts/fake_runtime.ts as its own process on `socketPath`, with
 * `images` present from the start, the way a real runtime sits beside the
 * agent: the agent's RSS and CPU then hold only the agent (its CRI client),
 * not the fake's state, encoding and gRPC server side. It serves the same
 * services as the embedded runtime (the container event stream included), so
 * the agent runs the same PLEG. `logsDir` is the agent's podLogsDir: the
 * fake writes each container's log file there, as a real runtime does.
 * Resolves once it listens.
 */
export async function startStandaloneFake(
  socketPath: string,
  logsDir: string,
  images: readonly string[],
): Promise<StandaloneFake> {
  const script = new URL("../scripts/fake_runtime.ts", import.meta.url).pathname;
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      `--allow-net=unix:${socketPath},127.0.0.1`,
      `--allow-read=${socketPath},${logsDir}`,
      `--allow-write=${socketPath},${logsDir}`,
      "--allow-env",
      script,
      "--listen",
      `unix://${socketPath}`,
      ...images.flatMap((i) => ["--image", i]),
    ],
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let out = "";
  while (!out.includes("listening on")) {
    const { value, done } = await reader.read();
    if (done) {
      await child.status;
      throw new Error(`scripts/fake_runtime.ts exited before listening: ${out}`);
    }
    out += value;
  }
  // Keep draining its stdout so it never blocks on a full pipe.
  (async () => {
    while (!(await reader.read()).done) { /* drain */ }
  })().catch(() => {});
  let stopped: Promise<void> | undefined;
  return {
    endpoint: `unix://${socketPath}`,
    pid: child.pid,
    stop() {
      stopped ??= (async () => {
        try {
          child.kill("SIGTERM");
        } catch { /* exited */ }
        const timer = setTimeout(() => {
          try {
            child.kill("SIGKILL");
          } catch { /* exited */ }
        }, 10_000);
        await child.status;
        clearTimeout(timer);
      })();
      return stopped;
    },
  };
}
