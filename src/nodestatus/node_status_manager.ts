/**
 * Node registration and node status, as the kubelet's registerWithAPIServer
 * and updateNodeStatus do them. {@linkcode NodeStatusManager.syncNodeStatus}
 * is the step: until the node is registered it tries to create it (201; on
 * AlreadyExists it reads the node and merges in the labels the agent owns,
 * never removing others'), retrying with a back-off of 100 ms doubling to
 * 7 s; once registered it builds the status and patches `nodes/<n>/status`
 * (strategic merge, so others' conditions stay) when it differs from the last
 * one sent in anything but heartbeat times, or when
 * `nodeStatusReportFrequency` (5 min) has passed since the last patch.
 * `run(signal)` repeats the step every `nodeStatusUpdateFrequency` (10 s).
 *
 * The API server being down, slow or refusing never throws out of the step:
 * failures are logged once a minute per kind and retried. The node's events
 * (Starting, NodeHasSufficientMemory, NodeReady, ...) go to `recordEvent`.
 *
 * Times are milliseconds since the Unix epoch.
 *
 * @module
 */

import type { Node, NodeAddress, NodeStatus } from "kubernetes-types/core/v1.d.ts";
import {
  type ApiClient,
  ApiStatusError,
  isAlreadyExists,
  isForbidden,
  isNotFound,
} from "../client/mod.ts";
import type { Clock } from "../util/clock.ts";
import { errText } from "../util/err_text.ts";
import { type Logger, nullLogger } from "../util/logger.ts";
import { runEvery } from "../util/run_every.ts";
import { ThrottledLog } from "../client/throttled_log.ts";
import { withoutHeartbeats } from "./node_conditions.ts";
import { ANNOTATION_CONTROLLER_MANAGED_ATTACH, initialNode, nodeLabels } from "./node_object.ts";
import {
  type MachineSource,
  type NodeReadiness,
  NodeStatusBuilder,
  type NodeStatusBuilderOptions,
} from "./node_status_builder.ts";

export type { MachineSource, NodeReadiness };

/** Options of {@linkcode NodeStatusManager}: the builder's (config, machine, readiness, ...) and these. */
export interface NodeStatusManagerOptions extends Omit<NodeStatusBuilderOptions, "logger"> {
  client: Pick<ApiClient, "get" | "create" | "patch" | "patchStatus">;
  clock: Clock;
  /** `registerNode`: create the Node; false only waits for someone else to. @default true */
  registerNode?: boolean;
  /** @default 10_000 */
  nodeStatusUpdateFrequencyMs?: number;
  /** @default 300_000 */
  nodeStatusReportFrequencyMs?: number;
  /** @default nullLogger */
  logger?: Logger;
}

const FIRST_REGISTER_DELAY_MS = 100;
const MAX_REGISTER_DELAY_MS = 7_000;
/** Patch attempts per status tick (the kubelet makes up to 5). */
const STATUS_ATTEMPTS = 2;

/** Registers the node and keeps its status current. */
export class NodeStatusManager {
  #o: NodeStatusManagerOptions;
  #name: string;
  #logger: Logger;
  #failures: ThrottledLog;
  #builder: NodeStatusBuilder;
  #registered = false;
  #uid?: string;
  #registerDelayMs = 0;
  #nextRegisterAt = 0;
  /** The status last sent, without heartbeat times, as JSON. */
  #lastSent?: string;
  #lastReportAt = Number.NEGATIVE_INFINITY;
  /** The addresses the server holds, when known. */
  #serverAddresses?: NodeAddress[];
  #bornCried = false;
  #inflight: Promise<void> = Promise.resolve();

  constructor(options: NodeStatusManagerOptions) {
    this.#o = options;
    this.#name = options.config.nodeName;
    this.#logger = options.logger ?? nullLogger;
    this.#failures = new ThrottledLog(this.#logger);
    this.#builder = new NodeStatusBuilder({ ...options, logger: this.#logger });
  }

  /** Whether the Node exists in the API (created, or found). */
  get registered(): boolean {
    return this.#registered;
  }

