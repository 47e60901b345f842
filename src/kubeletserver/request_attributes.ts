/**
 * The authorization attributes of a kubelet API request, mapped as the
 * kubelet maps them (pkg/kubelet/server/auth.go): resource `nodes`, name the
 * node, API version `v1`, the verb from the HTTP method and the subresource
 * from the path.
 *
 * | path | subresource(s), checked in order |
 * |---|---|
 * | `/stats`, `/stats/*` | stats |
 * | `/metrics`, `/metrics/*` | metrics |
 * | `/logs`, `/logs/*` | log |
 * | `/spec`, `/spec/*` | spec |
 * | `/checkpoint`, `/checkpoint/*` | checkpoint |
 * | `/pods`, `/runningpods` | pods, then proxy |
 * | `/healthz`, `/healthz/*` | healthz, then proxy |
 * | `/configz` | configz, then proxy |
 * | anything else (`/containerLogs`, `/exec`, `/attach`, `/portForward`, `/run`, ...) | proxy |
 *
 * The fine-grained checks (pods, healthz, configz before proxy) are the
 * kubelet's `KubeletFineGrainedAuthz` (beta and on by default since 1.33,
 * GA in 1.36); with `fineGrained: false` those paths map to proxy alone.
 * Every path of the secure server is authorized: none is exempt.
 *
 * @module
 */

import type { UserInfo } from "./authn.ts";

/** One set of attributes to authorize (a SubjectAccessReview's resourceAttributes). */
export interface RequestAttributes {
  user: UserInfo;
  verb: string;
  apiVersion: "v1";
  resource: "nodes";
  name: string;
  subresource: string;
  path: string;
}

const VERBS: Record<string, string> = {
  GET: "get",
  HEAD: "get",
  POST: "create",
  PUT: "update",
  PATCH: "patch",
  DELETE: "delete",
};

/**
 * The API verb of an HTTP method: GET and HEAD → get, POST → create, PUT →
 * update, PATCH → patch, DELETE → delete; any other method → "" (the kubelet
 * sends an empty verb, which no RBAC rule allows). The kubelet never maps a
 * request to `list` or `watch`.
 */
export function verbOf(method: string): string {
  return VERBS[method.toUpperCase()] ?? "";
}

/** Whether `path` is `base` or below it (the kubelet's isSubpath). */
function isSubpath(path: string, base: string): boolean {
  return path === base || path.startsWith(`${base}/`);
}

const SINGLE: ReadonlyArray<[string, string]> = [
  ["/stats", "stats"],
  ["/metrics", "metrics"],
  ["/logs", "log"],
  ["/spec", "spec"],
  ["/checkpoint", "checkpoint"],
];
const FINE_GRAINED: ReadonlyArray<[string, string]> = [
  ["/pods", "pods"],
  ["/runningpods", "pods"],
  ["/healthz", "healthz"],
  ["/configz", "configz"],
];

/** The subresources `path` is authorized against, in order (the first allowed one wins). */
export function subresourcesOf(path: string, fineGrained = true): string[] {
  for (const [base, sub] of SINGLE) if (isSubpath(path, base)) return [sub];
  if (fineGrained) {
    for (const [base, sub] of FINE_GRAINED) if (isSubpath(path, base)) return [sub, "proxy"];
  }
  return ["proxy"];
}

/** The attributes of a request by `user` to `method path` on node `nodeName`. */
export function requestAttributes(
  user: UserInfo,
  method: string,
  path: string,
  nodeName: string,
  fineGrained = true,
): RequestAttributes[] {
  const verb = verbOf(method);
  return subresourcesOf(path, fineGrained).map((subresource) => ({
    user,
    verb,
    apiVersion: "v1",
    resource: "nodes",
    name: nodeName,
    subresource,
    path,
  }));
}
