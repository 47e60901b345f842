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
import { createLogger, type Logger } from "./src/util/logger.ts";
import { type Clock, RealClock } from "./src/util/clock.ts";
import { connectRuntime, type CriConnection } from "./src/cri/connect_runtime.ts";
import { type FakeRuntimeServer, startFakeRuntime } from "./src/cri/fake/mod.ts";
import { FileSource } from "./src/config/file.ts";
import { HttpSource } from "./src/config/http.ts";
import { PodConfig } from "./src/config/pod_config.ts";
import type { PodSource, PodUpdate } from "./src/config/pod_update.ts";

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
  await Deno.mkdir(options.rootDir, { recursive: true });
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
async function connect(options: KubeletOptions): Promise<CriConnection> {
  const endpoint = `unix://${options.runtimeSocketPath}`;
  try {
    return await connectRuntime(endpoint, {
      imageServiceEndpoint: `unix://${options.imageSocketPath}`,
      runtimeRequestTimeoutMs: options.runtimeRequestTimeout,
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

function logUpdate(logger: Logger, update: PodUpdate): void {
  const pods = update.pods.map((p) => `${p.metadata?.namespace}/${p.metadata?.name}`);
  logger.info(`Pod update ${update.op} from source ${update.source}`, {
    pods: pods.length > 0 ? pods.join(",") : "(none)",
  });
}

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
  logger.info("Starting denolet", { config: maskedConfigForLog(options) });

  const clock = new RealClock();
  const stop = new AbortController();
  const onSignal = () => stop.abort(new Error("signal"));
  Deno.addSignalListener("SIGINT", onSignal);
  Deno.addSignalListener("SIGTERM", onSignal);

  let fake: FakeRuntimeServer | undefined;
  let cri: CriConnection | undefined;
  try {
    fake = await startEmbeddedRuntime(options, logger);
    cri = await connect(options);
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

    const sources = podSources(options, clock, logger);
    if (sources.length === 0) {
      logger.warn(
        "No pod source configured: pass --pod-manifest-path or --manifest-url (or staticPodPath / staticPodURL in the config file)",
      );
    }
    const podConfig = new PodConfig({ clock, logger });
    const updates = podConfig.updates(stop.signal);
    const merging = podConfig.run(sources, stop.signal);
    for await (const update of updates) logUpdate(logger, update);
    await merging;
    return 0;
  } catch (err) {
    if (stop.signal.aborted) return 0;
    logger.error(err instanceof Error ? err.message : String(err));
    return 1;
  } finally {
    Deno.removeSignalListener("SIGINT", onSignal);
    Deno.removeSignalListener("SIGTERM", onSignal);
    cri?.close();
    await fake?.stop();
    logger.info("denolet stopped");
  }
}

if (import.meta.main) {
  Deno.exit(await main(Deno.args));
}
