/**
 * denolet's entry point and only composition root: parses the kubelet flags and
 * config file, creates the real clock, logger, CRI client and managers, starts
 * them, and stops them all through one AbortController on SIGINT/SIGTERM.
 *
 * Run it through `deno task start` / `deno task demo` (scripts/run.ts), which
 * grant exactly the permissions computed from the configuration, or as the
 * binary built by `deno task compile`.
 *
 * @module
 */

import { loadKubeletOptions } from "./src/options/kubelet_options.ts";
import type { KubeletOptions } from "./src/options/kubelet_options.ts";
import { OptionsError } from "./src/options/options_error.ts";
import { maskedConfigForLog } from "./src/options/masked_config_for_log.ts";
import { versionText } from "./src/options/version.ts";
import { createLogger, type Logger } from "./src/util/logger.ts";
import { type Clock, RealClock } from "./src/util/clock.ts";
import { connectRuntime, type CriConnection } from "./src/cri/connect_runtime.ts";
import { EventStreamUnsupportedError } from "./src/container/runtime_errors.ts";
import type { ExecResult } from "./src/container/container_event.ts";
import { type FakeRuntimeServer, startFakeRuntime } from "./src/cri/fake/mod.ts";
import { FileSource } from "./src/config/file.ts";
import { HttpSource } from "./src/config/http.ts";
import { PodConfig } from "./src/config/pod_config.ts";
import type { PodSource } from "./src/config/pod_update.ts";
import { PodStatusCache } from "./src/container/cache.ts";
import { EventRecorder, toRecordEvent } from "./src/container/events.ts";
import { KubeRuntimeManager } from "./src/kuberuntime/kuberuntime_manager.ts";
import { ContainerGC } from "./src/kuberuntime/container_gc.ts";
import { ImageGCManager } from "./src/images/image_gc_manager.ts";
import { EventChannel } from "./src/pleg/pleg.ts";
import { GenericPLEG } from "./src/pleg/generic.ts";
import { EventedPLEG } from "./src/pleg/evented.ts";
import { ProberManager } from "./src/prober/prober_manager.ts";
import { runtimeStatusSource } from "./src/prober/status_source.ts";
import { RuntimeState } from "./src/kubelet/runtime_state.ts";
import { StatusManager } from "./src/status/status_manager.ts";
import { Kubelet } from "./src/kubelet/kubelet.ts";
import { PodContainerDeletor } from "./src/kubelet/pod_container_deletor.ts";
import { MetricsRegistry } from "./src/metrics/registry.ts";
import { type KubeletMetrics, registerKubeletMetrics } from "./src/metrics/kubelet_metrics.ts";
import { eventCounter, podStartObserver, timedRuntime } from "./src/metrics/agent_observers.ts";
import { createHandler } from "./src/server/handler.ts";
import type { HealthCheck } from "./src/server/healthz.ts";
import { startServer } from "./src/server/serve.ts";
import { formatPodLine } from "./src/status/pod_line.ts";
import { LoopSupervisor } from "./src/util/loop_supervisor.ts";
import { watchParent } from "./src/util/parent_watch.ts";

/** The image the embedded fake runtime has from the start (the examples use it). */
export const EMBEDDED_IMAGES = ["denolet.local/busybox:latest"];

const REAL_RUNTIME_HINT =
  "to use a real runtime, pass --container-runtime-endpoint=unix:///run/containerd/containerd.sock " +
  "(containerd) or unix:///var/run/crio/crio.sock (CRI-O)";

/** Starts the embedded fake runtime when configured; returns undefined otherwise. */
async function startEmbeddedRuntime(
  options: KubeletOptions,
  logger: Logger,
): Promise<FakeRuntimeServer | undefined> {
  if (!options.embeddedRuntime) return undefined;
  const fake = await startFakeRuntime({
    socketPath: options.runtimeSocketPath,
    images: EMBEDDED_IMAGES,
  });
  logger.info("Started the embedded fake CRI runtime (containers are simulated, nothing runs)", {
    endpoint: fake.endpoint,
  });
  logger.info(`Embedded runtime in use: ${REAL_RUNTIME_HINT}`);
  return fake;
}

