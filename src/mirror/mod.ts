/**
 * Mirror pods: the copies of the node's static pods it keeps in the API
 * server. {@linkcode MirrorPodManager} reconciles them with the static pods;
 * {@linkcode buildMirrorPod} makes one.
 *
 * ```ts
 * const mirrors = new MirrorPodManager({ client, nodeName, nodeUid: () => nodeUid, clock, logger });
 * mirrors.setMirrorPods(apiPods.filter(isMirrorPod)); // on every change the API pod source sees
 * mirrors.setStaticPods(staticPods); // on every change of the file/http sources
 * mirrors.run(signal); // reconciles on those changes and every 10 s
 * const ref = mirrors.mirrorFor(staticPod); // where the status manager patches its status
 * ```
 *
 * @module
 */

export {
  buildMirrorPod,
  isMirrorPod,
  mirrorKey,
  mirrorPodHash,
  type MirrorPodOwner,
  nodeOwnerReference,
  staticPodHash,
} from "./mirror_pod.ts";
export {
  CREATED_MIRROR_TTL_MS,
  MIRROR_REFUSED_RETRY_MS,
  MIRROR_RESYNC_MS,
  MirrorPodManager,
  type MirrorPodManagerOptions,
  type MirrorRef,
} from "./mirror_pod_manager.ts";
