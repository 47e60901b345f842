/**
 * The Get strategy (the kubelet's `NewSimpleSecretManager` /
 * `NewSimpleConfigMapManager`): every read is a live GET of the object;
 * references are not counted (there is nothing to keep).
 *
 * @module
 */

import type { ObjectResult } from "./_object_result.ts";
import { fetchObject, type ObjectStore, resultOf, type StoreContext } from "./_object_store.ts";

/** A live GET per read. */
export class GetStore implements ObjectStore {
  #ctx: StoreContext;

  constructor(ctx: StoreContext) {
    this.#ctx = ctx;
  }

  get size(): number {
    return 0;
  }

  addReference(): void {}

  deleteReference(): void {}

  async get(namespace: string, name: string, signal?: AbortSignal): Promise<ObjectResult> {
    return resultOf(await fetchObject(this.#ctx, namespace, name, signal));
  }

  recycle(): void {}

  close(): void {}
}
