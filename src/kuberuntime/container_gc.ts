/**
 * Container garbage collection on the CRI (kubelet's kuberuntime_gc.go): dead
 * containers, old sandboxes and the log directories of deleted pods.
 *
 * {@linkcode decideContainerGC} is the pure decision: from what the runtime
 * lists, the {@linkcode GCPolicy}, the time and which pods are deleted, it
 * says what to remove. {@linkcode ContainerGC} lists, decides and removes,
 * carrying on after a failed removal and reporting every failure;
 * `collectGarbage(now)` is one pass and `run(signal)` repeats it every minute.
 *
 * The decision itself, in the kubelet's order, is documented in
 * container_gc_decision.ts.
 *
 * @module
 */

import type { RecordEvent } from "../container/events.ts";
import type { RuntimeService } from "../cri/service.ts";
import type { Clock } from "../util/clock.ts";
import { errText } from "../util/err_text.ts";
import { type Logger, nullLogger } from "../util/logger.ts";
import { type GCPolicy, validateGCPolicy } from "./gc_policy.ts";
import { runEvery } from "../util/run_every.ts";
import {
  type ContainerGCInput,
  type ContainerRemoval,
  decideContainerGC,
} from "./container_gc_decision.ts";

export {
  type ContainerGCDecision,
  type ContainerGCInput,
  containerIdFromLegacyLog,
  type ContainerRemoval,
  decideContainerGC,
  podUidFromLogDirectory,
} from "./container_gc_decision.ts";

/** The CRI calls {@linkcode ContainerGC} makes. */
export type ContainerGCRuntime = Pick<
  RuntimeService,
  | "listContainers"
  | "listPodSandbox"
  | "containerStatus"
  | "stopContainer"
  | "removeContainer"
  | "stopPodSandbox"
  | "removePodSandbox"
>;

/** What failed during a pass. */
export interface ContainerGCFailure {
  kind: "list" | "container" | "sandbox" | "logDir" | "containerLog";
  /** Container or sandbox id, or the path. */
  target: string;
  message: string;
}

/** The outcome of one pass: what was removed and every failure. */
export interface ContainerGCResult {
  removedContainers: string[];
  removedSandboxes: string[];
  removedLogDirs: string[];
  removedContainerLogs: string[];
  failures: ContainerGCFailure[];
}

/** Options for {@linkcode ContainerGC}. */
export interface ContainerGCOptions {
  clock: Clock;
  policy: GCPolicy;
  /** Whether all pod sources are ready (kubelet's sourcesReady.AllReady). */
  allSourcesReady: () => boolean;
  /** Whether the pod with this UID is deleted. */
  isPodDeleted: (uid: string) => boolean;
  /** `--pod-logs-dir`; undefined skips log directory GC. @default undefined */
  podLogsDir?: string;
  /** Legacy container log symlink directory; undefined skips it. @default undefined */
  containerLogsDir?: string;
  /** Time between passes in `run`. @default 60000 */
  periodMs?: number;
  /** @default nullLogger */
  logger?: Logger;
  /** Receives the ContainerGCFailed node event. @default drops it */
  recordEvent?: RecordEvent;
}

async function readDirNames(dir: string, filter: (e: Deno.DirEntry) => boolean) {
  const names: string[] = [];
  try {
    for await (const e of Deno.readDir(dir)) if (filter(e)) names.push(e.name);
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  }
  return names.sort();
}

async function removeIfExists(path: string, recursive = false): Promise<void> {
  try {
    await Deno.remove(path, { recursive });
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  }
}

/**
 * Container, sandbox and log garbage collector.
 *
 * Needs the CRI socket permissions, and `--allow-read` / `--allow-write` on
 * the pod logs and container logs directories when they are set.
 */
export class ContainerGC {
  #runtime: ContainerGCRuntime;
  #options: ContainerGCOptions;
  #logger: Logger;

  constructor(runtime: ContainerGCRuntime, options: ContainerGCOptions) {
    validateGCPolicy(options.policy);
    this.#runtime = runtime;
    this.#options = options;
    this.#logger = options.logger ?? nullLogger;
  }

