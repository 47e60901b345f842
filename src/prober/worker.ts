/**
 * A probe worker: one per (container, probe type), probing every
 * `periodSeconds` and recording a verdict in its {@linkcode ResultsManager}
 * once `successThreshold` / `failureThreshold` identical results are seen in
 * a row (kubelet's prober/worker.go).
 *
 * `probeOnce()` is the step tests call; `run(signal)` repeats it on the
 * injected Clock. Differences from the kubelet, on purpose:
 * - `trigger()` runs a probe now; the prober manager triggers a container's
 *   workers when it sees a new container instance and when its startup probe
 *   succeeds, so a container without an initial delay is probed (and can be
 *   Ready) as soon as it has started, not up to one period later.
 * - A worker waiting out `initialDelaySeconds` wakes when the delay ends,
 *   not at the next period tick.
 * - The run of identical results is reset for a new container instance.
 * - A readiness or startup probe that has not yet succeeded for an instance
 *   is retried soon (20 ms at first, see _startup_retry.ts) between the
 *   period's probes; those retries never count a failure.
 * - Workers wake on 10 ms boundaries of the clock (`TIMER_QUANTUM_MS`), so
 *   a thousand of them share a hundred event-loop wake-ups a second.
 *
 * @module
 */

import type { Container, Pod, Probe } from "kubernetes-types/core/v1.d.ts";
import type { RecordEvent } from "../container/events.ts";
import type { ProbeVerdict, ProbeVerdicts } from "../container/runtime.ts";
import type { Clock } from "../util/clock.ts";
import { LoopWaker, runEvery } from "../util/run_every.ts";
import { hasStartupRetries, startupRetryDelay } from "./_startup_retry.ts";
import { type ProbeTarget, runProbe } from "./prober.ts";
import type { ProbeOutcome, ProbeType } from "./probe_result.ts";
import { type OnProbe, reportProbe } from "./probe_report.ts";
import type { ResultsManager } from "./results_manager.ts";
import type { ContainerStatusSource } from "./status_source.ts";

/** Runs a probe spec against a container (default: {@linkcode runProbe}). */
export type ProbeFunction = (probe: Probe, target: ProbeTarget) => Promise<ProbeOutcome>;

/** What a worker probes. */
export interface ProbeWorkerSpec {
  type: ProbeType;
  pod: Pod;
  container: Container;
}

/** Options for {@linkcode ProbeWorker}. */
export interface ProbeWorkerOptions {
  clock: Clock;
  /** Where this worker's verdicts go. */
  results: ResultsManager;
  statusSource: ContainerStatusSource;
  /** Startup verdicts; a container with a startup probe has started once it is "success". */
  startupResults?: ProbeVerdicts;
  /** @default runProbe with the worker's clock */
  probe?: ProbeFunction;
  /** Probe events (Unhealthy, ProbeWarning). */
  recordEvent?: RecordEvent;
  onProbe?: OnProbe;
  /**
   * When the agent started (ms). A worker created less than one period after
   * it first waits a random fraction of the period, so that probes of pods
   * found at start-up spread out. @default no jitter
   */
  agentStartedAt?: number;
  /** Random numbers in [0, 1) for the jitter. @default Math.random */
  random?: () => number;
  /** Told about an exception from a step (the loop goes on). @default ignore */
  onError?: (error: unknown) => void;
}

/** The verdict a worker records for a new container before probing it. */
export function initialVerdict(type: ProbeType): ProbeVerdict {
  if (type === "readiness") return "failure";
  if (type === "liveness") return "success";
  return "unknown";
}

/** The probe spec of a container for a probe type. */
export function probeSpec(container: Container, type: ProbeType): Probe | undefined {
  if (type === "liveness") return container.livenessProbe;
  if (type === "readiness") return container.readinessProbe;
  return container.startupProbe;
}

/**
 * Workers wake on multiples of this many ms of the clock, so that a thousand
 * workers wake in at most 100 event-loop turns a second rather than a
 * thousand: each wake-up of the loop costs more CPU than the timers it
 * serves (1,000 workers probing nothing: 66 µs of CPU per probe unaligned,
 * 51 µs at 5 ms, 44 µs at 10 ms, 30 µs at 50 ms). A probe is at most this
 * much later than its schedule.
 */
export const TIMER_QUANTUM_MS = 10;

function alignUp(t: number): number {
  return Math.ceil(t / TIMER_QUANTUM_MS) * TIMER_QUANTUM_MS;
}

/** A failed probe that took longer than this gets no start-up retry, ms. */
const SLOW_FAILURE_MS = 250;

