/**
 * The API-server pod source (source name `api`), as the kubelet's
 * pkg/kubelet/config/apiserver.go with client-go's reflector: list the pods
 * bound to the node (`fieldSelector=spec.nodeName=<node>`, all namespaces),
 * then watch from the list's resourceVersion with `allowWatchBookmarks` and a
 * server-side `timeoutSeconds` of 5 to 10 minutes (random), and send the full
 * set of the node's pods (by UID) whenever it changes. Every event moves the
 * resourceVersion on, BOOKMARK included.
 *
 * - A list replaces the set (pods gone from the API while the source was
 *   disconnected are gone from the next send) and is sent at once. The source
 *   sends nothing before its first list: PodConfig counts a source ready on its
 *   first send, so orphan cleanup waits until the API has answered.
 * - Watch events are coalesced: each event updates the set and arms one 0 ms
 *   timer on the clock; when it fires, the set is sent once if it changed. So a
 *   burst already buffered (one stream chunk, or several) is one send; with a
 *   `FakeClock` the send happens on `advance(0)`.
 * - Mirror pods (annotation `kubernetes.io/config.mirror`) are never sent as
 *   pods; their full set goes to `onMirrorPods` after the first list and
 *   whenever it changes.
 * - A 410 Expired (ERROR event or answer) relists at once; the server ending a
 *   watch re-watches at once from the last resourceVersion. Any other failure
 *   (network, 5xx, 429, 401/403, a bad stream) backs off like client-go's
 *   reflector (800 ms doubling to 30 s, jittered; a 429's Retry-After when
 *   longer), then relists if the list failed, else re-watches. Like
 *   client-go, a watch that ends within a second with no event, and a 410 on
 *   the resourceVersion a list has just given, count as failures, so a
 *   misbehaving server cannot make the source spin.
 * - An object that is not a Pod of this node with uid, name and namespace is
 *   logged (one line naming the event and the problem) and skipped.
 *
 * The pods sent are the decoded objects; the source never changes them, and
 * receivers must not either (PodConfig copies what it keeps).
 *
 * @module
 */

import type { Pod } from "../api/types.ts";
import { API_SERVER_SOURCE } from "../api/pod_helpers.ts";
import { type ApiClient, isResourceExpired, type WatchEvent } from "../client/mod.ts";
import type { CancelTimer, Clock } from "../util/clock.ts";
import { type Logger, nullLogger } from "../util/logger.ts";
import { ApiPodSet, checkPod } from "./_api_pod_set.ts";
import { ApiSourceReporter } from "./_api_reporter.ts";
import { type ApiPodSourceBackoff, ApiRetry } from "../client/reflector_backoff.ts";
import {
  MIN_WATCH_TIMEOUT_SECONDS,
  type ObjectEvent,
  readWatch,
  SHORT_WATCH_MS,
} from "../client/read_watch.ts";
import type { PodSource } from "./pod_update.ts";

export { MIN_WATCH_TIMEOUT_SECONDS, SHORT_WATCH_MS } from "../client/read_watch.ts";

export type { ApiPodSourceBackoff };

/** Options for {@linkcode ApiPodSource}. */
export interface ApiPodSourceOptions {
  client: Pick<ApiClient, "list" | "watch">;
  /** The node whose pods are listed (`spec.nodeName`). */
  nodeName: string;
  /** Times the back-off and the coalescing of sends. */
  clock: Clock;
  /** @default nullLogger */
  logger?: Logger;
  /** Receives the full set of the node's mirror pods after the first list and on every change. */
  onMirrorPods?: (pods: Pod[]) => void;
  /** @default client-go's reflector back-off */
  backoff?: ApiPodSourceBackoff;
  /** In [0, 1): the watch timeout and the jitter. @default Math.random */
  random?: () => number;
}

/** What one {@linkcode ApiPodSource.step} did and what comes next. */
export interface ApiSourceStep {
  outcome: "listed" | "watch-ended" | "expired" | "failed" | "aborted";
  /** The next step. */
  next: "list" | "watch";
  /** The wait before it, in ms; 0 is at once. */
  waitMs: number;
  /** The failure, for `failed`. */
  error?: unknown;
}

/**
 * The pods the API server binds to this node. {@linkcode ApiPodSource.step}
 * (one list, or one watch until it ends) is what tests call;
 * {@linkcode ApiPodSource.run} repeats it with the waits it returns. One run at
 * a time.
 *
 * Requires `--allow-net` for the API server's host.
 */
