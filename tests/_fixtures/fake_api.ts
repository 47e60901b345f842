/**
 * An in-memory API server behind an {@linkcode ApiTransport}, for unit tests
 * of the cluster-side modules (pod source, node status, lease, pod status,
 * mirror pods, events) where the real kube-apiserver cannot produce a case on
 * demand (a 410 on a watch, a conflict, a 429, an outage at an exact moment).
 *
 * It keeps objects per resource path (`/api/v1/namespaces/ns/pods/name`),
 * stamps `metadata.resourceVersion` (one counter) and `uid`, and answers GET,
 * list (with `fieldSelector` on `spec.nodeName` / `metadata.name`; a
 * cluster-wide path such as `/api/v1/pods` lists every namespace), POST (409
 * AlreadyExists), PUT (409 Conflict on a stale resourceVersion), PATCH (merge
 * and strategic merge as a JSON merge patch; JSON patch is not supported),
 * DELETE (with `preconditions.uid`; 404 NotFound) and watches (events pushed
 * to every open watch whose path and selector match). `intercept` answers a
 * request before the store does (return undefined to let it through): that is
 * how a test makes the server fail, refuse or hang. Every request is recorded.
 *
 * @module
 */

import type { ApiTransport } from "../../src/client/mod.ts";

/** One request as the fake saw it. */
export interface FakeRequest {
  method: string;
  /** Path without the query. */
  path: string;
  query: URLSearchParams;
  contentType: string | null;
  /** Parsed JSON body, if any. */
  body: unknown;
}

/** What `intercept` may answer. */
export type FakeAnswer = { status: number; body?: unknown } | Response;

type Obj = { metadata?: Record<string, unknown>; [k: string]: unknown };

interface OpenWatch {
  collection: string;
  fieldSelector: string | null;
  push(type: string, object: unknown): void;
  close(): void;
}

/** A failure Status as the API server writes it. */
export function statusBody(code: number, reason: string, message: string): unknown {
  return {
    kind: "Status",
    apiVersion: "v1",
    metadata: {},
    status: "Failure",
    message,
    reason,
    code,
  };
}

function json(status: number, body: unknown): Response {
  return new Response(body === undefined ? "" : JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json" },
  });
}

