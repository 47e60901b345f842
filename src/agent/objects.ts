/**
 * Builds where pods' ConfigMaps and Secrets come from: the local objects of
 * the static pod directory (always; the file source fills them), and with
 * `--kubeconfig` the configmap and secret managers on the API server
 * (`configMapAndSecretChangeDetectionStrategy`). When an object changes, the
 * pods that use it are synced at once, so their volumes follow without
 * waiting for the sync period.
 *
 * @module
 */

import type { Pod } from "kubernetes-types/core/v1.d.ts";
import type { ApiClient } from "../client/mod.ts";
import { LocalObjectStore } from "../objects/local_objects.ts";
import { ObjectManager } from "../objects/object_manager.ts";
import { createPodObjectSource, type MergedPodObjectSource } from "../objects/pod_object_source.ts";
import { podObjectRefs } from "../objects/pod_refs.ts";
import type { ObjectRef } from "../objects/types.ts";
import type { AgentDeps, AgentLoops } from "./_deps.ts";

/** The pods' object source and what feeds it. */
export interface ObjectsSide {
  /** The static pod directory's ConfigMaps and Secrets (the file source replaces them). */
  local: LocalObjectStore;
  source: MergedPodObjectSource;
  /**
   * The loops (the managers' recyclers), and the wake of the pods that use a
   * changed object, given the desired pods and a way to wake one.
   */
  loops(pods: () => Pod[], wake: (uid: string) => void): AgentLoops;
}

/** Whether `pod` refers to `ref`. */
function usesObject(pod: Pod, ref: ObjectRef): boolean {
  return podObjectRefs(pod).some((r) =>
    r.kind === ref.kind && r.namespace === ref.namespace && r.name === ref.name
  );
}

/** Builds the object source; `api` is the cluster's client (undefined standalone). */
export function buildObjects(deps: AgentDeps, api: ApiClient | undefined): ObjectsSide {
  const { options, clock, logger } = deps;
  const local = new LocalObjectStore();
  const manager = (kind: "ConfigMap" | "Secret") =>
    api === undefined ? undefined : new ObjectManager({
      kind,
      client: api,
      clock,
      logger,
      strategy: options.configMapAndSecretChangeDetectionStrategy,
      resyncMs: options.syncFrequency,
    });
  const configMaps = manager("ConfigMap");
  const secrets = manager("Secret");
  const source = createPodObjectSource({ local, configMaps, secrets, logger, clock });
  return {
    local,
    source,
    loops(pods, wake) {
      const loops: AgentLoops = {
        objectChanges: async (signal) => {
          const stop = source.onChange((ref) => {
            for (const pod of pods()) {
              if (usesObject(pod, ref) && pod.metadata?.uid) wake(pod.metadata.uid);
            }
          });
          await new Promise((resolve) => signal.addEventListener("abort", resolve, { once: true }));
          stop();
          source.close();
        },
      };
      if (configMaps) loops.configMapManager = (signal) => configMaps.run(signal);
      if (secrets) loops.secretManager = (signal) => secrets.run(signal);
      return loops;
    },
  };
}
