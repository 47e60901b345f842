/**
 * The API-server client, the one door callers outside src/client use:
 * {@linkcode loadKubeconfig} reads `--kubeconfig` (current context, server,
 * CA, client certificate, token), {@linkcode createApiClient} makes an
 * {@linkcode ApiClient} on it (TLS through Deno's fetch, `kubeAPIQPS` /
 * `kubeAPIBurst` as a token bucket on the injected clock, JSON), and the
 * predicates tell the API's answers apart (`isNotFound`, `isConflict`,
 * `isResourceExpired`, ...).
 *
 * ```ts
 * const kc = await loadKubeconfig("/etc/kubernetes/kubelet.conf");
 * const api = createApiClient(kc, { clock, rateLimiter: apiRateLimiter(50, 100, clock) });
 * const pods = await api.list<Pod>({ resource: "pods" }, { fieldSelector: "spec.nodeName=n1" });
 * for await (const ev of await api.watch<Pod>({ resource: "pods" }, {
 *   fieldSelector: "spec.nodeName=n1",
 *   resourceVersion: pods.metadata.resourceVersion,
 *   allowWatchBookmarks: true,
 * })) if (ev.type === "ERROR" && isResourceExpired(ev.error)) break; // relist
 * ```
 *
 * @module
 */

export { ApiClient } from "./api_client.ts";
export {
  type ApiClientOptions,
  type ApiTransport,
  defaultUserAgent,
  type DeleteOptions,
  type ListOptions,
  type ObjectList,
  PATCH_CONTENT_TYPES,
  type PatchType,
  type RequestOptions,
  type SendInit,
  type WatchOptions,
  type WriteOptions,
} from "./request_options.ts";
export {
  ApiStatusError,
  isAlreadyExists,
  isConflict,
  isForbidden,
  isNotFound,
  isResourceExpired,
  isTooManyRequests,
  isUnauthorized,
  type Status,
} from "./api_error.ts";
export {
  type ApiTransportOptions,
  createApiClient,
  createApiTransport,
  TOKEN_FILE_REFRESH_MS,
} from "./http_transport.ts";
export {
  type Kubeconfig,
  KubeconfigError,
  loadKubeconfig,
  type LoadKubeconfigOptions,
} from "./kubeconfig.ts";
export { queryString, resourcePath, type ResourceRef } from "./resource_path.ts";
export {
  apiRateLimiter,
  type RateLimiter,
  TokenBucket,
  type TokenBucketOptions,
  UNLIMITED,
} from "./token_bucket.ts";
export { decodeWatchStream, type WatchEvent, type WatchEventType } from "./watch_stream.ts";