  /** The Node's uid once registered (mirror pods and the lease point their ownerReferences at it). */
  nodeUid(): string | undefined {
    return this.#uid;
  }

  /** Records the kubelet's `Starting` event ("Starting kubelet."), once. */
  birthCry(): void {
    if (this.#bornCried) return;
    this.#bornCried = true;
    this.#o.recordEvent?.({ type: "Normal", reason: "Starting", message: "Starting kubelet." });
  }

  /**
   * One step: registers the node if it is not yet (when its back-off allows),
   * then patches the status if it changed or the report frequency passed.
   * Never throws; calls are serialised.
   */
  syncNodeStatus(now: number): Promise<void> {
    const run = this.#inflight.then(() => this.#sync(now)).catch((err) => {
      this.#logger.error("Node status sync failed", { node: this.#name, err: errText(err) });
    });
    this.#inflight = run;
    return run;
  }

  /** Records Starting, then repeats {@linkcode syncNodeStatus} until `signal` aborts. */
  async run(signal: AbortSignal): Promise<void> {
    this.birthCry();
    const period = this.#o.nodeStatusUpdateFrequencyMs ?? 10_000;
    await runEvery((now) => this.syncNodeStatus(now), {
      clock: this.#o.clock,
      signal,
      periodMs: () =>
        this.#registered
          ? period
          : Math.max(0, Math.min(period, this.#nextRegisterAt - this.#o.clock.now())),
    });
  }

  async #sync(now: number): Promise<void> {
    if (!this.#registered) {
      if (now < this.#nextRegisterAt) return;
      const created = this.#o.registerNode ?? true
        ? await this.#tryRegister(now)
        : await this.#lookUp(now);
      if (created || !this.#registered) return;
    }
    await this.#updateStatus(now);
  }

  /** Creates the Node, or reconciles the existing one. Resolves true when it created it. */
  async #tryRegister(now: number): Promise<boolean> {
    const status = await this.#builder.build(now);
    const node = initialNode(this.#o.config, this.#o.machineInfo, status);
    this.#logger.info("Attempting to register node", { node: this.#name });
    try {
      const created = await this.#o.client.create<Node>({ resource: "nodes" }, node);
      this.#registeredAs(created);
      this.#lastSent = statusKey(status);
      this.#lastReportAt = now;
      this.#serverAddresses = status.addresses;
      this.#logger.info("Successfully registered node", { node: this.#name });
      return true;
    } catch (err) {
      if (!isAlreadyExists(err)) {
        return this.#registerFailed("Unable to register node with API server", err, now);
      }
    }
    let existing: Node;
    try {
      existing = await this.#o.client.get<Node>({ resource: "nodes", name: this.#name });
    } catch (err) {
      return this.#registerFailed(
        "Unable to register node with API server: error getting existing node",
        err,
        now,
      );
    }
    this.#logger.info("Node was previously registered", { node: this.#name });
    const patch = this.#metadataPatch(existing);
    if (patch) {
      try {
        await this.#o.client.patch({ resource: "nodes", name: this.#name }, patch, "merge");
      } catch (err) {
        if (!isForbidden(err)) {
          return this.#registerFailed(
            "Unable to reconcile node with API server: error updating its labels",
            err,
            now,
          );
        }
        // The server will not take them (NodeRestriction): retrying cannot help.
        const message = "Cannot reconcile the labels of the node";
        this.#failures.apiError(message, now, message, err, {
          node: this.#name,
          err: errText(err),
        });
      }
    }
    this.#adopt(existing);
    return false;
  }

  /** With registerNode false: the node must exist; learn its uid and status. */
  async #lookUp(now: number): Promise<boolean> {
    try {
      this.#adopt(await this.#o.client.get<Node>({ resource: "nodes", name: this.#name }));
    } catch (err) {
      this.#registerFailed("Unable to get the node (registerNode is false)", err, now);
    }
    return false;
  }

  /** The labels and annotation the existing node lacks or has otherwise, as a merge patch. */
  #metadataPatch(existing: Node): unknown {
    const have = existing.metadata?.labels ?? {};
    const labels: Record<string, string> = {};
    for (const [k, v] of Object.entries(nodeLabels(this.#o.config, this.#o.machineInfo))) {
      if (have[k] !== v) labels[k] = v;
    }
    const metadata: Record<string, unknown> = {};
    if (Object.keys(labels).length > 0) metadata.labels = labels;
    if (existing.metadata?.annotations?.[ANNOTATION_CONTROLLER_MANAGED_ATTACH] !== "true") {
      metadata.annotations = { [ANNOTATION_CONTROLLER_MANAGED_ATTACH]: "true" };
    }
    return Object.keys(metadata).length > 0 ? { metadata } : undefined;
  }

  /** Takes an existing node's uid, conditions and addresses; the next status is patched. */
  #adopt(existing: Node): void {
    this.#registeredAs(existing);
    this.#builder.adoptConditions(existing.status?.conditions ?? []);
    this.#serverAddresses = existing.status?.addresses;
    this.#lastSent = undefined;
    const bootID = existing.status?.nodeInfo?.bootID;
    const ours = this.#o.machineInfo.bootID;
    if (bootID && ours && bootID !== ours) {
      this.#o.recordEvent?.({
        type: "Warning",
        reason: "NodeRebooted",
        message: `Node ${this.#name} has been rebooted, boot id: ${ours}`,
      });
    }
  }

  #registeredAs(node: Node | undefined): void {
    this.#registered = true;
    this.#uid = node?.metadata?.uid ?? this.#uid;
    this.#registerDelayMs = 0;
    this.#nextRegisterAt = 0;
  }

  #registerFailed(message: string, err: unknown, now: number): false {
    this.#registered = false;
    this.#registerDelayMs = Math.min(
      this.#registerDelayMs === 0 ? FIRST_REGISTER_DELAY_MS : this.#registerDelayMs * 2,
      MAX_REGISTER_DELAY_MS,
    );
    this.#nextRegisterAt = now + this.#registerDelayMs;
    this.#failures.apiError(message, now, message, err, {
      node: this.#name,
      retryInMs: this.#registerDelayMs,
      err: errText(err),
    });
    return false;
  }

  async #updateStatus(now: number): Promise<void> {
    const status = await this.#builder.build(now);
    const key = statusKey(status);
    const reportDue = now - this.#lastReportAt >= (this.#o.nodeStatusReportFrequencyMs ?? 300_000);
    if (key === this.#lastSent && !reportDue) return;
    const body: { status: Record<string, unknown> } = { status: { ...status } };
    const known = this.#serverAddresses ?? [];
    if (known.length > 0 && JSON.stringify(known) !== JSON.stringify(status.addresses)) {
      // addresses is wrongly marked patchStrategy=merge: replace the list, as the kubelet does.
      body.status.addresses = [...status.addresses ?? [], { $patch: "replace" }];
    }
    const ref = { resource: "nodes", name: this.#name };
    for (let attempt = 1;; attempt++) {
      try {
        await this.#o.client.patchStatus<Node>(ref, body, "strategic");
        this.#lastSent = key;
        this.#lastReportAt = now;
        this.#serverAddresses = status.addresses;
        return;
      } catch (err) {
        if (isNotFound(err) && (this.#o.registerNode ?? true)) {
          this.#registered = false;
          this.#nextRegisterAt = now;
          const message = "The node is gone from the API; registering it again";
          this.#failures.apiError(message, now, message, err, {
            node: this.#name,
            err: errText(err),
          });
          return;
        }
        const clientError = err instanceof ApiStatusError && err.code >= 400 && err.code < 500 &&
          err.code !== 429;
        if (attempt >= STATUS_ATTEMPTS || clientError) {
          const message = "Error updating node status, will retry";
          this.#failures.apiError(message, now, message, err, {
            node: this.#name,
            err: errText(err),
          });
          return;
        }
      }
    }
  }
}

/** A status as compared between ticks: everything but the heartbeat times. */
function statusKey(status: NodeStatus): string {
  return JSON.stringify({ ...status, conditions: withoutHeartbeats(status.conditions ?? []) });
}