/** Connects to the runtime and checks its CRI version; the error says what to do. */
async function connect(
  options: KubeletOptions,
  clock: Clock,
  logger: Logger,
  metrics: KubeletMetrics,
): Promise<CriConnection> {
  const endpoint = `unix://${options.runtimeSocketPath}`;
  try {
    return await connectRuntime(endpoint, {
      imageServiceEndpoint: `unix://${options.imageSocketPath}`,
      runtimeRequestTimeoutMs: options.runtimeRequestTimeout,
      clock,
      onOperation: (operation, durationMs, err) => {
        logger.debug(6, "CRI call", { operation, ms: durationMs, ...(err ? { err } : {}) });
        const labels = { operation_type: operation };
        metrics.runtimeOperations.inc(labels);
        metrics.runtimeOperationsDuration.observe(labels, durationMs / 1000);
        if (err !== undefined) metrics.runtimeOperationsErrors.inc(labels);
      },
    });
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    throw new Error(
      `Cannot connect to the container runtime at ${endpoint}: ${reason}. ` +
        `Is the runtime running and is this the right socket? To try denolet without one, ` +
        `pass --container-runtime-endpoint=embedded.`,
    );
  }
}

function podSources(options: KubeletOptions, clock: Clock, logger: Logger): PodSource[] {
  const sources: PodSource[] = [];
  if (options.staticPodPath !== "") {
    sources.push(
      new FileSource(options.staticPodPath, {
        nodeName: options.nodeName,
        checkFrequencyMs: options.fileCheckFrequency,
        clock,
        logger,
      }),
    );
  }
  if (options.staticPodURL !== "") {
    sources.push(
      new HttpSource(options.staticPodURL, {
        nodeName: options.nodeName,
        headers: options.staticPodURLHeader,
        checkFrequencyMs: options.httpCheckFrequency,
        clock,
        logger,
      }),
    );
  }
  return sources;
}

/** Everything the agent runs, built from the options (the composition). */
interface Agent {
  kubelet: Kubelet;
  /** Starts every loop and server under the supervisor. */
  start: (supervisor: LoopSupervisor) => void;
}

