/**
 * Authentication of the kubelet API (the KubeletConfiguration
 * `authentication` block), as the kubelet's delegating authenticator does:
 *
 * 1. x509 (`x509.clientCAFile`): a client certificate signed by the CA →
 *    user = CN, groups = O.
 * 2. bearer token (`webhook.enabled`): `Authorization: Bearer <token>` →
 *    the API server's TokenReview, answers cached for `webhook.cacheTTL`
 *    (default 2m, good and bad answers alike).
 * 3. anonymous (`anonymous.enabled`, default false): a request that brought
 *    no credentials at all is `system:anonymous` in `system:unauthenticated`.
 *
 * The first that succeeds wins. Credentials that were given but failed (an
 * unknown CA, an expired certificate, a token the API server rejects, the
 * API server unreachable) fail the request (401) even with anonymous on.
 * Authenticated users also get the group `system:authenticated`.
 *
 * @module
 */

import type { X509Certificate } from "node:crypto";
import type { ApiClient } from "../client/mod.ts";
import type { Clock } from "../util/clock.ts";
import { errText } from "../util/err_text.ts";
import { parseCaBundle, verifyClientCertificate } from "./_x509_authn.ts";
import { TokenReviewer } from "./_token_review.ts";

/** Default of `authentication.webhook.cacheTTL`: 2 minutes. */
export const DEFAULT_TOKEN_CACHE_TTL_MS = 120_000;

/** The user `anonymous.enabled` lets in. */
export const ANONYMOUS_USER = "system:anonymous";
/** The group of {@linkcode ANONYMOUS_USER}. */
export const UNAUTHENTICATED_GROUP = "system:unauthenticated";
/** The group every authenticated user is in. */
export const AUTHENTICATED_GROUP = "system:authenticated";

/** Who made a request. */
export interface UserInfo {
  name: string;
  uid?: string;
  groups: string[];
  extra?: Record<string, string[]>;
}

/** The credentials of one request. */
export interface AuthnRequest {
  /** The `Authorization` header, or null. */
  authorization: string | null;
  /** The client's TLS certificate (DER), when it sent one. */
  peerCertificate?: Uint8Array;
}

/** How a request was authenticated. */
export type AuthnMethod = "x509" | "token" | "anonymous";

/** The outcome of {@linkcode Authenticator.authenticate}. */
export type AuthnResult =
  | { authenticated: true; user: UserInfo; method: AuthnMethod }
  | {
    authenticated: false;
    /** Why, for the log (never the token). */
    reason: string;
    /** True when the API server could not be asked (the answer was not cached). */
    webhookError?: boolean;
  };

/** Authenticates requests. */
export interface Authenticator {
  authenticate(request: AuthnRequest): Promise<AuthnResult>;
}

/** Options of {@linkcode createAuthenticator}: the `authentication` block, resolved. */
export interface AuthenticatorOptions {
  /** The PEM text of `x509.clientCAFile`. @default no x509 authentication */
  clientCa?: string;
  /** `webhook.enabled`. @default false */
  webhookEnabled?: boolean;
  /** `webhook.cacheTTL` in ms. @default 120_000 */
  webhookCacheTTLMs?: number;
  /** `anonymous.enabled`. @default false */
  anonymousEnabled?: boolean;
  /** The API client TokenReviews are created with; required with the webhook. */
  client?: Pick<ApiClient, "create">;
  clock: Clock;
}

/** The token of an `Authorization: Bearer <token>` header, or undefined (as the kubelet reads it). */
export function bearerToken(header: string | null): string | undefined {
  const auth = (header ?? "").trim();
  if (auth === "") return undefined;
  const parts = auth.split(" ");
  if (parts.length < 2 || parts[0].toLowerCase() !== "bearer" || parts[1] === "") return undefined;
  return parts[1];
}

function withAuthenticatedGroup(user: UserInfo): UserInfo {
  const groups = user.groups.includes(AUTHENTICATED_GROUP) ||
      user.groups.includes(UNAUTHENTICATED_GROUP)
    ? user.groups
    : [...user.groups, AUTHENTICATED_GROUP];
  return { ...user, groups };
}

/**
 * Creates the authenticator of the `authentication` block. Throws a
 * `TypeError` when the client CA does not parse or the webhook is enabled
 * without an API client.
 */
export function createAuthenticator(options: AuthenticatorOptions): Authenticator {
  const cas: X509Certificate[] | undefined = options.clientCa === undefined
    ? undefined
    : parseCaBundle(options.clientCa, "authentication.x509.clientCAFile");
  let reviewer: TokenReviewer | undefined;
  if (options.webhookEnabled) {
    if (!options.client) {
      throw new TypeError(
        "Cannot use authentication.webhook.enabled: there is no API client (set --kubeconfig)",
      );
    }
    const ttl = options.webhookCacheTTLMs ?? DEFAULT_TOKEN_CACHE_TTL_MS;
    reviewer = new TokenReviewer(options.client, options.clock, ttl);
  }
  const clock = options.clock;

  return {
    async authenticate(request: AuthnRequest): Promise<AuthnResult> {
      const failures: string[] = [];
      let webhookError = false;
      if (cas && request.peerCertificate) {
        const out = verifyClientCertificate(request.peerCertificate, cas, clock.now());
        if (out.kind === "user") {
          const user = withAuthenticatedGroup({ name: out.name, groups: out.groups });
          return { authenticated: true, user, method: "x509" };
        }
        if (out.kind === "error") failures.push(out.reason);
      }
      const token = bearerToken(request.authorization);
      if (reviewer && token !== undefined) {
        try {
          const answer = await reviewer.review(token);
          if (answer.authenticated) {
            const { name, uid, groups, extra } = answer;
            const user = withAuthenticatedGroup({ name, uid, groups, extra });
            return { authenticated: true, user, method: "token" };
          }
          failures.push(`invalid bearer token${answer.error ? `: ${answer.error}` : ""}`);
        } catch (e) {
          webhookError = true;
          failures.push(`TokenReview failed: ${errText(e)}`);
        }
      }
      if (failures.length > 0) {
        return { authenticated: false, reason: failures.join("; "), webhookError };
      }
      if (options.anonymousEnabled) {
        const user = { name: ANONYMOUS_USER, groups: [UNAUTHENTICATED_GROUP] };
        return { authenticated: true, user, method: "anonymous" };
      }
      return { authenticated: false, reason: "no credentials" };
    },
  };
}

/**
 * Reads `x509.clientCAFile` (`--client-ca-file`) and checks it holds PEM
 * certificates; throws one line naming the file otherwise.
 *
 * Needs `--allow-read=<path>`.
 */
export async function readClientCaFile(path: string): Promise<string> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (e) {
    throw new TypeError(`Cannot read client CA file '${path}': ${errText(e)}`);
  }
  parseCaBundle(text, `client CA file '${path}'`);
  return text;
}