  /** One pass at time `now`: list, decide, remove; every failure is in the result. */
  async collectGarbage(now: number): Promise<ContainerGCResult> {
    const result: ContainerGCResult = {
      removedContainers: [],
      removedSandboxes: [],
      removedLogDirs: [],
      removedContainerLogs: [],
      failures: [],
    };
    const o = this.#options;
    let input: ContainerGCInput;
    try {
      const [containers, sandboxes, podLogDirs, danglingContainerLogs] = await Promise.all([
        this.#runtime.listContainers(),
        this.#runtime.listPodSandbox(),
        o.podLogsDir ? readDirNames(o.podLogsDir, (e) => e.isDirectory) : [],
        o.containerLogsDir ? this.#danglingLogs(o.containerLogsDir) : [],
      ]);
      input = {
        containers,
        sandboxes,
        podLogDirs,
        danglingContainerLogs,
        policy: o.policy,
        now,
        allSourcesReady: o.allSourcesReady(),
        isPodDeleted: o.isPodDeleted,
      };
    } catch (e) {
      result.failures.push({ kind: "list", target: "", message: errText(e) });
      this.#report(result);
      return result;
    }
    const decision = decideContainerGC(input);

    const failedSandboxes = new Set<string>();
    const sandboxOf = new Map(input.containers.map((c) => [c.id, c.podSandboxId]));
    for (const r of decision.containersToRemove) {
      try {
        await this.#removeContainer(r);
        result.removedContainers.push(r.id);
      } catch (e) {
        result.failures.push({ kind: "container", target: r.id, message: errText(e) });
        failedSandboxes.add(sandboxOf.get(r.id) ?? "");
      }
    }
    for (const id of decision.sandboxesToRemove) {
      // A container of it is still there: its sandbox is still active.
      if (failedSandboxes.has(id)) continue;
      try {
        await this.#runtime.stopPodSandbox(id);
        await this.#runtime.removePodSandbox(id);
        result.removedSandboxes.push(id);
      } catch (e) {
        result.failures.push({ kind: "sandbox", target: id, message: errText(e) });
      }
    }
    for (const name of decision.logDirsToRemove) {
      const path = `${o.podLogsDir}/${name}`;
      try {
        await removeIfExists(path, true);
        result.removedLogDirs.push(name);
      } catch (e) {
        result.failures.push({ kind: "logDir", target: path, message: errText(e) });
      }
    }
    for (const name of decision.containerLogsToRemove) {
      const path = `${o.containerLogsDir}/${name}`;
      try {
        await removeIfExists(path);
        result.removedContainerLogs.push(name);
      } catch (e) {
        result.failures.push({ kind: "containerLog", target: path, message: errText(e) });
      }
    }
    this.#report(result);
    return result;
  }

  /** Runs {@linkcode collectGarbage} every period (the first one period after start) until `signal` aborts. */
  async run(signal: AbortSignal): Promise<void> {
    await runEvery((now) => this.collectGarbage(now), {
      clock: this.#options.clock,
      periodMs: this.#options.periodMs ?? 60_000,
      signal,
    });
  }

  async #danglingLogs(dir: string): Promise<string[]> {
    const links = await readDirNames(dir, (e) => e.isSymlink && e.name.endsWith(".log"));
    const out: string[] = [];
    for (const name of links) {
      try {
        await Deno.stat(`${dir}/${name}`);
      } catch (e) {
        if (e instanceof Deno.errors.NotFound) out.push(name);
      }
    }
    return out;
  }

  /** Kills an UNKNOWN container, removes its log file and legacy link, then the container. */
  async #removeContainer(r: ContainerRemoval): Promise<void> {
    if (r.killFirst) await this.#runtime.stopContainer(r.id, 0);
    const o = this.#options;
    let logPath = "";
    try {
      logPath = (await this.#runtime.containerStatus(r.id)).status.logPath ?? "";
    } catch {
      // No status: nothing to clean besides the container itself.
    }
    try {
      if (logPath.startsWith("/")) await removeIfExists(logPath);
      if (o.containerLogsDir) {
        await removeIfExists(
          `${o.containerLogsDir}/${r.podName}_${r.podNamespace}_${r.containerName}-${r.id}.log`,
        );
      }
    } catch (e) {
      this.#logger.warn("Failed to remove container log", { containerID: r.id, err: e });
    }
    await this.#runtime.removeContainer(r.id);
    this.#logger.debug(4, "Removed container", {
      containerID: r.id,
      pod: `${r.podNamespace}/${r.podName}`,
      container: r.containerName,
    });
  }

  #report(result: ContainerGCResult): void {
    if (result.failures.length === 0) return;
    const messages = result.failures.map((f) =>
      f.target ? `failed to remove ${f.kind} "${f.target}": ${f.message}` : f.message
    );
    for (const m of messages) this.#logger.error("Container garbage collection failed", { err: m });
    const message = messages.length === 1 ? messages[0] : `[${messages.join(", ")}]`;
    this.#options.recordEvent?.({ type: "Warning", reason: "ContainerGCFailed", message });
  }
}
