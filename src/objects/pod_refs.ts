/**
 * Every ConfigMap and Secret a pod refers to, as the kubelet's pod visitors
 * `VisitPodSecretNames` and `VisitPodConfigmapNames` (pkg/api/v1/pod) find
 * them; these are the names the managers register, watch and read, and the
 * only ones the API server lets the node read.
 *
 * - Secrets: `spec.imagePullSecrets`; `envFrom[].secretRef` and
 *   `env[].valueFrom.secretKeyRef` of init containers, containers and
 *   ephemeral containers (in that order); volumes `secret` and the `secret`
 *   sources of `projected` volumes.
 * - ConfigMaps: `envFrom[].configMapRef` and `env[].valueFrom.configMapKeyRef`
 *   of the same containers; volumes `configMap` and the `configMap` sources of
 *   `projected` volumes.
 *
 * Empty names are skipped and each object is listed once. Unlike the kubelet,
 * the secret references of volume plugins denolet does not mount (`csi`
 * `nodePublishSecretRef`, `azureFile`, `cephfs`, `cinder`, `flexVolume`,
 * `rbd`, `scaleIO`, `iscsi`, `storageos`) are not visited: nothing here would
 * read them, so they are not watched either.
 *
 * @module
 */

import type { Container, EphemeralContainer, Pod } from "../api/types.ts";
import type { ObjectKind, ObjectRef } from "./types.ts";

/** The namespace of a pod, `default` when unset (as the API server defaults it). */
export function podNamespace(pod: Pod): string {
  return pod.metadata?.namespace || "default";
}

/** Every ConfigMap and Secret `pod` refers to, each once: Secrets first, then ConfigMaps. */
export function podObjectRefs(pod: Pod): ObjectRef[] {
  const namespace = podNamespace(pod);
  const seen = new Set<string>();
  const refs: ObjectRef[] = [];
  const add = (kind: ObjectKind, name: string | undefined) => {
    if (!name || seen.has(`${kind}/${name}`)) return;
    seen.add(`${kind}/${name}`);
    refs.push({ kind, namespace, name });
  };
  const spec = pod.spec;
  const containers: Array<Container | EphemeralContainer> = [
    ...spec?.initContainers ?? [],
    ...spec?.containers ?? [],
    ...spec?.ephemeralContainers ?? [],
  ];
  for (const s of spec?.imagePullSecrets ?? []) add("Secret", s?.name);
  for (const c of containers) {
    for (const from of c?.envFrom ?? []) add("Secret", from?.secretRef?.name);
    for (const env of c?.env ?? []) add("Secret", env?.valueFrom?.secretKeyRef?.name);
  }
  for (const v of spec?.volumes ?? []) {
    add("Secret", v?.secret?.secretName);
    for (const p of v?.projected?.sources ?? []) add("Secret", p?.secret?.name);
  }
  for (const c of containers) {
    for (const from of c?.envFrom ?? []) add("ConfigMap", from?.configMapRef?.name);
    for (const env of c?.env ?? []) add("ConfigMap", env?.valueFrom?.configMapKeyRef?.name);
  }
  for (const v of spec?.volumes ?? []) {
    add("ConfigMap", v?.configMap?.name);
    for (const p of v?.projected?.sources ?? []) add("ConfigMap", p?.configMap?.name);
  }
  return refs;
}

/** The kubelet's key of a registered pod: namespace, name and uid. */
export function podKey(pod: Pod): string {
  return `${podNamespace(pod)}/${pod.metadata?.name ?? ""}/${pod.metadata?.uid ?? ""}`;
}

/** `ConfigMap/ns/name`: the map key of an object (names hold no `/`). */
export function objectKey(ref: ObjectRef): string {
  return `${ref.kind}/${ref.namespace}/${ref.name}`;
}
