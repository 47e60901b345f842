/**
 * One object kept by a list+watch of its name only, as the reflector the
 * kubelet's watch-based manager starts per referenced object: list
 * `fieldSelector=metadata.name=<name>` in the object's namespace, then
 * watch from the list's resourceVersion with bookmarks and a server-side
 * timeout of 5 to 10 minutes, every event moving the resourceVersion on.
 *
 * - A 410 Expired (answer or ERROR event) relists at once; the server ending
 *   a watch re-watches at once. Any other failure backs off like client-go's
 *   reflector (src/config/_api_retry.ts: 800 ms doubling to 30 s, jittered;
 *   a 429's Retry-After), then relists if the list failed, else re-watches.
 *   A watch that ends within a second with no event, and a 410 on the
 *   resourceVersion a list has just given, count as failures (no spinning).
 * - `synced` is set by the first list (the kubelet's store `initialized`);
 *   `stop()` unsets it unless the object is immutable, whose watch stops as
 *   soon as it is seen immutable and is never restarted.
 * - A change of the object (another uid or resourceVersion, created,
 *   deleted) after the first list calls `onChange`.
 *
 * @module
 */

import { isResourceExpired, type WatchEvent } from "../client/mod.ts";
import { MIN_WATCH_TIMEOUT_SECONDS, SHORT_WATCH_MS } from "../client/read_watch.ts";
import { ApiRetry } from "../client/reflector_backoff.ts";
import { readWatch } from "../client/read_watch.ts";
import { isImmutable, type KubeObject, readErrText } from "./_object_result.ts";
import { deepFreeze } from "../util/deep_freeze.ts";
import { refOf, type StoreContext } from "./_object_store.ts";
import type { ObjectRef } from "./types.ts";

/** What one {@linkcode ObjectWatch.step} did. */
export interface WatchStep {
  outcome: "listed" | "watch-ended" | "expired" | "failed" | "aborted";
  next: "list" | "watch";
  /** The wait before the next step, in ms. */
  waitMs: number;
}

/** The reflector of one object. */
export class ObjectWatch {
  readonly ref: ObjectRef;
  /** Pods that refer to the object. */
  refCount = 0;
  /** When a read last asked for it (the recycler stops it once idle). */
  lastAccess: number;
  #ctx: StoreContext;
  #random: () => number;
  readonly #retry: ApiRetry;
  #object: KubeObject | undefined;
  #everListed = false;
  #synced = false;
  #immutable = false;
  #stop: AbortController | undefined;
  #rv: string | undefined;
  #next: "list" | "watch" = "list";
  #freshRv = false;
  #lastError: string | undefined;
  #waiters = new Set<() => void>();

  constructor(ctx: StoreContext, namespace: string, name: string, random: () => number) {
    this.#ctx = ctx;
    this.ref = refOf(ctx, namespace, name);
    this.#random = random;
    this.#retry = new ApiRetry({}, random);
    this.lastAccess = ctx.clock.now();
  }

  /** The object as last seen; undefined when absent. */
  get object(): KubeObject | undefined {
    return this.#object;
  }

  /** Whether a list has answered since the last start. */
  get synced(): boolean {
    return this.#synced;
  }

  /** Whether the watch runs. */
  get running(): boolean {
    return this.#stop !== undefined;
  }

  /** Whether the object was seen immutable (its watch stopped for good). */
  get immutable(): boolean {
    return this.#immutable;
  }

  /** The last failure, as safe text, while not synced. */
  get lastError(): string | undefined {
    return this.#lastError;
  }

