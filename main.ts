/**
 * denolet's entry point and only composition root: parses the kubelet flags and
 * config file, creates the real clock, logger and metrics, opens the runtime,
 * builds the agent from its named builders (src/agent/: runtime side, pod
 * pipeline, housekeeping, servers), runs every loop under one supervisor, and
 * stops them all on SIGINT/SIGTERM/SIGHUP, when the launcher is gone, or when
 * a loop fails (exit 1).
 *
 * Run it through `deno task start` / `deno task demo` (scripts/run.ts), which
 * grant exactly the permissions computed from the configuration, or as the
 * binary built by `deno task compile`.
 *
 * @module
 */

// The agent's modules are loaded by main() (below), so that `denolet pods|logs|exec`
// (src/cli) loads none of them: no gRPC, no YAML. Only light ones are static.
import { createLogger } from "./src/util/logger.ts";
import { maskUrl } from "./src/util/mask_url.ts";
import { RealClock } from "./src/util/clock.ts";
import { MetricsRegistry } from "./src/metrics/registry.ts";
import { registerKubeletMetrics } from "./src/metrics/kubelet_metrics.ts";
import { LoopSupervisor } from "./src/util/loop_supervisor.ts";
import { watchParent } from "./src/util/parent_watch.ts";
import { MemoryTrimmer, v8MemoryReducingGc } from "./src/util/memory_trim.ts";
import type { AgentDeps, AgentLoops } from "./src/agent/_deps.ts";
import type { OpenRuntime } from "./src/agent/connect.ts";
import type { ClusterConnection } from "./src/agent/cluster.ts";
import { errText } from "./src/util/err_text.ts";

/** The signals that stop the agent gracefully (SIGHUP too: a closed terminal or a launcher's stop). */
const STOP_SIGNALS: Deno.Signal[] = ["SIGINT", "SIGTERM", "SIGHUP"];

/** Builds the whole agent on an open runtime and starts its loops under `supervisor`. */
async function startAgent(
  deps: AgentDeps,
  open: OpenRuntime,
  cluster: ClusterConnection | undefined,
  supervisor: LoopSupervisor,
): Promise<void> {
  const [
    { buildObjects },
    { buildRuntimeSide },
    { buildPodPipeline },
    { buildHousekeeping },
    { buildServers },
  ] = await Promise.all([
    import("./src/agent/objects.ts"),
    import("./src/agent/runtime_side.ts"),
    import("./src/agent/pod_pipeline.ts"),
    import("./src/agent/housekeeping.ts"),
    import("./src/agent/servers.ts"),
  ]);
  const objects = buildObjects(deps, cluster?.api);
  const rt = buildRuntimeSide(deps, open.cri, cluster?.nodeIps, {
    tokens: cluster ? (pod, source) => cluster.tokens.token(pod, source) : undefined,
  });
  const clusterSide = cluster?.build(rt);
  const pods = buildPodPipeline(deps, rt, {
    ...clusterSide?.extras,
    objects: objects.source,
    localObjects: objects.local,
  });
  // The servers start first: /healthz answers as soon as the loops run.
  const loops: AgentLoops = {
    ...buildServers(deps, rt, pods, () => supervisor.healthCheck(), cluster),
    ...pods.loops,
    ...rt.loops,
    ...clusterSide?.attach(pods),
    ...objects.loops(() => pods.kubelet.pods(), (uid) => pods.kubelet.podWorkers.wake(uid)),
    ...buildHousekeeping(deps, open.cri, rt, pods),
  };
  for (const [name, run] of Object.entries(loops)) supervisor.start(name, run);
}

/** Runs the agent with `args`; resolves with the process exit code. */
export async function main(args: readonly string[]): Promise<number> {
  const { loadKubeletOptions, maskedConfigForLog, OptionsError, versionText } = await import(
    "./src/options/mod.ts"
  );
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
    url: options.staticPodURL ? maskUrl(options.staticPodURL) : "(none)",
  });
  logger.debug(1, "Configuration", { config: maskedConfigForLog(options) });

  const clock = new RealClock();
  const stop = new AbortController();
  const onSignal = () => stop.abort(new Error("signal"));
  for (const s of STOP_SIGNALS) Deno.addSignalListener(s, onSignal);
  const registry = new MetricsRegistry();
  const deps: AgentDeps = {
    options,
    clock,
    logger,
    registry,
    metrics: registerKubeletMetrics(registry),
  };
  let open: OpenRuntime | undefined;
  let cluster: ClusterConnection | undefined;
  try {
    await Deno.mkdir(options.rootDir, { recursive: true });
    await Deno.mkdir(options.podLogsDir, { recursive: true });
    // The API client, watches, mirror pods, leases and tokens are loaded only with --kubeconfig.
    cluster = options.standalone
      ? undefined
      : await (await import("./src/agent/cluster.ts")).connectCluster(deps);
    open = await (await import("./src/agent/connect.ts")).openRuntime(deps);
    const supervisor = new LoopSupervisor({ clock, logger, signal: stop.signal });
    await startAgent(deps, open, cluster, supervisor);
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
    // V8's free pages back to the system after bursts (needs --v8-flags=--expose-gc, which
    // the launcher and the compiled binary set; without it the agent runs without the trim).
    const collect = v8MemoryReducingGc();
    if (collect) {
      const trimmer = new MemoryTrimmer({
        clock,
        rss: () => Deno.memoryUsage().rss,
        collect,
        onTrim: (t) =>
          logger.debug(2, "Returned free heap pages to the system", {
            rssBeforeMiB: (t.rssBefore / 1048576).toFixed(1),
            rssAfterMiB: (t.rssAfter / 1048576).toFixed(1),
            ms: t.durationMs.toFixed(1),
          }),
      });
      supervisor.start("memoryTrim", (signal) => trimmer.run(signal));
    }
    const run = await supervisor.wait();
    return run.failure ? 1 : 0;
  } catch (err) {
    if (stop.signal.aborted) return 0;
    logger.error(errText(err));
    return 1;
  } finally {
    stop.abort();
    for (const s of STOP_SIGNALS) Deno.removeSignalListener(s, onSignal);
    await open?.close();
    cluster?.close();
    logger.info("denolet stopped");
  }
}

if (import.meta.main) {
  // `denolet pods|logs|exec`: the CLI (src/cli), which loads nothing of the agent.
  if (["pods", "logs", "exec"].includes(Deno.args[0])) {
    Deno.exit(await (await import("./src/cli/cli.ts")).runCli(Deno.args));
  }
  Deno.exit(await main(Deno.args));
}
