/**
 * Bearer-token authentication through the API server's TokenReview
 * (`authentication.webhook`): the token is sent in a
 * `authentication.k8s.io/v1` TokenReview and the answer — authenticated with
 * its user, or not — is cached for `cacheTTL` (the kubelet uses one TTL for
 * both). A failed review (API down, 403, 5xx) is not cached. The cache is
 * keyed by the token's SHA-256, never by the token itself.
 *
 * @module
 */

import { createHash } from "node:crypto";
import type { TokenReview } from "kubernetes-types/authentication/v1.d.ts";
import type { ApiClient } from "../client/mod.ts";
import type { Clock } from "../util/clock.ts";
import { TtlCache } from "./_ttl_cache.ts";

/** What a review said. */
export type TokenAnswer =
  | {
    authenticated: true;
    name: string;
    uid?: string;
    groups: string[];
    extra?: Record<string, string[]>;
  }
  | { authenticated: false; error?: string };

const TOKEN_REVIEWS = { group: "authentication.k8s.io", version: "v1", resource: "tokenreviews" };

/** Reviews tokens through the API server, with the answer cache. */
export class TokenReviewer {
  #client: Pick<ApiClient, "create">;
  #cache: TtlCache<TokenAnswer>;
  #ttlMs: number;

  constructor(client: Pick<ApiClient, "create">, clock: Clock, ttlMs: number) {
    this.#client = client;
    this.#cache = new TtlCache(clock);
    this.#ttlMs = ttlMs;
  }

  /** Reviews `token`; rejects when the API server could not answer. */
  review(token: string): Promise<TokenAnswer> {
    const key = createHash("sha256").update(token).digest("hex");
    return this.#cache.get(key, () => this.#ask(token), () => this.#ttlMs);
  }

  async #ask(token: string): Promise<TokenAnswer> {
    const body: TokenReview = {
      apiVersion: "authentication.k8s.io/v1",
      kind: "TokenReview",
      spec: { token },
    };
    const answer = await this.#client.create<TokenReview>(TOKEN_REVIEWS, body);
    const status = answer?.status;
    const name = status?.user?.username ?? "";
    if (status?.authenticated !== true || name === "") {
      return { authenticated: false, error: status?.error || undefined };
    }
    return {
      authenticated: true,
      name,
      uid: status.user?.uid || undefined,
      groups: status.user?.groups ?? [],
      extra: status.user?.extra,
    };
  }
}
