/**
 * What the fake runtime's sandbox and container stores share: records by id
 * in creation order, containerd's name reservation (a name stays taken
 * until its record is removed), and an index by the kubelet's pod UID label,
 * so that the per-pod lists a kubelet makes (ListPodSandbox and
 * ListContainers filtered on `io.kubernetes.pod.uid`) do not scan every
 * record: at 1,000 pods a full scan per call made the fake itself the cost.
 * Private to src/cri/fake/.
 *
 * @module
 */

import { status } from "@grpc/grpc-js";
import type { StringMap } from "../types.ts";
import { matchesLabels, notFound, RpcError } from "./_util.ts";

/** The label the kubelet puts on every sandbox and container (its pod's UID). */
export const POD_UID_LABEL = "io.kubernetes.pod.uid";

/** Records of one kind ("sandbox", "container"), by id, with reserved names. */
export class RecordStore<T extends { id: string; labels: StringMap }> {
  readonly #kind: string;
  #byId = new Map<string, T>();
  /** Reserved name → id of the record that holds it. */
  #names = new Map<string, string>();
  /** Id → the name it holds. */
  #nameOf = new Map<string, string>();
  /** Pod UID label value → its records by id, in creation order. */
  #byPodUid = new Map<string, Map<string, T>>();

  constructor(kind: string) {
    this.#kind = kind;
  }

  /** Throws containerd's error when `name` is reserved. */
  protected checkName(name: string): void {
    const holder = this.#names.get(name);
    if (holder === undefined) return;
    throw new RpcError(
      status.UNKNOWN,
      `failed to reserve ${this.#kind} name "${name}": name "${name}" is reserved for "${holder}"`,
    );
  }

  /** Stores `record` under its id, holding `name`. */
  protected insert(record: T, name: string): T {
    this.#byId.set(record.id, record);
    this.#names.set(name, record.id);
    this.#nameOf.set(record.id, name);
    const uid = record.labels[POD_UID_LABEL];
    if (uid !== undefined) {
      let group = this.#byPodUid.get(uid);
      if (!group) this.#byPodUid.set(uid, group = new Map());
      group.set(record.id, record);
    }
    return record;
  }

  /** The record with this id, or undefined. */
  find(id: string): T | undefined {
    return this.#byId.get(id);
  }

  /** The record with this id; NotFound otherwise. */
  get(id: string): T {
    const record = this.#byId.get(id);
    if (!record) throw notFound(this.#kind, id);
    return record;
  }

  /** Removes the record and releases its name. */
  delete(id: string): void {
    const record = this.#byId.get(id);
    this.#byId.delete(id);
    const name = this.#nameOf.get(id);
    if (name !== undefined && this.#names.get(name) === id) this.#names.delete(name);
    this.#nameOf.delete(id);
    const uid = record?.labels[POD_UID_LABEL];
    if (uid === undefined) return;
    const group = this.#byPodUid.get(uid);
    group?.delete(id);
    if (group?.size === 0) this.#byPodUid.delete(uid);
  }

  /**
   * The records that can match `id` and `selector`, in creation order: one
   * record for an id, the pod's records for a selector on the pod UID label,
   * else all. Callers still apply every filter.
   */
  protected candidates(id: string | undefined, selector: StringMap | undefined): T[] {
    if (id) {
      const record = this.#byId.get(id);
      return record ? [record] : [];
    }
    const uid = selector?.[POD_UID_LABEL];
    if (uid !== undefined) return [...(this.#byPodUid.get(uid)?.values() ?? [])];
    return this.all();
  }

  /** Records matching an id, a label selector and `keep`, in creation order. */
  protected select(
    id: string | undefined,
    selector: StringMap | undefined,
    keep: (record: T) => boolean,
  ): T[] {
    return this.candidates(id, selector).filter((r) =>
      (!id || r.id === id) && keep(r) && matchesLabels(r.labels, selector)
    );
  }

  /** All records, in creation order. */
  all(): T[] {
    return [...this.#byId.values()];
  }
}
