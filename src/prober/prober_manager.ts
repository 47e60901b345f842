/**
 * The prober manager (kubelet's prober.Manager): one {@linkcode ProbeWorker}
 * per container and probe type of every pod it is given, the three verdict
 * stores (liveness, readiness, startup), and the status pass that sets
 * `started` and `ready` on container statuses.
 *
 * The manager kills nothing: the pod sync reads `livenessResults` and
 * `startupResults` and kills a container whose verdict is "failure". The
 * manager's {@linkcode ProberManager.onUpdate} fires on every changed
 * verdict, so the agent can wake the pod's worker at once.
 *
 * @module
 */

import type { Pod, PodStatus } from "kubernetes-types/core/v1.d.ts";
import type { RecordEvent } from "../container/events.ts";
import type { Clock } from "../util/clock.ts";
import { SharedTimers } from "../util/shared_timers.ts";
import { applyProbeVerdicts, observe, probedInstances } from "./_status_pass.ts";
import type { ExecSyncRunner } from "./exec_probe.ts";
import { runProbe } from "./prober.ts";
import { PROBE_TYPES, type ProbeType } from "./probe_result.ts";
import { type ProbeVerdict, ResultsManager } from "./results_manager.ts";
import type { OnProbe } from "./probe_report.ts";
import type { ContainerStatusSource, ObservedContainerStatus } from "./status_source.ts";
import { type ProbeFunction, probeSpec, ProbeWorker } from "./worker.ts";

/** A changed verdict of any probe type. */
export interface ProbeUpdate {
  type: ProbeType;
  podUid: string;
  containerId: string;
  result: ProbeVerdict;
}

/** Options for {@linkcode ProberManager}. */
export interface ProberManagerOptions {
  /** Times probe periods, timeouts and the start-up jitter. */
  clock: Clock;
  /** Runs exec probes: the runtime's `execSync` (container.Runtime). Exec probes error without it. */
  runtimeService?: ExecSyncRunner;
  /**
   * Where workers read container states. @default the statuses last given to
   * {@linkcode ProberManager.updatePodStatus}
   */
  statusSource?: ContainerStatusSource;
  /** Probe events (Unhealthy, ProbeWarning). */
  recordEvent?: RecordEvent;
  /** Counts every probe (`prober_probe_total`). */
  onProbe?: OnProbe;
  /** User agent of HTTP and gRPC probes. @default DEFAULT_PROBE_USER_AGENT */
  userAgent?: string;
  /** When the agent started; workers created within one period of it start jittered. @default clock.now() */
  agentStartedAt?: number;
  /** @default Math.random */
  random?: () => number;
  /** Runs a probe; for tests. @default runProbe with the options above */
  probe?: ProbeFunction;
  /** Told about exceptions inside a worker step (the worker goes on). @default ignore */
  onError?: (error: unknown) => void;
}

function workerKey(uid: string, container: string, type: ProbeType): string {
  return `${uid}/${container}/${type}`;
}

/** Probe workers for every pod, and their verdicts. */
export class ProberManager {
  /** Liveness verdicts by container id. */
  readonly livenessResults: ResultsManager = new ResultsManager();
  /** Readiness verdicts by container id. */
  readonly readinessResults: ResultsManager = new ResultsManager();
  /** Startup verdicts by container id. */
  readonly startupResults: ResultsManager = new ResultsManager();
  #clock: Clock;
  #options: ProberManagerOptions;
  #agentStartedAt: number;
  #workers = new Map<string, ProbeWorker>();
  #loops = new Set<Promise<void>>();
  #controller = new AbortController();
  #listeners = new Set<(update: ProbeUpdate) => void>();
  #observed = new Map<string, { ip?: string; containers: Map<string, ObservedContainerStatus> }>();
  #statusSource: ContainerStatusSource;
  #probe: ProbeFunction;