/** One probe loop for one container and probe type. */
export class ProbeWorker {
  readonly type: ProbeType;
  readonly container: Container;
  readonly probe: Probe;
  #pod: Pod;
  #options: ProbeWorkerOptions;
  #probeFn: ProbeFunction;
  #containerId: string | undefined;
  #lastResult: ProbeVerdict | undefined;
  #resultRun = 0;
  #onHold = false;
  #stopped = false;
  /** Aborted by stop(): ends the loop, also during a wait. */
  #stop = new AbortController();
  #waker = new LoopWaker();
  #wakeHint: number | undefined;
  /** When the instance was first probed, and whether it has succeeded (start-up retries). */
  #firstProbeAt: number | undefined;
  #succeeded = false;
  /** When this instance was first seen running without a known start time. */
  #runningSeenAt: number | undefined;
  /** Whether the verdict now is the failure recorded while the instance was not running. */
  #failedNotRunning = false;
  /** When the next start-up retry is due, if one is. */
  #retryAt: number | undefined;

  constructor(spec: ProbeWorkerSpec, options: ProbeWorkerOptions) {
    const probe = probeSpec(spec.container, spec.type);
    if (!probe) {
      throw new TypeError(
        `Cannot create ${spec.type} probe worker: container '${spec.container.name}' has no ${spec.type} probe`,
      );
    }
    this.type = spec.type;
    this.container = spec.container;
    this.probe = probe;
    this.#pod = spec.pod;
    this.#options = options;
    this.#probeFn = options.probe ??
      ((p, target) => runProbe(p, target, { clock: options.clock }));
  }

  /** The pod as last given (a deletion timestamp on it ends liveness and startup probing). */
  get pod(): Pod {
    return this.#pod;
  }

  /** Replaces the pod object, e.g. once it carries a deletion timestamp. */
  updatePod(pod: Pod): void {
    this.#pod = pod;
  }

  /** The container instance the worker currently probes. */
  get containerId(): string | undefined {
    return this.#containerId;
  }

  /** Whether {@linkcode ProbeWorker.stop} was called or the loop ended. */
  get stopped(): boolean {
    return this.#stopped;
  }

  /** Asks the loop to probe now instead of at the next tick. */
  trigger(): void {
    this.#waker.wake();
  }

  /** Ends the loop; the worker's verdict is removed when it exits. */
  stop(): void {
    this.#stopped = true;
    this.#stop.abort();
  }

