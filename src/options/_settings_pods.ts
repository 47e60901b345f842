/**
 * The settings of the help groups Pod sources, Images and Container garbage
 * collection: where pods come from and how their images and dead containers are kept.
 *
 * @module
 */

import type { Setting } from "./_setting.ts";

/** Pod sources, Images and Container garbage collection settings, in help order. */
export const POD_SETTINGS: readonly Setting[] = [
  {
    key: "staticPodPath",
    flag: "pod-manifest-path",
    field: "staticPodPath",
    kind: "path",
    group: "Pod sources",
    placeholder: "path",
    helpDefault: "none",
    help: "Static pod manifests: a directory (every file not starting with '.') or one file.",
  },
  {
    key: "fileCheckFrequency",
    flag: "file-check-frequency",
    field: "fileCheckFrequency",
    kind: "duration",
    group: "Pod sources",
    help: "How often the manifest path is relisted.",
  },
  {
    key: "staticPodURL",
    flag: "manifest-url",
    field: "staticPodURL",
    kind: "string",
    group: "Pod sources",
    placeholder: "url",
    helpDefault: "none",
    help: "URL serving a Pod or PodList to run.",
  },
  {
    key: "staticPodURLHeader",
    flag: "manifest-url-header",
    field: "staticPodURLHeader",
    kind: "headers",
    group: "Pod sources",
    placeholder: "k:v,k2:v2",
    helpDefault: "none",
    help: "HTTP headers for --manifest-url; repeatable, same-name headers are sent in order. " +
      "Values are masked in logs.",
  },
  {
    key: "httpCheckFrequency",
    flag: "http-check-frequency",
    field: "httpCheckFrequency",
    kind: "duration",
    group: "Pod sources",
    help: "How often the manifest URL is fetched.",
  },
  {
    key: "syncFrequency",
    flag: "sync-frequency",
    field: "syncFrequency",
    kind: "duration",
    group: "Pod sources",
    help: "Most time between syncs of a running pod.",
  },
  {
    key: "parallelContainerStarts",
    flag: "parallel-container-starts",
    field: "parallelContainerStarts",
    kind: "bool",
    group: "Pod sources",
    help: "denolet only: start a pod's regular containers at once; a container with a " +
      "postStart hook still holds back the ones after it, and init containers start in " +
      "order. false starts them one by one, as the kubelet.",
  },
  {
    key: "maxConcurrentPodStarts",
    field: "maxConcurrentPodStarts",
    kind: "int",
    group: "Pod sources",
    helpDefault: "0: no limit, as the kubelet",
    help: "denolet only: most pod sandboxes created at once, in arrival order: the first of " +
      "many new pods starts sooner, the last later; a creation holds its slot 1 s at most " +
      "(config file only).",
  },
  {
    key: "podStartRamp",
    field: "podStartRamp",
    kind: "string",
    group: "Pod sources",
    placeholder: "firstAlone|doubling|none",
    help: "denolet only: when new pods arrive while none is starting, the first starts alone " +
      "(sandbox and containers, 1 s at most) and the others wait for it: firstAlone then lets " +
      "them all go, doubling one more per finished start; none starts them all at once, as the " +
      "kubelet (config file only).",
  },
  {
    key: "podLogsDir",
    field: "podLogsDir",
    kind: "path",
    group: "Pod sources",
    help: "Directory for container logs (config file only).",
  },
  {
    key: "serializeImagePulls",
    flag: "serialize-image-pulls",
    field: "serializeImagePulls",
    kind: "bool",
    group: "Images",
    helpDefault: "true, false when maxParallelImagePulls >= 2",
    help: "Pull one image at a time.",
  },
  {
    key: "maxParallelImagePulls",
    field: "maxParallelImagePulls",
    kind: "int",
    group: "Images",
    helpDefault: "no limit",
    help: "Most image pulls at once (config file only; needs serializeImagePulls false).",
  },
  {
    key: "registryPullQPS",
    flag: "registry-qps",
    field: "registryPullQPS",
    kind: "int",
    group: "Images",
    help: "Image pulls per second; 0 means unlimited.",
  },
  {
    key: "registryBurst",
    flag: "registry-burst",
    field: "registryBurst",
    kind: "int",
    group: "Images",
    help: "Burst of image pulls above --registry-qps.",
  },
  {
    key: "imageGCHighThresholdPercent",
    flag: "image-gc-high-threshold",
    field: "imageGCHighThresholdPercent",
    kind: "int",
    group: "Images",
    help: "Disk usage percent (0-100) at which image GC starts.",
  },
  {
    key: "imageGCLowThresholdPercent",
    flag: "image-gc-low-threshold",
    field: "imageGCLowThresholdPercent",
    kind: "int",
    group: "Images",
    help: "Disk usage percent (0-100) image GC frees down to; not above the high threshold.",
  },
  {
    key: "imageMinimumGCAge",
    flag: "minimum-image-ttl-duration",
    field: "imageMinimumGCAge",
    kind: "duration",
    group: "Images",
    help: "Minimum age of an unused image before GC may remove it.",
  },
  {
    key: "minimumGCAge",
    flag: "minimum-container-ttl-duration",
    kind: "duration",
    group: "Container garbage collection (deprecated, flag only)",
    help: "Minimum age of a finished container before GC may remove it.",
  },
  {
    key: "maxPerPodContainerCount",
    flag: "maximum-dead-containers-per-container",
    kind: "int",
    group: "Container garbage collection (deprecated, flag only)",
    help: "Dead containers kept per container; negative means no limit.",
  },
  {
    key: "maxContainerCount",
    flag: "maximum-dead-containers",
    kind: "int",
    group: "Container garbage collection (deprecated, flag only)",
    help: "Dead containers kept in total; negative means no limit.",
  },
];