function mergePatch(target: unknown, patch: unknown): unknown {
  if (typeof patch !== "object" || patch === null || Array.isArray(patch)) return patch;
  const out: Record<string, unknown> =
    typeof target === "object" && target !== null && !Array.isArray(target)
      ? { ...(target as Record<string, unknown>) }
      : {};
  for (const [k, v] of Object.entries(patch)) {
    if (k.startsWith("$")) continue;
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

/** The collection of an object path, and the all-namespaces form of it (`/api/v1/pods`). */
function collectionsOf(path: string): string[] {
  const collection = path.slice(0, path.lastIndexOf("/"));
  const all = collection.replace(/\/namespaces\/[^/]+\//, "/");
  return all === collection ? [collection] : [collection, all];
}

function fieldValue(obj: Obj, field: string): unknown {
  let cur: unknown = obj;
  for (const part of field.split(".")) {
    cur = (cur as Record<string, unknown> | undefined)?.[part];
  }
  return cur;
}

function selects(obj: Obj, selector: string | null): boolean {
  if (!selector) return true;
  return selector.split(",").every((term) => {
    const [field, value] = term.split("=");
    return String(fieldValue(obj, field) ?? "") === value;
  });
}

/** The fake server: a transport, its store and its request log. */
export class FakeApi {
  /** Every request, in order. */
  readonly requests: FakeRequest[] = [];
  /** Answers before the store; return undefined to fall through. */
  intercept?: (req: FakeRequest) => FakeAnswer | undefined | Promise<FakeAnswer | undefined>;
  #objects = new Map<string, Obj>();
  #rv = 100;
  #uid = 0;
  #watches = new Set<OpenWatch>();

  /** The transport to give `new ApiClient(api.transport, { clock, rateLimiter: UNLIMITED })`. */
  readonly transport: ApiTransport = {
    server: "https://fake-api.test",
    fetch: (url, init) => this.#handle(url, init),
  };

  /** Stores (or replaces) an object at `path`, stamping rv and uid; pushes the watch event. */
  put(path: string, obj: Obj): Obj {
    const existed = this.#objects.has(path);
    const stored = this.#stamp(structuredClone(obj));
    this.#objects.set(path, stored);
    this.#notify(path, existed ? "MODIFIED" : "ADDED", stored);
    return structuredClone(stored);
  }

  /** The stored object at `path`, or undefined. */
  get(path: string): Obj | undefined {
    const o = this.#objects.get(path);
    return o ? structuredClone(o) : undefined;
  }

  /** Removes the object at `path` (the DELETED event goes to the watches). */
  remove(path: string): void {
    const o = this.#objects.get(path);
    if (!o) return;
    this.#objects.delete(path);
    this.#notify(path, "DELETED", {
      ...o,
      metadata: { ...o.metadata, resourceVersion: this.#next() },
    });
  }

  /** Every stored path under `prefix`. */
  paths(prefix = "/"): string[] {
    return [...this.#objects.keys()].filter((p) => p.startsWith(prefix)).sort();
  }

  /** The current resourceVersion. */
  get resourceVersion(): string {
    return String(this.#rv);
  }

  /** Sends a raw event to every open watch of `collection` (e.g. an ERROR or a BOOKMARK). */
  pushToWatches(collection: string, type: string, object: unknown): void {
    for (const w of this.#watches) if (w.collection === collection) w.push(type, object);
  }

  /** Ends every open watch (the server closing them). */
  closeWatches(): void {
    for (const w of [...this.#watches]) w.close();
  }

  /** How many watches are open. */
  get openWatches(): number {
    return this.#watches.size;
  }

  /** The recorded requests matching `method` and a path prefix. */
  requestsTo(method: string, pathPrefix: string): FakeRequest[] {
    return this.requests.filter((r) => r.method === method && r.path.startsWith(pathPrefix));
  }

  #next(): string {
    return String(++this.#rv);
  }

  #stamp(obj: Obj): Obj {
    const meta = obj.metadata ??= {};
    meta.resourceVersion = this.#next();
    meta.uid ??= `uid-${++this.#uid}`;
    meta.creationTimestamp ??= "2026-12-01T00:00:00Z";
    return obj;
  }

  #notify(path: string, type: string, obj: Obj): void {
    const collections = collectionsOf(path);
    for (const w of this.#watches) {
      if (collections.includes(w.collection) && selects(obj, w.fieldSelector)) w.push(type, obj);
    }
  }

  async #handle(url: string, init: RequestInit): Promise<Response> {
    const u = new URL(url);
    const text = typeof init.body === "string" ? init.body : undefined;
    const req: FakeRequest = {
      method: init.method ?? "GET",
      path: u.pathname,
      query: u.searchParams,
      contentType: new Headers(init.headers).get("content-type"),
      body: text ? JSON.parse(text) : undefined,
    };
    this.requests.push(req);
    const answer = await this.intercept?.(req);
    if (answer instanceof Response) return answer;
    if (answer) return json(answer.status, answer.body);
    return this.#serve(req, init.signal ?? undefined);
  }

  #serve(req: FakeRequest, signal?: AbortSignal): Response {
    const { method, path } = req;
    const stored = this.#objects.get(path);
    const name = path.slice(path.lastIndexOf("/") + 1);
    if (method === "GET" && req.query.get("watch") === "true") return this.#watch(req, signal);
    if (method === "GET") {
      if (stored) return json(200, stored);
      const items = [...this.#objects.entries()]
        .filter(([p, o]) =>
          collectionsOf(p).includes(path) && selects(o, req.query.get("fieldSelector"))
        )
        .map(([, o]) => o);
      const isCollection = items.length > 0 ||
        /\/(pods|nodes|leases|events|configmaps|secrets)$/.test(path);
      if (!isCollection) return json(404, statusBody(404, "NotFound", `"${name}" not found`));
      return json(200, {
        kind: "List",
        metadata: { resourceVersion: this.resourceVersion },
        items,
      });
    }
    if (method === "POST") {
      const body = req.body as Obj;
      const objName = String(body.metadata?.name ?? "");
      const target = `${path}/${objName}`;
      if (this.#objects.has(target)) {
        return json(409, statusBody(409, "AlreadyExists", `"${objName}" already exists`));
      }
      return json(201, this.put(target, body));
    }
    const objPath = path.endsWith("/status") ? path.slice(0, -"/status".length) : path;
    const current = this.#objects.get(objPath);
    const objName = objPath.slice(objPath.lastIndexOf("/") + 1);
    if (!current) return json(404, statusBody(404, "NotFound", `"${objName}" not found`));
    if (method === "PUT") {
      const body = req.body as Obj;
      if (body.metadata?.resourceVersion !== current.metadata?.resourceVersion) {
        return json(409, statusBody(409, "Conflict", `the object has been modified`));
      }
      return json(
        200,
        this.put(objPath, { ...body, metadata: { ...body.metadata, uid: current.metadata?.uid } }),
      );
    }
    if (method === "PATCH") {
      const patch = req.body as Obj;
      const wantUid = patch.metadata?.uid;
      if (wantUid !== undefined && wantUid !== current.metadata?.uid) {
        return json(
          409,
          statusBody(
            409,
            "Conflict",
            `Precondition failed: UID in precondition: ${wantUid}, UID in object meta: ${current.metadata?.uid}`,
          ),
        );
      }
      return json(200, this.put(objPath, mergePatch(current, patch) as Obj));
    }
    if (method === "DELETE") {
      const opts = req.body as { preconditions?: { uid?: string } } | undefined;
      const wantUid = opts?.preconditions?.uid;
      if (wantUid !== undefined && wantUid !== current.metadata?.uid) {
        return json(
          409,
          statusBody(
            409,
            "Conflict",
            `Precondition failed: UID in precondition: ${wantUid}, UID in object meta: ${current.metadata?.uid}`,
          ),
        );
      }
      this.remove(objPath);
      return json(200, { kind: "Status", apiVersion: "v1", status: "Success", metadata: {} });
    }
    return json(405, statusBody(405, "MethodNotAllowed", `${method} not allowed`));
  }

  #watch(req: FakeRequest, signal?: AbortSignal): Response {
    const enc = new TextEncoder();
    let controller!: ReadableStreamDefaultController<Uint8Array>;
    const w: OpenWatch = {
      collection: req.path,
      fieldSelector: req.query.get("fieldSelector"),
      push: (type, object) => {
        try {
          controller.enqueue(enc.encode(JSON.stringify({ type, object }) + "\n"));
        } catch { /* closed */ }
      },
      close: () => {
        this.#watches.delete(w);
        try {
          controller.close();
        } catch { /* closed */ }
      },
    };
    const body = new ReadableStream<Uint8Array>({
      start: (c) => {
        controller = c;
      },
      cancel: () => {
        this.#watches.delete(w);
      },
    });
    this.#watches.add(w);
    signal?.addEventListener("abort", () => w.close(), { once: true });
    return new Response(body, { status: 200, headers: { "content-type": "application/json" } });
  }
}
