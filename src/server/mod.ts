/**
 * The local HTTP endpoints: `/healthz`, `/pods` and `/metrics`.
 *
 * ```ts
 * const handler = createHandler({ healthChecks, podList: () => statusManager.pods(), metrics });
 * await startServer(handler, { hostname: "127.0.0.1", port: 10255, signal });
 * ```
 *
 * @module
 */

export * from "./healthz.ts";
export * from "./handler.ts";
export * from "./serve.ts";
