/**
 * What the fake runtime's sandbox and container stores share: records by id
 * in creation order, and containerd's name reservation (a name stays taken
 * until its record is removed). Private to src/cri/fake/.
 *
 * @module
 */

import { status } from "@grpc/grpc-js";
import { notFound, RpcError } from "./_util.ts";

/** Records of one kind ("sandbox", "container"), by id, with reserved names. */
export class RecordStore<T extends { id: string }> {
  readonly #kind: string;
  #byId = new Map<string, T>();
  /** Reserved name → id of the record that holds it. */
  #names = new Map<string, string>();

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
    this.#byId.delete(id);
    for (const [name, holder] of this.#names) {
      if (holder === id) this.#names.delete(name);
    }
  }

  /** All records, in creation order. */
  all(): T[] {
    return [...this.#byId.values()];
  }
}
