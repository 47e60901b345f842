/**
 * The files of a `projected` volume (pkg/volume/projected collectData): its
 * configMap, secret, downwardAPI and serviceAccountToken sources merged into
 * one payload, each file with its item's mode or the volume's `defaultMode`
 * (0644). Two sources writing the same path is an error (the API server
 * refuses such a pod; a static pod is checked here).
 *
 * The token of a serviceAccountToken source comes from an injected function
 * (the TokenRequest API, in cluster mode); without one, such a source fails
 * with one line saying it needs the API server.
 *
 * @module
 */

import type {
  Pod,
  ProjectedVolumeSource,
  ServiceAccountTokenProjection,
} from "kubernetes-types/core/v1.d.ts";
import type { EnvOptions } from "../kuberuntime/container_env.ts";
import { EMPTY_LOOKUP, type ObjectLookup } from "../objects/types.ts";
import { type Payload, validatePayloadPath } from "./atomic_writer.ts";
import { configMapPayload } from "./configmap_payload.ts";
import { downwardAPIPayload } from "./downward_api_payload.ts";
import { checkMode, DEFAULT_MODE } from "./_key_to_path.ts";
import { secretPayload } from "./secret_payload.ts";

/** Gets the token a serviceAccountToken source of `pod` asks for (TokenRequest). */
export type TokenSource = (pod: Pod, source: ServiceAccountTokenProjection) => Promise<string>;

/** What a projected volume's sources read. */
export interface ProjectedPayloadOptions {
  /** ConfigMaps and Secrets. @default EMPTY_LOOKUP */
  objects?: ObjectLookup;
  /** Service account tokens; none standalone. */
  tokens?: TokenSource;
  /** Node facts for downwardAPI resourceFieldRef limits. @default {} */
  env?: EnvOptions;
}

/** Whether a projected volume holds a secret or a token (and so belongs on tmpfs). */
export function projectsSecrets(source: ProjectedVolumeSource): boolean {
  return (source.sources ?? []).some((s) => s.secret || s.serviceAccountToken);
}

/**
 * The payload of a projected volume of `pod`. Throws naming the source for a
 * missing object or key (unless optional), a path two sources write, a token
 * source without a token function, an unsupported source; errors of the
 * token function pass through.
 */
export async function projectedPayload(
  pod: Pod,
  source: ProjectedVolumeSource,
  options: ProjectedPayloadOptions = {},
): Promise<Payload> {
  const objects = options.objects ?? EMPTY_LOOKUP;
  const namespace = pod.metadata?.namespace ?? "default";
  const defaultMode = checkMode(source.defaultMode ?? DEFAULT_MODE, "defaultMode");
  const payload: Payload = new Map();
  const owner = new Map<string, string>();
  const add = (part: Payload, what: string) => {
    for (const [path, file] of part) {
      const clean = validatePayloadPath(path);
      const earlier = owner.get(clean);
      if (earlier !== undefined) {
        throw new TypeError(
          `projected sources ${earlier} and ${what} both write ${JSON.stringify(clean)}`,
        );
      }
      owner.set(clean, what);
      payload.set(clean, file);
    }
  };
  for (const [i, s] of (source.sources ?? []).entries()) {
    if (s.configMap) {
      const name = s.configMap.name ?? "";
      add(
        configMapPayload(namespace, name, s.configMap, objects, defaultMode),
        `#${i} (configMap ${JSON.stringify(name)})`,
      );
    } else if (s.secret) {
      const name = s.secret.name ?? "";
      add(
        secretPayload(namespace, name, s.secret, objects, defaultMode),
        `#${i} (secret ${JSON.stringify(name)})`,
      );
    } else if (s.downwardAPI) {
      add(
        downwardAPIPayload(pod, s.downwardAPI.items, defaultMode, options.env),
        `#${i} (downwardAPI)`,
      );
    } else if (s.serviceAccountToken) {
      const token = s.serviceAccountToken;
      if (!options.tokens) {
        throw new Error(
          `projected serviceAccountToken source ${
            JSON.stringify(token.path)
          } needs the API server (denolet runs standalone)`,
        );
      }
      const data = new TextEncoder().encode(await options.tokens(pod, token));
      add(new Map([[token.path, { data, mode: defaultMode }]]), `#${i} (serviceAccountToken)`);
    } else {
      const kind = Object.keys(s)[0] ?? "empty";
      throw new TypeError(`projected source #${i} (${kind}) is not supported`);
    }
  }
  return payload;
}