  get #selector(): string {
    return `metadata.name=${this.ref.name}`;
  }

  /** Starts the list+watch unless it runs or the object is immutable. */
  start(): void {
    if (this.#stop || this.#immutable) return;
    const stop = new AbortController();
    this.#stop = stop;
    this.#next = "list";
    // #run never rejects; a defect would be logged as a failed watch, not crash the agent.
    this.#run(stop.signal).catch((err) => this.#ctx.failed("watch", this.ref, err));
  }

  /** Stops the list+watch; the object is kept, but no longer counts as synced unless immutable. */
  stop(): void {
    this.#stop?.abort();
    this.#stop = undefined;
    if (!this.#immutable) this.#synced = false;
  }

  /** Resolves true once synced, false after `timeoutMs` on the clock or when `signal` aborts. */
  waitSynced(timeoutMs: number, signal?: AbortSignal): Promise<boolean> {
    if (this.#synced) return Promise.resolve(true);
    if (signal?.aborted) return Promise.resolve(false);
    return new Promise((resolve) => {
      const done = () => {
        cancel();
        this.#waiters.delete(done);
        signal?.removeEventListener("abort", done);
        resolve(this.#synced);
      };
      const cancel = this.#ctx.clock.after(timeoutMs, done);
      this.#waiters.add(done);
      signal?.addEventListener("abort", done, { once: true });
    });
  }

  async #run(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      const { waitMs } = await this.step(signal);
      if (waitMs > 0 && !signal.aborted) {
        await this.#ctx.clock.sleep(waitMs, signal).catch(() => {});
      }
    }
  }

  /** One list, or one watch until it ends; never rejects. */
  step(signal: AbortSignal): Promise<WatchStep> {
    return this.#next === "list" ? this.#list(signal) : this.#watch(signal);
  }

  async #list(signal: AbortSignal): Promise<WatchStep> {
    const { client, resource } = this.#ctx;
    let object: KubeObject | undefined;
    let rv: string;
    try {
      const list = await client.list<KubeObject>({ resource, namespace: this.ref.namespace }, {
        fieldSelector: this.#selector,
        signal,
      });
      const request =
        `GET /api/v1/namespaces/${this.ref.namespace}/${resource}?fieldSelector=${this.#selector}`;
      if (!Array.isArray(list?.items)) throw new Error(`${request}: the answer has no items`);
      rv = list.metadata?.resourceVersion ?? "";
      if (rv === "") throw new Error(`${request}: the answer has no metadata.resourceVersion`);
      object = list.items.find((o) => o?.metadata?.name === this.ref.name);
    } catch (err) {
      if (signal.aborted) return { outcome: "aborted", next: "list", waitMs: 0 };
      return this.#fail("list", err);
    }
    if (signal.aborted) return { outcome: "aborted", next: "list", waitMs: 0 };
    this.#rv = rv;
    this.#freshRv = true;
    this.#next = "watch";
    this.#lastError = undefined;
    this.#set(object);
    this.#synced = true;
    for (const w of [...this.#waiters]) w();
    if (isImmutable(object)) this.#becameImmutable();
    return { outcome: "listed", next: "watch", waitMs: 0 };
  }

  async #watch(signal: AbortSignal): Promise<WatchStep> {
    const { client, resource, clock } = this.#ctx;
    const freshRv = this.#freshRv;
    this.#freshRv = false;
    const started = clock.now();
    let stream: AsyncGenerator<WatchEvent<KubeObject>, void, undefined>;
    try {
      stream = await client.watch<KubeObject>({ resource, namespace: this.ref.namespace }, {
        fieldSelector: this.#selector,
        resourceVersion: this.#rv,
        allowWatchBookmarks: true,
        timeoutSeconds: Math.floor(MIN_WATCH_TIMEOUT_SECONDS * (1 + this.#random())),
        signal,
      });
    } catch (err) {
      if (signal.aborted) return { outcome: "aborted", next: "watch", waitMs: 0 };
      if (isResourceExpired(err)) return this.#expired(err, freshRv);
      return this.#fail("watch", err);
    }
    const end = await readWatch(stream, (ev) => {
      const rv = ev.object?.metadata?.resourceVersion;
      if (typeof rv === "string" && rv !== "") this.#rv = rv;
      if (ev.type === "BOOKMARK" || ev.object?.metadata?.name !== this.ref.name) return;
      this.#set(ev.type === "DELETED" ? undefined : ev.object);
      if (isImmutable(this.#object)) this.#becameImmutable();
    }, signal);
    if (end.kind === "aborted" || signal.aborted) {
      return { outcome: "aborted", next: "watch", waitMs: 0 };
    }
    if (end.kind === "failed") return this.#fail("watch", end.error);
    if (end.kind === "error-event") {
      if (isResourceExpired(end.error)) {
        return this.#expired(end.error, freshRv && end.events === 0);
      }
      return this.#fail("watch", end.error);
    }
    if (end.events === 0 && clock.now() - started < SHORT_WATCH_MS) {
      return this.#fail("watch", new Error("the server ended the watch within a second, empty"));
    }
    return { outcome: "watch-ended", next: "watch", waitMs: 0 };
  }

  #set(object: KubeObject | undefined): void {
    const prev = this.#object;
    this.#object = object === undefined ? undefined : deepFreeze(object);
    const same = prev?.metadata?.uid === object?.metadata?.uid &&
      prev?.metadata?.resourceVersion === object?.metadata?.resourceVersion;
    const first = !this.#everListed;
    this.#everListed = true;
    if (!first && !same) this.#ctx.changed(this.ref);
  }

  #becameImmutable(): void {
    this.#immutable = true;
    this.stop();
    this.#ctx.debug(4, "Stopped watching for changes: the object is immutable", this.ref);
  }

  #expired(err: unknown, freshRv: boolean): WatchStep {
    this.#next = "list";
    if (freshRv) return this.#fail("list", err);
    this.#ctx.debug(4, "The watch expired, relisting", this.ref);
    return { outcome: "expired", next: "list", waitMs: 0 };
  }

  #fail(op: "list" | "watch", err: unknown): WatchStep {
    const waitMs = this.#retry.next(err, this.#ctx.clock.now());
    this.#next = op === "list" || this.#rv === undefined ? "list" : "watch";
    this.#ctx.failed(op, this.ref, err);
    this.#lastError = readErrText(this.#ctx.kind, err);
    return { outcome: "failed", next: this.#next, waitMs };
  }
}
