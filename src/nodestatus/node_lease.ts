/**
 * The node lease `kube-node-lease/<node>` (coordination.k8s.io/v1), the
 * node's heartbeat, kept as client-go's lease controller keeps it for the
 * kubelet: created with `holderIdentity` = the node name,
 * `leaseDurationSeconds` (40) and `renewTime`, and an ownerReference to the
 * Node once its uid is known (filled in on a later renewal if it was not);
 * renewed every `leaseDurationSeconds` × 0.25 (10 s) by PUT with the last
 * resourceVersion. A 409 Conflict re-reads the lease and retries once at
 * once; a 404 creates it again; an outage backs off (200 ms doubling to
 * 7 s) and then resumes the 10 s rhythm. {@linkcode NodeLease.renew} is the
 * step and never throws; `run(signal)` repeats it.
 *
 * Times are milliseconds since the Unix epoch.
 *
 * @module
 */

import type { Lease } from "kubernetes-types/coordination/v1.d.ts";
import { type ApiClient, isConflict, isNotFound } from "../client/mod.ts";
import type { ResourceRef } from "../client/mod.ts";
import type { Clock } from "../util/clock.ts";
import { errText } from "../util/err_text.ts";
import { type Logger, nullLogger } from "../util/logger.ts";
import { runEvery } from "../util/run_every.ts";
import { ThrottledLog } from "../client/throttled_log.ts";

/** The collection of node leases. */
export const NODE_LEASE_REF: Readonly<ResourceRef> = {
  group: "coordination.k8s.io",
  version: "v1",
  resource: "leases",
  namespace: "kube-node-lease",
};

/** Options of {@linkcode NodeLease}. */
export interface NodeLeaseOptions {
  client: Pick<ApiClient, "get" | "create" | "replace">;
  clock: Clock;
  /** The lease's name and holderIdentity. */
  nodeName: string;
  /** `nodeLeaseDurationSeconds`. @default 40 */
  leaseDurationSeconds?: number;
  /** The Node's uid, once known (NodeStatusManager.nodeUid). @default never known */
  nodeUid?: () => string | undefined;
  /** @default nullLogger */
  logger?: Logger;
}

const FIRST_RETRY_MS = 200;
const MAX_RETRY_MS = 7_000;

/** A time as metav1.MicroTime marshals it: RFC 3339 with microseconds, UTC. */
export function microTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, ".$1000Z");
}

/** Creates and renews the node's lease. */
export class NodeLease {
  #o: NodeLeaseOptions;
  #duration: number;
  #ref: ResourceRef;
  #logger: Logger;
  #failures: ThrottledLog;
  #latest?: Lease;
  #retryMs = 0;

  constructor(options: NodeLeaseOptions) {
    this.#o = options;
    this.#duration = options.leaseDurationSeconds ?? 40;
    if (!Number.isInteger(this.#duration) || this.#duration < 1) {
      throw new RangeError(
        `Cannot create node lease: leaseDurationSeconds must be a positive integer, got ${this.#duration}`,
      );
    }
    this.#ref = { ...NODE_LEASE_REF, name: options.nodeName };
    this.#logger = options.logger ?? nullLogger;
    this.#failures = new ThrottledLog(this.#logger);
  }

  /** How often the lease is renewed: leaseDurationSeconds × 0.25, in ms. */
  get renewIntervalMs(): number {
    return this.#duration * 250;
  }

  /** The lease as the server last returned it. */
  get latest(): Lease | undefined {
    return this.#latest && structuredClone(this.#latest);
  }

  /**
   * One renewal at `now`: PUT over the last known lease (on a conflict, GET
   * and PUT again once), or create it when there is none. Resolves whether it
   * worked; never throws.
   */
  async renew(now: number): Promise<boolean> {
    try {
      if (this.#latest) {
        try {
          this.#latest = await this.#put(this.#latest, now);
        } catch (err) {
          if (isNotFound(err)) {
            this.#latest = undefined;
            await this.#ensure(now);
          } else if (isConflict(err)) {
            this.#logger.debug(2, "Node lease changed under us; reading it again", {
              lease: this.#o.nodeName,
            });
            this.#latest = undefined;
            await this.#ensure(now);
          } else {
            throw err;
          }
        }
      } else {
        await this.#ensure(now);
      }
      this.#retryMs = 0;
      return true;
    } catch (err) {
      this.#retryMs = Math.min(
        this.#retryMs === 0 ? FIRST_RETRY_MS : this.#retryMs * 2,
        MAX_RETRY_MS,
      );
      const message = "Failed to renew the node lease, will retry";
      this.#failures.apiError(message, now, message, err, {
        lease: `kube-node-lease/${this.#o.nodeName}`,
        retryInMs: this.#retryMs,
        err: errText(err),
      });
      return false;
    }
  }

  /** Repeats {@linkcode renew}: every renew interval, or sooner while backing off. */
  async run(signal: AbortSignal): Promise<void> {
    await runEvery((now) => this.renew(now), {
      clock: this.#o.clock,
      signal,
      periodMs: () => this.#retryMs > 0 ? this.#retryMs : this.renewIntervalMs,
      onError: (err) => this.#logger.error("Node lease loop failed", { err: errText(err) }),
    });
  }

  /** GET the lease and renew it, or create it when it does not exist. */
  async #ensure(now: number): Promise<void> {
    let current: Lease;
    try {
      current = await this.#o.client.get<Lease>(this.#ref);
    } catch (err) {
      if (!isNotFound(err)) throw err;
      const made = await this.#o.client.create<Lease>(
        NODE_LEASE_REF,
        this.#leaseFrom(undefined, now),
      );
      this.#latest = made;
      this.#logger.info("Created the node lease", { lease: `kube-node-lease/${this.#o.nodeName}` });
      return;
    }
    this.#latest = await this.#put(current, now);
  }

  #put(base: Lease, now: number): Promise<Lease> {
    return this.#o.client.replace<Lease>(this.#ref, this.#leaseFrom(base, now));
  }

  /** `base` (or a new lease) renewed at `now`, with the Node as owner once its uid is known. */
  #leaseFrom(base: Lease | undefined, now: number): Lease {
    const lease: Lease = base ? structuredClone(base) : {
      apiVersion: "coordination.k8s.io/v1",
      kind: "Lease",
      metadata: { name: this.#o.nodeName, namespace: NODE_LEASE_REF.namespace },
    };
    lease.spec = {
      ...lease.spec,
      holderIdentity: this.#o.nodeName,
      leaseDurationSeconds: this.#duration,
      renewTime: microTime(now),
    };
    const meta = lease.metadata ??= {};
    if (!meta.ownerReferences?.length) {
      const uid = this.#o.nodeUid?.();
      if (uid) {
        meta.ownerReferences = [{ apiVersion: "v1", kind: "Node", name: this.#o.nodeName, uid }];
      }
    }
    return lease;
  }
}
