/**
 * REST paths of the Kubernetes API: `/api/v1/...` for the core group,
 * `/apis/<group>/<version>/...` for the others, namespaced or not, with an
 * optional name and subresource (`status`), every segment URL-encoded.
 *
 * @module
 */

/** Which objects a request is about. */
export interface ResourceRef {
  /** API group; "" or absent is the core group. */
  group?: string;
  /** @default "v1" */
  version?: string;
  /** Plural resource name: `pods`, `nodes`, `leases`, `events`. */
  resource: string;
  /** For namespaced resources; absent for cluster-scoped ones (or all namespaces). */
  namespace?: string;
  /** One object; absent for the collection. */
  name?: string;
  /** `status`, `binding`, ... (needs `name`). */
  subresource?: string;
}

function segment(value: string, what: string): string {
  if (value === "" || value === "." || value === ".." || value.includes("/")) {
    throw new TypeError(
      `Cannot make an API path: ${what} ${JSON.stringify(value)} is not a valid name`,
    );
  }
  return encodeURIComponent(value);
}

/**
 * The path of `ref`, e.g. `/api/v1/namespaces/default/pods/web/status` or
 * `/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/n1`.
 *
 * @throws {TypeError} for an empty or path-like name, or a subresource without a name.
 */
export function resourcePath(ref: ResourceRef): string {
  const version = ref.version ?? "v1";
  let path = ref.group
    ? `/apis/${segment(ref.group, "group")}/${segment(version, "version")}`
    : `/api/${segment(version, "version")}`;
  if (ref.namespace !== undefined) path += `/namespaces/${segment(ref.namespace, "namespace")}`;
  path += `/${segment(ref.resource, "resource")}`;
  if (ref.name !== undefined) path += `/${segment(ref.name, "name")}`;
  if (ref.subresource !== undefined) {
    if (ref.name === undefined) {
      throw new TypeError(`Cannot make an API path: subresource ${ref.subresource} needs a name`);
    }
    path += `/${segment(ref.subresource, "subresource")}`;
  }
  return path;
}

/** A query string (`?a=1&b=x`) from the defined entries of `params`, or "". */
export function queryString(params: Record<string, string | number | boolean | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined) q.set(k, String(v));
  const s = q.toString();
  return s === "" ? "" : `?${s}`;
}