  get #periodMs(): number {
    // Absent or NaN: the API default; below 1 s: the API minimum. A period
    // longer than a timer holds (2,200,000 s) is the clock's to wait out.
    const seconds = this.probe.periodSeconds;
    return (seconds == null || Number.isNaN(seconds) ? 10 : Math.max(1, seconds)) * 1000;
  }

  /**
   * One step: reads the container's status, decides whether to probe, probes
   * and records a verdict once a threshold is met. Resolves false when the
   * worker should end (the container will not run again, or the pod is being
   * deleted and this is a liveness or startup worker). A `retry` (a start-up
   * retry between the period's probes) does not count a failure.
   */
  async probeOnce(now: number = this.#options.clock.now(), retry = false): Promise<boolean> {
    this.#wakeHint = undefined;
    this.#retryAt = undefined;
    const { results, statusSource } = this.#options;
    const pod = this.#pod;
    const uid = pod.metadata?.uid ?? "";
    const status = statusSource.getContainerStatus(uid, this.container.name);
    if (!status?.containerId) return true; // not created yet, or gone: wait
    const id = status.containerId;
    if (id !== this.#containerId) {
      if (this.#containerId !== undefined) results.remove(this.#containerId);
      this.#containerId = id;
      results.set(id, initialVerdict(this.type), uid);
      this.#onHold = false;
      this.#lastResult = undefined;
      this.#resultRun = 0;
      this.#firstProbeAt = undefined;
      this.#runningSeenAt = undefined;
      this.#failedNotRunning = false;
      this.#succeeded = false;
    }
    if (this.#onHold) return true;
    if (status.state !== "running") {
      results.set(id, "failure", uid);
      this.#failedNotRunning = true;
      return status.state !== "terminated" || pod.spec?.restartPolicy !== "Never";
    }
    if (this.#failedNotRunning) {
      // Seen created before it ran (the runtime's status raced its start): that failure was
      // "not running", not a probe's verdict; a liveness failure kept here would kill the
      // container as soon as it runs, before its first probe.
      this.#failedNotRunning = false;
      results.set(id, initialVerdict(this.type), uid);
    }
    if (pod.metadata?.deletionTimestamp && this.type !== "readiness") {
      results.set(id, "success", uid);
      return false;
    }
    // A status may say running before it carries the start time: the delay then counts from
    // when this worker first saw it running, never from the epoch (which would probe at once).
    const startedAt = status.startedAt ?? (this.#runningSeenAt ??= now);
    const readyAt = startedAt + (this.probe.initialDelaySeconds ?? 0) * 1000;
    if (now < readyAt) {
      this.#wakeHint = readyAt;
      return true;
    }
    if (this.#started(id)) {
      if (this.type === "startup") return true; // idle, but kept for restarts
    } else if (this.type !== "startup") {
      return true; // the startup probe gates the others
    }
    this.#firstProbeAt ??= now;
    const outcome = await this.#probeFn(this.probe, {
      pod,
      container: this.container,
      containerId: id,
      podIP: statusSource.getPodIP?.(uid),
    });
    try {
      this.#report(outcome);
    } catch (e) {
      // Metrics and events must never cost a probe its result.
      this.#options.onError?.(e);
    }
    if (this.#stopped || this.#containerId !== id) return !this.#stopped;
    const succeeded = !outcome.error && outcome.result !== "unknown" &&
      outcome.result !== "failure";
    if (!succeeded) this.#scheduleRetry(now);
    if (outcome.error || outcome.result === "unknown") return true; // errors are thrown away
    const verdict: ProbeVerdict = outcome.result === "failure" ? "failure" : "success";
    if (retry && verdict === "failure") return true; // start-up retries count no failure
    if (this.#lastResult === verdict) this.#resultRun++;
    else {
      this.#lastResult = verdict;
      this.#resultRun = 1;
    }
    const threshold = verdict === "failure"
      ? this.probe.failureThreshold ?? 3
      : this.probe.successThreshold ?? 1;
    if (this.#resultRun < threshold) return true;
    results.set(id, verdict, uid);
    if (verdict === "success") this.#succeeded = true;
    if (verdict === "failure" && this.type !== "readiness") {
      // The container is going to be killed: wait for the next instance.
      this.#onHold = true;
      this.#resultRun = 0;
    }
    return true;
  }

  /**
   * Probes every period until stopped, the signal aborts or a step says to
   * end; the verdict of the last probed container is removed on exit. The
   * period counts from the start of a probe; a trigger or the end of the
   * initial delay probes earlier, and the period then counts from that probe.
   */
  async run(signal?: AbortSignal): Promise<void> {
    const onAbort = () => this.stop();
    signal?.addEventListener("abort", onAbort, { once: true });
    if (signal?.aborted) this.stop();
    const { clock } = this.#options;
    const period = this.#periodMs;
    const started = this.#options.agentStartedAt;
    let jitterMs = started !== undefined && clock.now() - started < period
      ? (this.#options.random ?? Math.random)() * period
      : undefined;
    /** When the next probe is due on the period's grid. */
    let next: number | undefined;
    try {
      await runEvery(async (now) => {
        // A start-up retry between the period's probes leaves the grid alone.
        const retry = next !== undefined && now < next && this.#retryAt !== undefined &&
          now >= this.#retryAt;
        if (!retry) next = nextProbeAt(next, now, period);
        if (!(await this.probeOnce(now, retry))) this.stop();
      }, {
        clock,
        signal: this.#stop.signal,
        immediate: jitterMs === undefined,
        waker: this.#waker,
        onError: this.#options.onError,
        periodMs: () => {
          const now = clock.now();
          if (jitterMs !== undefined) {
            const first = jitterMs;
            jitterMs = undefined;
            return Math.max(0, alignUp(now + first) - now);
          }
          const hint = this.#wakeHint;
          const wakeAt = hint !== undefined && hint < next! ? hint : next!;
          return Math.max(0, alignUp(wakeAt) - now);
        },
      });
    } finally {
      signal?.removeEventListener("abort", onAbort);
      this.#stopped = true;
      if (this.#containerId !== undefined) this.#options.results.remove(this.#containerId);
    }
  }

  /** Arms a start-up retry after a probe at `now` that did not succeed. */
  #scheduleRetry(now: number): void {
    if (this.#succeeded || !hasStartupRetries(this.type, this.probe)) return;
    // A slow failure (a timeout, an overloaded target) waits for the period:
    // quick retries would only add to the load.
    const end = Math.max(now, this.#options.clock.now());
    if (end - now > SLOW_FAILURE_MS) return;
    const delay = startupRetryDelay(this.#firstProbeAt ?? now, end, this.#periodMs);
    if (delay === undefined) return;
    this.#retryAt = end + delay;
    if (this.#wakeHint === undefined || this.#retryAt < this.#wakeHint) {
      this.#wakeHint = this.#retryAt;
    }
  }

  #started(containerId: string): boolean {
    if (!this.container.startupProbe) return true;
    return this.#options.startupResults?.get(containerId) === "success";
  }

  #report(outcome: ProbeOutcome): void {
    reportProbe(this.#pod, this.container, this.type, outcome, this.#options);
  }
}

/**
 * The time of the probe after one at `now`, given the previous due time:
 * one period on from a probe that was due, or from `now` for one that ran
 * early (woken by a trigger or the end of the initial delay), so two probes
 * are never closer than a period; a grid left behind (a slow probe) restarts
 * from `now`.
 */
export function nextProbeAt(due: number | undefined, now: number, periodMs: number): number {
  if (due === undefined || now < due) return now + periodMs;
  const next = due + periodMs;
  return next <= now ? now + periodMs : next;
}
