/**
 * Opens the container runtime the agent uses: starts the embedded fake
 * runtime when configured, connects the CRI client, checks the CRI version
 * and logs the runtime's conditions. Errors say what to do.
 *
 * @module
 */

import { connectRuntime, type CriConnection } from "../cri/connect_runtime.ts";
import type { FakeRuntimeServer } from "../cri/fake/mod.ts";
import type { AgentDeps } from "./_deps.ts";
import { errText } from "../util/err_text.ts";

/** The image the embedded fake runtime has from the start (the examples use it). */
export const EMBEDDED_IMAGES = ["denolet.local/busybox:latest"];

const REAL_RUNTIME_HINT =
  "to use a real runtime, pass --container-runtime-endpoint=unix:///run/containerd/containerd.sock " +
  "(containerd) or unix:///var/run/crio/crio.sock (CRI-O)";

/** An open runtime; `close()` closes the client, then stops the embedded runtime. */
export interface OpenRuntime {
  cri: CriConnection;
  close(): Promise<void>;
}

/** Starts the embedded fake runtime when configured; returns undefined otherwise. */
async function startEmbeddedRuntime(deps: AgentDeps): Promise<FakeRuntimeServer | undefined> {
  const { options, clock, logger } = deps;
  if (!options.embeddedRuntime) return undefined;
  // Loaded only when configured: an agent on a real runtime never holds the fake's code.
  const { startFakeRuntime } = await import("../cri/fake/mod.ts");
  const fake = await startFakeRuntime({
    socketPath: options.runtimeSocketPath,
    clock,
    images: EMBEDDED_IMAGES,
    // A long-running agent must not keep every request it made (tests read them).
    recordCalls: false,
  });
  logger.info("Started the embedded fake CRI runtime (containers are simulated, nothing runs)", {
    endpoint: fake.endpoint,
  });
  logger.info(`Embedded runtime in use: ${REAL_RUNTIME_HINT}`);
  return fake;
}

/** Connects to the runtime and checks its CRI version; the error says what to do. */
async function connect(deps: AgentDeps): Promise<CriConnection> {
  const { options, clock, logger, metrics } = deps;
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
    const reason = errText(err);
    throw new Error(
      `Cannot connect to the container runtime at ${endpoint}: ${reason}. ` +
        `Is the runtime running and is this the right socket? To try denolet without one, ` +
        `pass --container-runtime-endpoint=embedded.`,
    );
  }
}

/** Opens the runtime (embedded or real), logging its version and conditions. */
export async function openRuntime(deps: AgentDeps): Promise<OpenRuntime> {
  const { options, logger } = deps;
  const fake = await startEmbeddedRuntime(deps);
  let cri: CriConnection | undefined;
  const close = async () => {
    cri?.close();
    await fake?.stop();
  };
  try {
    cri = await connect(deps);
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
    return { cri, close };
  } catch (err) {
    await close();
    throw err;
  }
}
