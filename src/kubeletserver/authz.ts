/**
 * Authorization of the kubelet API (the KubeletConfiguration `authorization`
 * block): `AlwaysAllow`, or `Webhook`, which asks the API server with an
 * `authorization.k8s.io/v1` SubjectAccessReview per attribute set of
 * request_attributes.ts and caches the answers (`webhook.cacheAuthorizedTTL`
 * default 5m for allowed ones, `webhook.cacheUnauthorizedTTL` default 30s for
 * the others; failures are not cached).
 *
 * As the kubelet's auth filter: the attribute sets are tried in order and the
 * first allowed one admits the request; none allowed → 403 with
 * `Forbidden (user=..., verb=..., resource=nodes, subresource(s)=[healthz proxy])`;
 * a review that fails → 500 with `Authorization error (user=..., verb=...,
 * resource=nodes, subresource=...)`.
 *
 * @module
 */

import type { SubjectAccessReview } from "kubernetes-types/authorization/v1.d.ts";
import type { ApiClient } from "../client/mod.ts";
import type { Clock } from "../util/clock.ts";
import { errText } from "../util/err_text.ts";
import type { UserInfo } from "./authn.ts";
import { type RequestAttributes, requestAttributes } from "./request_attributes.ts";
import { TtlCache } from "./_ttl_cache.ts";

/** The values of `authorization.mode`. */
export type AuthorizationMode = "Webhook" | "AlwaysAllow";

/** Default of `authorization.webhook.cacheAuthorizedTTL`: 5 minutes. */
export const DEFAULT_CACHE_AUTHORIZED_TTL_MS = 300_000;
/** Default of `authorization.webhook.cacheUnauthorizedTTL`: 30 seconds. */
export const DEFAULT_CACHE_UNAUTHORIZED_TTL_MS = 30_000;

/** The outcome of {@linkcode Authorizer.authorize}. */
export type AuthzResult =
  | { verdict: "allowed"; attributes: RequestAttributes }
  | { verdict: "forbidden"; attributes: RequestAttributes[]; message: string; reason?: string }
  | { verdict: "error"; attributes: RequestAttributes; message: string; error: string };

/** Decides whether a user may make a request. */
export interface Authorizer {
  authorize(user: UserInfo, method: string, path: string): Promise<AuthzResult>;
}

/** Options of {@linkcode createAuthorizer}: the `authorization` block, resolved. */
export interface AuthorizerOptions {
  /** `authorization.mode`. */
  mode: AuthorizationMode;
  /** The node's name (the `name` of every review). */
  nodeName: string;
  /** The API client reviews are created with; required for Webhook. */
  client?: Pick<ApiClient, "create">;
  clock: Clock;
  /** `webhook.cacheAuthorizedTTL` in ms. @default 300_000 */
  cacheAuthorizedTTLMs?: number;
  /** `webhook.cacheUnauthorizedTTL` in ms. @default 30_000 */
  cacheUnauthorizedTTLMs?: number;
  /** Fine-grained subresources before proxy (KubeletFineGrainedAuthz). @default true */
  fineGrained?: boolean;
}

/** The kubelet's 403 body for a request none of whose `attributes` was allowed. */
export function forbiddenMessage(attributes: readonly RequestAttributes[]): string {
  const a = attributes[0];
  const subs = attributes.map((x) => x.subresource).join(" ");
  return `Forbidden (user=${a.user.name}, verb=${a.verb}, resource=${a.resource}, subresource(s)=[${subs}])\n`;
}

/** The kubelet's 500 body when reviewing `a` failed. */
export function authorizationErrorMessage(a: RequestAttributes): string {
  return `Authorization error (user=${a.user.name}, verb=${a.verb}, resource=${a.resource}, subresource=${a.subresource})`;
}

interface Review {
  allowed: boolean;
  reason?: string;
}

const SUBJECT_ACCESS_REVIEWS = {
  group: "authorization.k8s.io",
  version: "v1",
  resource: "subjectaccessreviews",
};

/** The SubjectAccessReview the Webhook mode sends for `a`. */
export function subjectAccessReview(a: RequestAttributes): SubjectAccessReview {
  const spec: SubjectAccessReview["spec"] = {
    user: a.user.name,
    groups: a.user.groups,
    resourceAttributes: {
      namespace: "",
      verb: a.verb,
      group: "",
      version: a.apiVersion,
      resource: a.resource,
      subresource: a.subresource,
      name: a.name,
    },
  };
  if (a.user.uid) spec.uid = a.user.uid;
  if (a.user.extra && Object.keys(a.user.extra).length > 0) spec.extra = a.user.extra;
  return { apiVersion: "authorization.k8s.io/v1", kind: "SubjectAccessReview", spec };
}

/**
 * Creates the authorizer of the `authorization` block. Throws a `TypeError`
 * for an unknown mode or Webhook without an API client.
 */
export function createAuthorizer(options: AuthorizerOptions): Authorizer {
  const fineGrained = options.fineGrained ?? true;
  const attrsOf = (user: UserInfo, method: string, path: string) =>
    requestAttributes(user, method, path, options.nodeName, fineGrained);

  if (options.mode === "AlwaysAllow") {
    return {
      authorize: (user, method, path) =>
        Promise.resolve({ verdict: "allowed", attributes: attrsOf(user, method, path)[0] }),
    };
  }
  if (options.mode !== "Webhook") {
    throw new TypeError(
      `Cannot use authorization.mode "${options.mode}": must be "Webhook" or "AlwaysAllow"`,
    );
  }
  const client = options.client;
  if (!client) {
    throw new TypeError(
      'Cannot use authorization.mode "Webhook": there is no API client (set --kubeconfig)',
    );
  }
  const allowedTtl = options.cacheAuthorizedTTLMs ?? DEFAULT_CACHE_AUTHORIZED_TTL_MS;
  const deniedTtl = options.cacheUnauthorizedTTLMs ?? DEFAULT_CACHE_UNAUTHORIZED_TTL_MS;
  const cache = new TtlCache<Review>(options.clock);

  async function ask(body: SubjectAccessReview): Promise<Review> {
    const answer = await client!.create<SubjectAccessReview>(SUBJECT_ACCESS_REVIEWS, body);
    const status = answer?.status;
    return {
      allowed: status?.allowed === true && status.denied !== true,
      reason: status?.reason || status?.evaluationError || undefined,
    };
  }

  return {
    async authorize(user, method, path): Promise<AuthzResult> {
      const all = attrsOf(user, method, path);
      let reason: string | undefined;
      for (const a of all) {
        const body = subjectAccessReview(a);
        let review: Review;
        try {
          review = await cache.get(
            JSON.stringify(body.spec),
            () => ask(body),
            (r) => (r.allowed ? allowedTtl : deniedTtl),
          );
        } catch (e) {
          return {
            verdict: "error",
            attributes: a,
            message: authorizationErrorMessage(a),
            error: errText(e),
          };
        }
        if (review.allowed) return { verdict: "allowed", attributes: a };
        reason ??= review.reason;
      }
      return { verdict: "forbidden", attributes: all, message: forbiddenMessage(all), reason };
    },
  };
}