export class ApiPodSource implements PodSource {
  readonly name = API_SERVER_SOURCE;
  #client: Pick<ApiClient, "list" | "watch">;
  #nodeName: string;
  #clock: Clock;
  #onMirrorPods: ((pods: Pod[]) => void) | undefined;
  #retry: ApiRetry;
  #random: () => number;
  #reporter: ApiSourceReporter;
  #set = new ApiPodSet();
  #rv: string | undefined;
  #next: "list" | "watch" = "list";
  #freshRv = false;
  #ready = false;
  #send: ((pods: Pod[]) => void) | undefined;
  #pendingSend: CancelTimer | undefined;
  #defect: { error: unknown } | undefined;
  #onDefect: (() => void) | undefined;

  /**
   * @throws {TypeError} if `nodeName` is empty.
   * @throws {RangeError} for a back-off with `initialMs` not in (0, maxMs] or a negative jitter.
   */
  constructor(options: ApiPodSourceOptions) {
    if (!options?.nodeName) throw new TypeError("Cannot create API pod source: nodeName is empty");
    this.#client = options.client;
    this.#nodeName = options.nodeName;
    this.#clock = options.clock;
    this.#onMirrorPods = options.onMirrorPods;
    this.#random = options.random ?? Math.random;
    this.#retry = new ApiRetry(options.backoff ?? {}, this.#random);
    this.#reporter = new ApiSourceReporter(options.logger ?? nullLogger, options.clock);
  }

  /** Whether the first list has landed (and been sent). */
  get ready(): boolean {
    return this.#ready;
  }

  /** The resourceVersion the next watch starts from; undefined before the first list. */
  get resourceVersion(): string | undefined {
    return this.#rv;
  }

  /** Failed requests in a row since the last success. */
  get consecutiveFailures(): number {
    return this.#reporter.failures;
  }

  /**
   * Lists or watches until a relist, a re-watch or the abort; never rejects for
   * API errors or bad objects (they are logged and retried or skipped). `send`
   * receives the node's pods after a list and, coalesced, after watch events.
   */
  step(send: (pods: Pod[]) => void, signal: AbortSignal): Promise<ApiSourceStep> {
    this.#send = send;
    return this.#next === "list" ? this.#list(signal) : this.#watch(signal);
  }

  /**
   * Repeats {@linkcode ApiPodSource.step} until `signal` aborts, then resolves.
   * It rejects only when `send` or `onMirrorPods` throws (a defect of the
   * receiver), with that error.
   */
  async run(send: (pods: Pod[]) => void, signal: AbortSignal): Promise<void> {
    const stop = new AbortController();
    const inner = AbortSignal.any([signal, stop.signal]);
    this.#defect = undefined;
    this.#onDefect = () => stop.abort();
    try {
      while (!inner.aborted) {
        const { waitMs } = await this.step(send, inner);
        if (waitMs > 0 && !inner.aborted) await this.#clock.sleep(waitMs, inner).catch(() => {});
      }
    } finally {
      this.#pendingSend?.();
      this.#pendingSend = undefined;
      this.#onDefect = undefined;
    }
    const defect = this.#defect as { error: unknown } | undefined;
    if (defect && !signal.aborted) throw defect.error;
  }

