/** Shared pieces of the object manager tests: a fake API with a client, pods that refer to objects. */
import type { Pod } from "../../src/api/types.ts";
import { ApiClient, UNLIMITED } from "../../src/client/mod.ts";
import {
  type ChangeDetectionStrategy,
  ObjectManager,
  type ObjectManagerOptions,
} from "../../src/objects/object_manager.ts";
import type { ObjectKind } from "../../src/objects/types.ts";
import { FakeClock, flush } from "../../src/util/clock.ts";
import { createMemoryLogger } from "../../src/util/logger.ts";
import { FakeApi } from "../_fixtures/fake_api.ts";

/** The path of a ConfigMap (or Secret) in the fake API. */
export function objectPath(kind: ObjectKind, name: string, namespace = "default"): string {
  return `/api/v1/namespaces/${namespace}/${
    kind === "ConfigMap" ? "configmaps" : "secrets"
  }/${name}`;
}

/** Stores a ConfigMap `name` with `data` in the fake API. */
export function putConfigMap(
  api: FakeApi,
  name: string,
  data: Record<string, string>,
  extra: Record<string, unknown> = {},
) {
  return api.put(objectPath("ConfigMap", name), {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { name, namespace: "default" },
    data,
    ...extra,
  });
}

/** A pod of `namespace` that refers to ConfigMaps (env) and Secrets (volumes). */
export function podWith(
  name: string,
  refs: { configMaps?: string[]; secrets?: string[] },
  extra: { uid?: string; annotations?: Record<string, string> } = {},
): Pod {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      name,
      namespace: "default",
      uid: extra.uid ?? `uid-${name}`,
      annotations: extra.annotations,
    },
    spec: {
      containers: [{
        name: "c",
        image: "busybox",
        env: (refs.configMaps ?? []).map((cm) => ({
          name: `V_${cm}`.replace(/-/g, "_"),
          valueFrom: { configMapKeyRef: { name: cm, key: "k" } },
        })),
      }],
      volumes: (refs.secrets ?? []).map((s) => ({ name: `v-${s}`, secret: { secretName: s } })),
    },
  };
}

/** A fake API, a client on it, a fake clock, a memory logger and a manager. */
export function setup(
  strategy: ChangeDetectionStrategy,
  kind: ObjectKind = "ConfigMap",
  options: Partial<ObjectManagerOptions> = {},
) {
  const api = new FakeApi();
  const clock = new FakeClock();
  const client = new ApiClient(api.transport, { clock, rateLimiter: UNLIMITED });
  const logger = createMemoryLogger(10);
  const manager = new ObjectManager({
    kind,
    strategy,
    client,
    clock,
    logger,
    random: () => 0,
    ...options,
  });
  return { api, clock, client, logger, manager };
}

/** Lets promise chains run (real macrotasks, no timers) until `cond` holds, at most 100 turns. */
export async function until(cond: () => boolean, what = "the condition"): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (cond()) return;
    await flush();
  }
  throw new Error(`${what} did not hold after 100 turns`);
}

/** The requests of the fake API to the ConfigMaps (or Secrets) of `default`, as `GET <query>`. */
export function collectionRequests(api: FakeApi, kind: ObjectKind = "ConfigMap"): string[] {
  const collection = objectPath(kind, "x").slice(0, -2);
  return api.requests
    .filter((r) => r.path === collection)
    .map((r) => `${r.method} ${r.query.toString()}`);
}
