/**
 * The mirror pod of a static pod: the copy the node posts to the API server
 * so that a static pod (from a manifest file or URL) shows in `kubectl get
 * pods`, the kubelet's `CreateMirrorPod` (pkg/kubelet/pod/mirror_client.go).
 *
 * What the API server requires of one (NodeRestriction, observed on
 * kube-apiserver v1.20): the `kubernetes.io/config.mirror` annotation set to
 * the static pod's config hash, `spec.nodeName` = the node, and an owner
 * reference to the Node with `controller: true`; without it, or when the pod
 * references a Secret, ConfigMap, ServiceAccount or PVC, the create is
 * refused with 403.
 *
 * @module
 */

import type { ObjectMeta, OwnerReference } from "kubernetes-types/meta/v1.d.ts";
import { podObjectRefs } from "../objects/pod_refs.ts";
import { formatObjectRef } from "../objects/types.ts";
import type { Pod } from "../api/types.ts";
import { CONFIG_HASH_ANNOTATION, CONFIG_MIRROR_ANNOTATION } from "../api/pod_helpers.ts";

export { isMirrorPod } from "../api/pod_helpers.ts";

/** Which Node a mirror pod belongs to. */
export interface MirrorPodOwner {
  /** The node's name (`spec.nodeName` and the owner reference's name). */
  nodeName: string;
  /** The Node object's `metadata.uid`. */
  nodeUid: string;
}

/**
 * The config hash of a static pod: its `kubernetes.io/config.hash`
 * annotation, or its UID when the annotation is absent (in the kubelet the
 * two are equal). denolet's file and HTTP sources always set the annotation,
 * to a hash of the manifest's content, so it changes with every edit while
 * the UID stays.
 */
export function staticPodHash(pod: Pod): string | undefined {
  return pod.metadata?.annotations?.[CONFIG_HASH_ANNOTATION] ?? pod.metadata?.uid;
}

/** The static pod's hash a mirror pod carries (`kubernetes.io/config.mirror`), if any. */
export function mirrorPodHash(pod: Pod): string | undefined {
  return pod.metadata?.annotations?.[CONFIG_MIRROR_ANNOTATION];
}

/** The key mirror and static pods are matched by: `<namespace>/<name>`. */
export function mirrorKey(pod: Pod): string {
  return `${pod.metadata?.namespace ?? ""}/${pod.metadata?.name ?? ""}`;
}

/** The owner reference every mirror pod of `owner`'s node carries. */
export function nodeOwnerReference(owner: MirrorPodOwner): OwnerReference {
  return {
    apiVersion: "v1",
    kind: "Node",
    name: owner.nodeName,
    uid: owner.nodeUid,
    controller: true,
  };
}

/**
 * The mirror pod to create for `staticPod`: its name, namespace, labels and
 * annotations (the node's `config.source`, `config.seen`, `config.hash` ones
 * included) plus `kubernetes.io/config.mirror` = its hash; no UID,
 * resourceVersion or other server-set metadata; its spec with
 * `spec.nodeName` = the node; no status; owned by the Node (controller).
 *
 * @throws {TypeError} when the static pod has no name, no namespace, or neither a hash nor a UID.
 */
export function buildMirrorPod(staticPod: Pod, owner: MirrorPodOwner): Pod {
  const meta = staticPod.metadata ?? {};
  const hash = staticPodHash(staticPod);
  if (!meta.name || !meta.namespace || !hash) {
    throw new TypeError(
      `Cannot make a mirror pod of '${
        mirrorKey(staticPod)
      }': the static pod needs a name, a namespace and a config hash or UID`,
    );
  }
  const metadata: ObjectMeta = {
    name: meta.name,
    namespace: meta.namespace,
    annotations: { ...meta.annotations, [CONFIG_MIRROR_ANNOTATION]: hash },
    ownerReferences: [nodeOwnerReference(owner)],
  };
  if (meta.labels !== undefined) metadata.labels = { ...meta.labels };
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata,
    spec: { ...structuredClone(staticPod.spec ?? { containers: [] }), nodeName: owner.nodeName },
  };
}

/**
 * Why the API server refuses a mirror pod for `pod`, or undefined: a mirror
 * pod may not reference Secrets, ConfigMaps, a service account (or its
 * tokens) or PersistentVolumeClaims (the pod validation and NodeRestriction
 * of kube-apiserver), so such a static pod runs without one. Names only,
 * never values.
 */
export function mirrorRefusalReason(pod: Pod): string | undefined {
  const refs = podObjectRefs(pod);
  if (refs.length > 0) {
    const named = refs.slice(0, 3).map(formatObjectRef).join(", ");
    return `it references ${named}${refs.length > 3 ? ` and ${refs.length - 3} more` : ""}`;
  }
  const spec = pod.spec;
  if (spec?.serviceAccountName) {
    return `it references service account ${spec.serviceAccountName}`;
  }
  for (const v of spec?.volumes ?? []) {
    if (v.persistentVolumeClaim) return `its volume ${v.name} is a PersistentVolumeClaim`;
    if (v.projected?.sources?.some((src) => src.serviceAccountToken)) {
      return `its volume ${v.name} projects a service account token`;
    }
  }
  return undefined;
}