  get #selector(): string {
    return `spec.nodeName=${this.#nodeName}`;
  }

  async #list(signal: AbortSignal): Promise<ApiSourceStep> {
    const request = `GET /api/v1/pods?fieldSelector=${this.#selector}`;
    let items: unknown[];
    let rv: string;
    try {
      const list = await this.#client.list<Pod>({ resource: "pods" }, {
        fieldSelector: this.#selector,
        signal,
      });
      if (!Array.isArray(list?.items)) throw new TypeError(`${request}: the answer has no items`);
      rv = list.metadata?.resourceVersion ?? "";
      if (rv === "") throw new TypeError(`${request}: the answer has no metadata.resourceVersion`);
      items = list.items;
    } catch (err) {
      if (signal.aborted) return { outcome: "aborted", next: "list", waitMs: 0 };
      return this.#fail("list", request, err);
    }
    this.#reporter.succeeded(request);
    this.#set.clear();
    items.forEach((item, i) => {
      const check = checkPod(item, this.#nodeName);
      if (check.ok) this.#set.put(check.uid, check.pod);
      else this.#reporter.skipped(`list item ${i}`, check.problem, check);
    });
    this.#rv = rv;
    this.#freshRv = true;
    this.#next = "watch";
    const first = !this.#ready;
    this.#ready = true;
    this.#pendingSend?.();
    this.#pendingSend = undefined;
    const { pods, mirrors } = this.#set.deliver({ pods: true, mirrors: first });
    this.#send?.(pods!);
    if (mirrors) this.#onMirrorPods?.(mirrors);
    const count = pods!.length;
    if (first) this.#reporter.ready(count, this.#set.size - count, rv);
    else this.#reporter.debug(2, "Pod source api relisted", { pods: count, resourceVersion: rv });
    return { outcome: "listed", next: "watch", waitMs: 0 };
  }

  async #watch(signal: AbortSignal): Promise<ApiSourceStep> {
    const request = `GET /api/v1/pods?watch=true&fieldSelector=${this.#selector}`;
    const freshRv = this.#freshRv;
    this.#freshRv = false;
    const started = this.#clock.now();
    const timeoutSeconds = Math.floor(MIN_WATCH_TIMEOUT_SECONDS * (1 + this.#random()));
    let stream: AsyncGenerator<WatchEvent<Pod>, void, undefined>;
    try {
      stream = await this.#client.watch<Pod>({ resource: "pods" }, {
        fieldSelector: this.#selector,
        resourceVersion: this.#rv,
        allowWatchBookmarks: true,
        timeoutSeconds,
        signal,
      });
    } catch (err) {
      if (signal.aborted) return { outcome: "aborted", next: "watch", waitMs: 0 };
      if (isResourceExpired(err)) return this.#expired(request, err, freshRv);
      return this.#fail("watch", request, err);
    }
    // A watch counts as working from its first event (a BOOKMARK comes about every
    // minute), so a server that ends every watch at once is not "answering again".
    const end = await readWatch(stream, (ev) => {
      this.#reporter.succeeded(request);
      this.#apply(ev);
    }, signal);
    if (end.kind === "aborted" || signal.aborted) {
      return { outcome: "aborted", next: "watch", waitMs: 0 };
    }
    if (end.kind === "failed") return this.#fail("watch", request, end.error);
    if (end.kind === "error-event") {
      if (isResourceExpired(end.error)) {
        return this.#expired(request, end.error, freshRv && end.events === 0);
      }
      return this.#fail("watch", request, end.error);
    }
    if (end.events === 0 && this.#clock.now() - started < SHORT_WATCH_MS) {
      return this.#fail(
        "watch",
        request,
        new Error(`${request}: the server ended the watch within a second and sent nothing`),
      );
    }
    this.#reporter.succeeded(request);
    this.#reporter.debug(4, "Pod source api: the server ended the watch", {
      events: end.events,
      resourceVersion: this.#rv,
    });
    return { outcome: "watch-ended", next: "watch", waitMs: 0 };
  }

  /** One ADDED, MODIFIED, DELETED or BOOKMARK event. */
  #apply(ev: ObjectEvent<Pod>): void {
    const rv = (ev.object as { metadata?: { resourceVersion?: unknown } })?.metadata
      ?.resourceVersion;
    if (typeof rv === "string" && rv !== "") this.#rv = rv;
    if (ev.type === "BOOKMARK") return;
    const deleted = ev.type === "DELETED";
    const check = checkPod(ev.object, this.#nodeName, deleted);
    if (!check.ok) {
      this.#reporter.skipped(`${ev.type} event`, check.problem, check);
      return;
    }
    if (deleted) this.#set.delete(check.uid);
    else this.#set.put(check.uid, check.pod);
    this.#pendingSend ??= this.#clock.after(0, () => {
      this.#pendingSend = undefined;
      this.#deliver();
    });
  }

  /** Sends what changed since the last send; a throwing receiver stops {@linkcode run}. */
  #deliver(): void {
    try {
      const { pods, mirrors } = this.#set.deliver();
      if (pods) this.#send?.(pods);
      if (mirrors) this.#onMirrorPods?.(mirrors);
    } catch (error) {
      this.#defect ??= { error };
      this.#onDefect?.();
    }
  }

  #expired(request: string, err: unknown, freshRv: boolean): ApiSourceStep {
    this.#next = "list";
    if (freshRv) {
      // The resourceVersion a list has just given is "too old": do not relist in a loop.
      return this.#fail("list", request, err);
    }
    this.#reporter.debug(2, "Pod source api: the watch expired, relisting", {
      resourceVersion: this.#rv,
    });
    return { outcome: "expired", next: "list", waitMs: 0 };
  }

  #fail(op: "list" | "watch", request: string, error: unknown): ApiSourceStep {
    const waitMs = this.#retry.next(error, this.#clock.now());
    this.#next = op === "list" || this.#rv === undefined ? "list" : "watch";
    this.#reporter.failed(request, error, waitMs);
    return { outcome: "failed", next: this.#next, waitMs, error };
  }
}