function buildAgent(
  options: KubeletOptions,
  cri: CriConnection,
  clock: Clock,
  logger: Logger,
  metrics: KubeletMetrics,
  registry: MetricsRegistry,
  loopsHealth: () => string | undefined,
): Agent {
  const nodeIps = options.nodeIP ? options.nodeIP.split(",") : ["127.0.0.1"];
  const events = new EventRecorder({ clock, logger, host: options.nodeName });
  const recordEvent = toRecordEvent(events);
  const countEvent = eventCounter(metrics);
  events.watch((e) => countEvent({ reason: e.reason, fieldPath: e.involvedObject.fieldPath }));
  const cache = new PodStatusCache({ dropOlderUpdates: true });
  const prober = new ProberManager({
    clock,
    // Bound late: the runtime is built next, with the prober's verdicts.
    runtimeService: { execSync: (id, cmd, o): Promise<ExecResult> => runtime.execSync(id, cmd, o) },
    statusSource: runtimeStatusSource(cache),
    recordEvent,
    onProbe: (labels, outcome) => {
      metrics.proberProbeTotal.inc({ ...labels });
      logger.debug(4, "Probe", { ...labels, output: outcome.output });
    },
    onError: (err) => logger.error("Probe worker failed", { err }),
  });
  const runtime = new KubeRuntimeManager({
    runtimeService: cri.runtime,
    imageService: cri.image,
    clock,
    logger,
    rootDir: options.rootDir,
    podLogsDir: options.podLogsDir,
    livenessResults: prober.livenessResults,
    startupResults: prober.startupResults,
    recordEvent,
    serializeImagePulls: options.serializeImagePulls,
    maxParallelImagePulls: options.maxParallelImagePulls ?? undefined,
    registryPullQPS: options.registryPullQPS,
    registryBurst: options.registryBurst,
    env: { nodeName: options.nodeName, hostIps: nodeIps },
  });
  const channel = new EventChannel({ onDiscard: () => metrics.plegDiscardEvents.inc() });
  // With the evented PLEG the generic one only relists every 5 minutes (the
  // kubelet's settings); the evented PLEG sets it back to 1 s / 3 min when the
  // runtime has no event stream (containerd 1.6) or the stream keeps failing.
  const pleg = new GenericPLEG(runtime, {
    clock,
    cache,
    channel,
    logger,
    relistPeriodMs: 300_000,
    relistThresholdMs: 600_000,
    onRelist: (durationMs, intervalMs) => {
      metrics.plegRelistDuration.observe({}, durationMs / 1000);
      if (intervalMs !== undefined) metrics.plegRelistInterval.observe({}, intervalMs / 1000);
      metrics.plegLastSeen.set({}, clock.now() / 1000);
    },
  });
  const evented = new EventedPLEG(runtime, {
    clock,
    cache,
    generic: pleg,
    channel,
    logger,
    onStreamError: (err) => {
      if (!(err instanceof EventStreamUnsupportedError)) {
        logger.warn("Container event stream failed", { err });
      }
    },
  });
  const runtimeState = new RuntimeState(runtime, { clock, logger });
  runtimeState.addHealthCheck("PLEG", (now) => pleg.healthy(now));
  const statusManager = new StatusManager();
  statusManager.watch(podStartObserver(metrics, clock));
  statusManager.watch((change) => {
    const line = formatPodLine(change.pod, change.status);
    if (line !== formatPodLine(change.pod, change.previous)) logger.info(line);
  });
  const podConfig = new PodConfig({ clock, logger, recordEvent });
  const sources = podSources(options, clock, logger);
  for (const source of sources) podConfig.addSource(source.name);
  if (sources.length === 0) {
    logger.warn(
      "No pod source configured: pass --pod-manifest-path or --manifest-url (or staticPodPath / staticPodURL in the config file)",
    );
  }
  const kubelet = new Kubelet({
    runtime: timedRuntime(runtime, metrics, clock),
    cache,
    pleg,
    clock,
    logger,
    statusManager,
    sourcesReady: podConfig.sourcesReady,
    podUpdates: (signal) => podConfig.updates(signal),
    prober,
    recordEvent,
    runtimeHealth: runtimeState,
    containerDeletor: new PodContainerDeletor({
      removeContainer: (id) => runtime.removeContainer(id),
      keep: options.maxPerPodContainerCount,
      logger,
    }),
    maxPods: options.maxPods,
    syncFrequencyMs: options.syncFrequency,
    nodeIps,
    standalone: options.standalone,
  });
  const containerGC = new ContainerGC(cri.runtime, {
    clock,
    logger,
    recordEvent,
    policy: {
      minAgeMs: options.minimumGCAge,
      maxPerPodContainer: options.maxPerPodContainerCount,
      maxContainers: options.maxContainerCount,
    },
    allSourcesReady: () => podConfig.sourcesReady.allReady(),
    isPodDeleted: (uid) => !kubelet.hasPod(uid),
    podLogsDir: options.podLogsDir,
  });
  const imageGC = new ImageGCManager(runtime, {
    clock,
    logger,
    recordEvent,
    policy: {
      highThresholdPercent: options.imageGCHighThresholdPercent,
      lowThresholdPercent: options.imageGCLowThresholdPercent,
      minAgeMs: options.imageMinimumGCAge,
    },
    onImageRemoved: (reason) => metrics.imageGarbageCollected.inc({ reason }),
    imageFsPath: options.rootDir,
  });
  registry.onCollect(() => {
    const pods = statusManager.pods();
    metrics.runningPods.set({}, pods.filter((p) => p.status?.phase === "Running").length);
    const running = pods.flatMap((p) => p.status?.containerStatuses ?? [])
      .filter((c) => c.state?.running).length;
    metrics.runningContainers.set({ container_state: "running" }, running);
  });

  const healthChecks: HealthCheck[] = [{
    name: "syncloop",
    check: () => {
      const errors = runtimeState.runtimeErrors(clock.now());
      return errors.length > 0 ? errors.join("; ") : undefined;
    },
  }, { name: "loops", check: loopsHealth }];
  const healthzHandler = createHandler({ healthChecks, logger });
  const readOnlyHandler = createHandler({
    healthChecks,
    podList: () => statusManager.pods(),
    metrics: registry,
    logger,
  });

  return {
    kubelet,
    start: (supervisor) => {
      supervisor.start("kubelet", (signal) => kubelet.run(signal));
      supervisor.start("sources", (signal) => podConfig.run(sources, signal));
      supervisor.start("pleg", (signal) => pleg.run(signal));
      supervisor.start("eventedPleg", (signal) => evented.run(signal));
      supervisor.start("runtimeState", (signal) => runtimeState.run(signal));
      supervisor.start("containerGC", (signal) => containerGC.run(signal));
      supervisor.start("imageGC", (signal) => imageGC.run(signal));
      supervisor.signal.addEventListener("abort", () => void prober.stop(), { once: true });
      const servers = [
        { name: "healthz", port: options.healthzPort, hostname: options.healthzBindAddress },
        { name: "read-only", port: options.readOnlyPort, hostname: options.address },
      ];
      for (const s of servers) {
        if (s.port <= 0) continue;
        const handler = s.name === "healthz" ? healthzHandler : readOnlyHandler;
        supervisor.start(s.name, async (signal) => {
          const server = await startServer(handler, { ...s, signal, logger });
          await server.finished;
        });
      }
    },
  };
}

