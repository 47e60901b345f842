/**
 * Service account tokens for projected `serviceAccountToken` volume sources
 * (the kubelet's pkg/kubelet/token manager): each token is asked of the API
 * server with the TokenRequest API (`serviceaccounts/<name>/token`, bound to
 * the pod so it dies with it), cached per pod, service account, audience and
 * expiration, and asked again once 80% of its lifetime or 24 hours have
 * passed, as the kubelet does; the projected volume is rewritten on every sync,
 * so a fresh token reaches the container before the old one expires. When the
 * API server cannot be reached, a cached token still valid is served.
 *
 * Tokens are secrets: they are never logged, and errors name the pod and the
 * service account only.
 *
 * @module
 */

import type { Pod, ServiceAccountTokenProjection } from "kubernetes-types/core/v1.d.ts";
import type { ApiClient } from "../client/mod.ts";
import { errText } from "../util/err_text.ts";
import type { Clock } from "../util/clock.ts";

/** The kubelet refreshes a token past this share of its lifetime. */
const REFRESH_SHARE = 0.8;
/** ...or once it is this old, in ms. */
const MAX_AGE_MS = 24 * 3_600_000;
/** The API's default (and minimum) for `expirationSeconds`, as the API server defaults the projection. */
const DEFAULT_EXPIRATION_SECONDS = 3600;

interface CachedToken {
  token: string;
  issuedAt: number;
  expiresAt: number;
}

/** The part of a TokenRequest answer the manager reads. */
interface TokenRequestAnswer {
  status?: { token?: string; expirationTimestamp?: string };
}

/** Options of {@linkcode TokenManager}. */
export interface TokenManagerOptions {
  client: Pick<ApiClient, "create">;
  clock: Clock;
}

/** Gets, caches and refreshes bound service account tokens. */
export class TokenManager {
  #client: Pick<ApiClient, "create">;
  #clock: Clock;
  #cache = new Map<string, CachedToken>();

  constructor(options: TokenManagerOptions) {
    this.#client = options.client;
    this.#clock = options.clock;
  }

  /**
   * The token `source` of `pod` asks for.
   *
   * @throws {Error} naming the pod and service account when no token can be had.
   */
  async token(pod: Pod, source: ServiceAccountTokenProjection): Promise<string> {
    const m = pod.metadata ?? {};
    const namespace = m.namespace ?? "default";
    const account = pod.spec?.serviceAccountName || pod.spec?.serviceAccount || "default";
    const expirationSeconds = source.expirationSeconds ?? DEFAULT_EXPIRATION_SECONDS;
    const audiences = source.audience ? [source.audience] : [];
    const key = JSON.stringify([namespace, account, m.uid, audiences, expirationSeconds]);
    const now = this.#clock.now();
    const cached = this.#cache.get(key);
    if (cached && !this.#needsRefresh(cached, now)) return cached.token;
    try {
      const answer = await this.#client.create<TokenRequestAnswer>(
        { resource: "serviceaccounts", namespace, name: account, subresource: "token" },
        {
          apiVersion: "authentication.k8s.io/v1",
          kind: "TokenRequest",
          spec: {
            audiences,
            expirationSeconds,
            boundObjectRef: { apiVersion: "v1", kind: "Pod", name: m.name, uid: m.uid },
          },
        } as never,
      );
      const token = answer?.status?.token;
      if (!token) throw new Error("the answer has no status.token");
      const expires = Date.parse(answer.status?.expirationTimestamp ?? "");
      const entry = {
        token,
        issuedAt: now,
        expiresAt: Number.isFinite(expires) ? expires : now + expirationSeconds * 1000,
      };
      this.#cache.set(key, entry);
      return token;
    } catch (err) {
      if (cached && cached.expiresAt > now) return cached.token;
      throw new Error(
        `Cannot get a token for service account ${namespace}/${account} of pod ${m.name}: ${
          errText(err)
        }`,
      );
    }
  }

  /** Forgets the tokens of a pod that is gone. */
  forgetPod(uid: string): void {
    for (const key of [...this.#cache.keys()]) {
      if ((JSON.parse(key) as unknown[])[2] === uid) this.#cache.delete(key);
    }
  }

  #needsRefresh(t: CachedToken, now: number): boolean {
    const lifetime = t.expiresAt - t.issuedAt;
    return now - t.issuedAt >= Math.min(lifetime * REFRESH_SHARE, MAX_AGE_MS) || now >= t.expiresAt;
  }
}
