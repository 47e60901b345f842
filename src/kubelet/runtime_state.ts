/**
 * Node health as the kubelet's runtimeState keeps it: the CRI Status polled
 * every 5 s (`updateRuntimeUp`), the time of the last good answer (older than
 * 30 s means "container runtime is down"), the RuntimeReady and NetworkReady
 * conditions, and named health checks such as the PLEG's. The sync loop asks
 * {@linkcode RuntimeState.runtimeErrors} before each iteration and pauses with
 * the runtime gate (src/kubelet/_runtime_gate.ts) while it is not empty.
 *
 * Times are milliseconds since the Unix epoch.
 *
 * @module
 */

import type { RuntimeCondition, RuntimeStatus } from "../container/runtime.ts";
import type { Clock } from "../util/clock.ts";
import { runEvery } from "../util/run_every.ts";
import { type Logger, nullLogger } from "../util/logger.ts";
import { errText } from "../util/err_text.ts";

/** The runtime call {@linkcode RuntimeState} polls. */
export interface RuntimeStatusSource {
  status(): Promise<RuntimeStatus>;
}

/** A health check verdict (the PLEG's `healthy(now)` returns this shape). */
export interface HealthVerdict {
  ok: boolean;
  message: string;
}

/** A named health check taking the current time. */
export type RuntimeHealthCheck = (now: number) => HealthVerdict;

/** Options for {@linkcode RuntimeState}. */
export interface RuntimeStateOptions {
  clock: Clock;
  /** @default nullLogger */
  logger?: Logger;
  /** Last good status older than this means the runtime is down (maxWaitForContainerRuntime). @default 30000 */
  baseRuntimeSyncThresholdMs?: number;
  /** Time between {@linkcode RuntimeState.updateRuntimeUp} calls in `run`. @default 5000 */
  periodMs?: number;
  /**
   * Called once, after the first status with RuntimeReady true
   * (kubelet's initializeRuntimeDependentModules). @default undefined
   */
  onFirstReady?: () => void;
}

/** The network error before the first CRI status answer (kubelet's ErrNetworkUnknown). */
export const ERR_NETWORK_UNKNOWN = "network state unknown";

/** A CRI condition as the kubelet prints it (`%v` of RuntimeCondition). */
export function formatCondition(c: RuntimeCondition | undefined): string {
  if (!c) return "<nil>";
  return `${c.type}=${c.status} reason:${c.reason} message:${c.message}`;
}

/**
 * Several errors as one message, as Go's utilerrors.NewAggregate prints
 * them: the single message, or `[a, b]`. Empty input gives "".
 */
export function formatAggregate(errors: readonly string[]): string {
  if (errors.length === 0) return "";
  if (errors.length === 1) return errors[0];
  return `[${errors.join(", ")}]`;
}

/** The node's runtime, network and health-check state. */
export class RuntimeState {
  #runtime: RuntimeStatusSource;
  #clock: Clock;
  #logger: Logger;
  #thresholdMs: number;
  #periodMs: number;
  #onFirstReady?: () => void;
  #initialized = false;
  #lastBaseRuntimeSync = 0;
  #runtimeError?: string;
  #networkError: string | undefined = ERR_NETWORK_UNKNOWN;
  #checks: { name: string; fn: RuntimeHealthCheck }[] = [];

  constructor(runtime: RuntimeStatusSource, options: RuntimeStateOptions) {
    this.#runtime = runtime;
    this.#clock = options.clock;
    this.#logger = options.logger ?? nullLogger;
    this.#thresholdMs = options.baseRuntimeSyncThresholdMs ?? 30_000;
    this.#periodMs = options.periodMs ?? 5_000;
    this.#onFirstReady = options.onFirstReady;
  }

  /** Adds a check reported as "<name> is not healthy: <message>" when it fails. */
  addHealthCheck(name: string, fn: RuntimeHealthCheck): void {
    this.#checks.push({ name, fn });
  }

  /** When the runtime last answered with RuntimeReady true (0 = never). */
  get lastBaseRuntimeSync(): number {
    return this.#lastBaseRuntimeSync;
  }

  /** Records a successful runtime sync at `time`. */
  setRuntimeSync(time: number): void {
    this.#lastBaseRuntimeSync = time;
  }

  /**
   * Why pods should not be synced now; empty when the runtime is healthy.
   * In order: never synced or stale sync, failed health checks, RuntimeReady false.
   */
  runtimeErrors(now: number): string[] {
    const errs: string[] = [];
    if (this.#lastBaseRuntimeSync === 0) {
      errs.push("container runtime status check may not have completed yet");
    } else if (!(this.#lastBaseRuntimeSync + this.#thresholdMs > now)) {
      errs.push("container runtime is down");
    }
    for (const c of this.#checks) {
      let v: HealthVerdict;
      try {
        v = c.fn(now);
      } catch (e) {
        v = { ok: false, message: errText(e) };
      }
      if (!v.ok) errs.push(`${c.name} is not healthy: ${v.message}`);
    }
    if (this.#runtimeError !== undefined) errs.push(this.#runtimeError);
    return errs;
  }

  /** Why the node network is not ready; empty when NetworkReady is true. */
  networkErrors(): string[] {
    return this.#networkError === undefined ? [] : [this.#networkError];
  }

  /**
   * One poll (kubelet's updateRuntimeUp): asks the CRI Status and updates
   * the network and runtime errors; with RuntimeReady true, runs the one-time
   * initialisation and records the sync time. A failed call changes nothing
   * (the sync time goes stale). Resolves to whether the runtime is ready.
   */
  async updateRuntimeUp(): Promise<boolean> {
    let status: RuntimeStatus;
    try {
      status = await this.#runtime.status();
    } catch (e) {
      this.#logger.error("Container runtime sanity check failed", { err: e });
      return false;
    }
    const find = (type: string) => status.conditions.find((c) => c.type === type);
    const network = find("NetworkReady");
    if (!network || !network.status) {
      this.#networkError = `container runtime network not ready: ${formatCondition(network)}`;
      this.#logger.error("Container runtime network not ready", {
        networkReady: formatCondition(network),
      });
    } else {
      this.#networkError = undefined;
    }
    const runtime = find("RuntimeReady");
    if (!runtime || !runtime.status) {
      this.#runtimeError = `container runtime not ready: ${formatCondition(runtime)}`;
      this.#logger.error("Container runtime not ready", { runtimeReady: formatCondition(runtime) });
      return false;
    }
    this.#runtimeError = undefined;
    if (!this.#initialized) {
      this.#initialized = true;
      this.#onFirstReady?.();
    }
    this.setRuntimeSync(this.#clock.now());
    return true;
  }

  /** Calls {@linkcode updateRuntimeUp} every period until `signal` aborts. */
  async run(signal: AbortSignal): Promise<void> {
    await runEvery(() => this.updateRuntimeUp(), {
      clock: this.#clock,
      periodMs: this.#periodMs,
      signal,
      onError: (err) => this.#logger.error("Runtime status check failed", { err }),
    });
  }
}