  constructor(options: ProberManagerOptions) {
    this.#options = options;
    // Workers wake on shared 10 ms boundaries and their probes' timeouts start
    // together: timers due at the same ms share one timer of the clock.
    this.#clock = options.clock instanceof SharedTimers
      ? options.clock
      : new SharedTimers(options.clock);
    this.#agentStartedAt = options.agentStartedAt ?? this.#clock.now();
    this.#statusSource = options.statusSource ?? {
      getContainerStatus: (uid, name) => this.#observed.get(uid)?.containers.get(name),
      getPodIP: (uid) => this.#observed.get(uid)?.ip,
    };
    this.#probe = options.probe ?? ((probe, target) =>
      runProbe(probe, target, {
        clock: this.#clock,
        runtimeService: options.runtimeService,
        userAgent: options.userAgent,
      }));
    for (const type of PROBE_TYPES) {
      this.#results(type).onUpdate((u) => this.#onResult(type, u));
    }
  }

  /** The verdict store of a probe type. */
  results(type: ProbeType): ResultsManager {
    return this.#results(type);
  }

  #results(type: ProbeType): ResultsManager {
    if (type === "liveness") return this.livenessResults;
    if (type === "readiness") return this.readinessResults;
    return this.startupResults;
  }

  /** Calls `listener` on every changed verdict; returns the unsubscribe function. */
  onUpdate(listener: (update: ProbeUpdate) => void): () => void {
    this.#listeners.add(listener);
    return () => {
      this.#listeners.delete(listener);
    };
  }

  /**
   * Starts the workers of a pod's containers (regular and restartable init
   * containers) that declare probes. For a pod already known, starts only
   * missing workers and gives the others the new pod object.
   */
  addPod(pod: Pod): void {
    if (this.#controller.signal.aborted) return;
    const uid = pod.metadata?.uid ?? "";
    const containers = [
      ...(pod.spec?.initContainers ?? []).filter((c) => c.restartPolicy === "Always"),
      ...(pod.spec?.containers ?? []),
    ];
    for (const container of containers) {
      for (const type of PROBE_TYPES) {
        if (!probeSpec(container, type)) continue;
        const key = workerKey(uid, container.name, type);
        const existing = this.#workers.get(key);
        if (existing) {
          existing.updatePod(pod);
          continue;
        }
        const worker = new ProbeWorker({ type, pod, container }, {
          clock: this.#clock,
          results: this.#results(type),
          statusSource: this.#statusSource,
          startupResults: this.startupResults,
          probe: this.#probe,
          recordEvent: this.#options.recordEvent,
          onProbe: this.#options.onProbe,
          agentStartedAt: this.#agentStartedAt,
          random: this.#options.random,
          onError: this.#options.onError,
        });
        this.#workers.set(key, worker);
        const loop = worker.run(this.#controller.signal).finally(() => {
          this.#loops.delete(loop);
          if (this.#workers.get(key) === worker) this.#workers.delete(key);
        });
        this.#loops.add(loop);
      }
    }
  }

  /** Stops the workers of a pod (its verdicts are removed as they exit). */
  removePod(uid: string): void {
    for (const [key, worker] of this.#workers) {
      if (key.startsWith(`${uid}/`)) {
        worker.stop();
        this.#workers.delete(key);
      }
    }
    this.#observed.delete(uid);
  }

  /** Stops the workers of every pod not in `desiredUids` (housekeeping). */
  cleanupPods(desiredUids: Iterable<string>): void {
    const keep = new Set(desiredUids);
    const uids = new Set([...this.#workers.keys()].map((k) => k.slice(0, k.indexOf("/"))));
    for (const uid of this.#observed.keys()) uids.add(uid);
    for (const uid of uids) if (!keep.has(uid)) this.removePod(uid);
  }

  /** Whether a worker runs for this pod, container and probe type. */
  hasWorker(uid: string, containerName: string, type: ProbeType): boolean {
    return this.#workers.has(workerKey(uid, containerName, type));
  }

  /** How many workers run. */
  get workerCount(): number {
    return this.#workers.size;
  }

  /**
   * Sets `started` and `ready` on the status's container statuses from the
   * verdicts (kubelet's UpdatePodStatus), in place, and returns the status.
   * A container without a startup probe has started once running; without a
   * readiness probe it is ready once started. Completed init containers are
   * ready. The statuses also feed the workers (unless a status source was
   * given), and workers of a container instance they have not probed yet are
   * triggered, so a new container is probed at once.
   */
  updatePodStatus(pod: Pod, status: PodStatus): PodStatus {
    const uid = pod.metadata?.uid ?? "";
    this.#observed.set(uid, { ip: status.podIP, containers: observe(status) });
    for (const { name, id } of probedInstances(pod, status)) this.#triggerIfNew(uid, name, id);
    return applyProbeVerdicts(pod, status, {
      startupResults: this.startupResults,
      readinessResults: this.readinessResults,
      hasWorker: (name, type) => this.hasWorker(uid, name, type),
    });
  }

  /**
   * Tells the workers of a pod to look at its status now: those whose
   * container has a new running instance probe at once. Call after a pod sync
   * or PLEG event when workers read an injected status source (with
   * {@linkcode ProberManager.updatePodStatus} this happens already).
   */
  podStatusChanged(uid: string): void {
    for (const [key, worker] of this.#workers) {
      if (!key.startsWith(`${uid}/`)) continue;
      const s = this.#statusSource.getContainerStatus(uid, worker.container.name);
      if (s?.state === "running" && s.containerId && s.containerId !== worker.containerId) {
        worker.trigger();
      }
    }
  }

  /** Runs the probes of a container now (all its workers). */
  probeNow(uid: string, containerName: string): void {
    for (const type of PROBE_TYPES) {
      this.#workers.get(workerKey(uid, containerName, type))?.trigger();
    }
  }

  /** Stops every worker and resolves once their loops have ended. */
  async stop(): Promise<void> {
    this.#controller.abort();
    for (const worker of this.#workers.values()) worker.stop();
    this.#workers.clear();
    await Promise.all([...this.#loops]);
  }

  #triggerIfNew(uid: string, name: string, id: string): void {
    for (const type of PROBE_TYPES) {
      const worker = this.#workers.get(workerKey(uid, name, type));
      if (worker && worker.containerId !== id) worker.trigger();
    }
  }

  #onResult(
    type: ProbeType,
    update: { containerId: string; result: ProbeVerdict; podUid: string },
  ) {
    if (type === "startup" && update.result === "success") {
      // The startup probe gated liveness and readiness: run them now.
      for (const [key, worker] of this.#workers) {
        if (!key.startsWith(`${update.podUid}/`) || worker.type === "startup") continue;
        if (worker.containerId === update.containerId || worker.containerId === undefined) {
          worker.trigger();
        }
      }
    }
    const event: ProbeUpdate = { type, ...update };
    for (const listener of [...this.#listeners]) listener(event);
  }
}
