/**
 * The core/v1 Pod schema as {@linkcode decodePod} walks it: every field of the
 * structs the node reads, with its Go type. Structs the node never reads (affinity,
 * topology spread constraints, the cloud volume sources, ...) are `OPAQUE`: they
 * must be JSON objects and are kept as written. Private to src/api.
 *
 * Field lists follow core/v1 as of Kubernetes 1.35 (kubernetes-types 1.30 plus the
 * later fields the node may meet: `spec.resources`, `spec.hostnameOverride`,
 * `lifecycle.stopSignal`, `volumes[].image`, ...).
 *
 * @module
 */

import {
  container,
  list,
  map,
  objectFieldSelector,
  OPAQUE,
  OPAQUE_LIST,
  profile,
  resourceFieldSelector,
  resources,
  seLinuxOptions,
  STRING_MAP,
  STRINGS,
  struct,
  type StructSchema,
  windowsOptions,
} from "./_container_schema.ts";

export type { FieldKind, ScalarKind, StructSchema } from "./_container_schema.ts";

const keyToPath = list(struct({ key: "string", mode: "int32", path: "string" }));
const downwardApiItems = list(struct({
  fieldRef: objectFieldSelector,
  mode: "int32",
  path: "string",
  resourceFieldRef: resourceFieldSelector,
}));
const keyedProjection = struct({ items: keyToPath, name: "string", optional: "bool" });

/** Volume sources the node does not implement: kept, and refused by validation. */
const OPAQUE_VOLUME_SOURCES = [
  "awsElasticBlockStore",
  "azureDisk",
  "azureFile",
  "cephfs",
  "cinder",
  "csi",
  "ephemeral",
  "fc",
  "flexVolume",
  "flocker",
  "gcePersistentDisk",
  "gitRepo",
  "glusterfs",
  "iscsi",
  "nfs",
  "persistentVolumeClaim",
  "photonPersistentDisk",
  "portworxVolume",
  "quobyte",
  "rbd",
  "scaleIO",
  "storageos",
  "vsphereVolume",
];

const volume = struct({
  ...Object.fromEntries(OPAQUE_VOLUME_SOURCES.map((name) => [name, OPAQUE])),
  name: "string",
  configMap: struct({
    defaultMode: "int32",
    items: keyToPath,
    name: "string",
    optional: "bool",
  }),
  downwardAPI: struct({ defaultMode: "int32", items: downwardApiItems }),
  emptyDir: struct({ medium: "string", sizeLimit: "quantity" }),
  hostPath: struct({ path: "string", type: "string" }),
  image: struct({ pullPolicy: "string", reference: "string" }),
  projected: struct({
    defaultMode: "int32",
    sources: list(struct({
      clusterTrustBundle: OPAQUE,
      configMap: keyedProjection,
      downwardAPI: struct({ items: downwardApiItems }),
      podCertificate: OPAQUE,
      secret: keyedProjection,
      serviceAccountToken: struct({
        audience: "string",
        expirationSeconds: "int64",
        path: "string",
      }),
    })),
  }),
  secret: struct({
    defaultMode: "int32",
    items: keyToPath,
    optional: "bool",
    secretName: "string",
  }),
});

const podSecurityContext = struct({
  appArmorProfile: profile,
  fsGroup: "int64",
  fsGroupChangePolicy: "string",
  runAsGroup: "int64",
  runAsNonRoot: "bool",
  runAsUser: "int64",
  seLinuxChangePolicy: "string",
  seLinuxOptions,
  seccompProfile: profile,
  supplementalGroups: list("int64"),
  supplementalGroupsPolicy: "string",
  sysctls: list(struct({ name: "string", value: "string" })),
  windowsOptions,
});

const podSpec = struct({
  activeDeadlineSeconds: "int64",
  affinity: OPAQUE,
  automountServiceAccountToken: "bool",
  containers: list(container),
  dnsConfig: struct({
    nameservers: STRINGS,
    options: list(struct({ name: "string", value: "string" })),
    searches: STRINGS,
  }),
  dnsPolicy: "string",
  enableServiceLinks: "bool",
  ephemeralContainers: OPAQUE_LIST,
  hostAliases: list(struct({ hostnames: STRINGS, ip: "string" })),
  hostIPC: "bool",
  hostNetwork: "bool",
  hostPID: "bool",
  hostUsers: "bool",
  hostname: "string",
  hostnameOverride: "string",
  imagePullSecrets: list(struct({ name: "string" })),
  initContainers: list(container),
  nodeName: "string",
  nodeSelector: STRING_MAP,
  os: struct({ name: "string" }),
  overhead: map("quantity"),
  preemptionPolicy: "string",
  priority: "int32",
  priorityClassName: "string",
  readinessGates: list(struct({ conditionType: "string" })),
  resourceClaims: OPAQUE_LIST,
  resources,
  restartPolicy: "string",
  runtimeClassName: "string",
  schedulerName: "string",
  schedulingGates: list(struct({ name: "string" })),
  securityContext: podSecurityContext,
  serviceAccount: "string",
  serviceAccountName: "string",
  setHostnameAsFQDN: "bool",
  shareProcessNamespace: "bool",
  subdomain: "string",
  terminationGracePeriodSeconds: "int64",
  tolerations: list(struct({
    effect: "string",
    key: "string",
    operator: "string",
    tolerationSeconds: "int64",
    value: "string",
  })),
  topologySpreadConstraints: OPAQUE_LIST,
  volumes: list(volume),
  workloadRef: OPAQUE,
});

const objectMeta = struct({
  annotations: STRING_MAP,
  creationTimestamp: "time",
  deletionGracePeriodSeconds: "int64",
  deletionTimestamp: "time",
  finalizers: STRINGS,
  generateName: "string",
  generation: "int64",
  labels: STRING_MAP,
  managedFields: OPAQUE_LIST,
  name: "string",
  namespace: "string",
  ownerReferences: OPAQUE_LIST,
  resourceVersion: "string",
  selfLink: "string",
  uid: "string",
});

/** A core/v1 Pod. `status` is kept as an opaque object (a created pod's is reset). */
export const POD_SCHEMA: StructSchema = {
  apiVersion: "string",
  kind: "string",
  metadata: objectMeta,
  spec: podSpec,
  status: OPAQUE,
};