/** The signals that stop the agent gracefully (SIGHUP too: a closed terminal or a launcher's stop). */
const STOP_SIGNALS: Deno.Signal[] = ["SIGINT", "SIGTERM", "SIGHUP"];

/** Runs the agent with `args`; resolves with the process exit code. */
export async function main(args: readonly string[]): Promise<number> {
  let loaded;
  try {
    loaded = await loadKubeletOptions(args, { hostname: Deno.hostname });
  } catch (err) {
    if (err instanceof OptionsError) {
      console.error(`denolet: ${err.message}`);
      return 1;
    }
    throw err;
  }
  if (loaded.kind !== "run") {
    console.log(loaded.text);
    return 0;
  }
  const options = loaded.options;
  const logger = createLogger({
    verbosity: options.logging.verbosity,
    format: options.logging.format,
  });
  for (const w of loaded.warnings) logger.warn(w);
  logger.info(`Starting ${versionText()}`, {
    node: options.nodeName,
    runtime: options.containerRuntimeEndpoint,
    manifests: options.staticPodPath || "(none)",
    url: options.staticPodURL || "(none)",
  });
  logger.debug(1, "Configuration", { config: maskedConfigForLog(options) });

  const clock = new RealClock();
  const stop = new AbortController();
  const onSignal = () => stop.abort(new Error("signal"));
  for (const s of STOP_SIGNALS) Deno.addSignalListener(s, onSignal);

  const registry = new MetricsRegistry();
  const metrics = registerKubeletMetrics(registry);
  let fake: FakeRuntimeServer | undefined;
  let cri: CriConnection | undefined;
  try {
    await Deno.mkdir(options.rootDir, { recursive: true });
    await Deno.mkdir(options.podLogsDir, { recursive: true });
    fake = await startEmbeddedRuntime(options, logger);
    cri = await connect(options, clock, logger, metrics);
    const v = cri.version;
    logger.info("Connected to the container runtime", {
      runtime: `${v.runtimeName} ${v.runtimeVersion}`,
      criApi: `${v.runtimeApiVersion} (${v.version})`,
    });
    const status = await cri.runtime.status();
    for (const c of status.status?.conditions ?? []) {
      logger.info(`Runtime condition ${c.type}=${c.status}`, {
        reason: c.reason,
        message: c.message,
      });
    }
    if (!fake) logger.info(`Using the runtime at unix://${options.runtimeSocketPath}`);

    const supervisor = new LoopSupervisor({ clock, logger, signal: stop.signal });
    const agent = buildAgent(
      options,
      cri,
      clock,
      logger,
      metrics,
      registry,
      () => supervisor.healthCheck(),
    );
    agent.start(supervisor);
    supervisor.start("parentWatch", (signal) =>
      watchParent({
        clock,
        signal,
        ppid: () => Deno.ppid,
        onParentGone: (startedBy, now) => {
          logger.warn("The process that started denolet is gone; stopping", {
            parent: startedBy,
            newParent: now,
          });
          stop.abort(new Error("parent gone"));
        },
      }));
    const run = await supervisor.wait();
    return run.failure ? 1 : 0;
  } catch (err) {
    if (stop.signal.aborted) return 0;
    logger.error(err instanceof Error ? err.message : String(err));
    return 1;
  } finally {
    stop.abort();
    for (const s of STOP_SIGNALS) Deno.removeSignalListener(s, onSignal);
    cri?.close();
    await fake?.stop();
    logger.info("denolet stopped");
  }
}

if (import.meta.main) {
  Deno.exit(await main(Deno.args));
}
