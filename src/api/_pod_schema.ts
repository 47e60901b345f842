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

/** A Go scalar type and how JSON maps onto it. */
export type ScalarKind =
  | "string"
  | "bool"
  | "int32"
  | "int64"
  /** resource.Quantity: a JSON string or number. */
  | "quantity"
  /** intstr.IntOrString: a JSON string or an int32. */
  | "intOrString"
  /** metav1.Time: an RFC 3339 string. */
  | "time"
  /** Any JSON value, kept as written. */
  | "json";

/** The type of one field. */
export type FieldKind =
  | ScalarKind
  | { readonly list: FieldKind }
  | { readonly map: FieldKind }
  | { readonly struct: StructSchema };

/** The fields of a Go struct, by JSON name. */
export type StructSchema = Readonly<Record<string, FieldKind>>;

const list = (of: FieldKind): FieldKind => ({ list: of });
const map = (of: FieldKind): FieldKind => ({ map: of });
const struct = (fields: StructSchema): FieldKind => ({ struct: fields });

/** A struct the node does not read: any JSON object, kept as written. */
const OPAQUE: FieldKind = map("json");
const OPAQUE_LIST: FieldKind = list(OPAQUE);
const STRINGS = list("string");
const STRING_MAP = map("string");

const objectFieldSelector = struct({ apiVersion: "string", fieldPath: "string" });
const resourceFieldSelector = struct({
  containerName: "string",
  divisor: "quantity",
  resource: "string",
});
const keySelector = struct({ key: "string", name: "string", optional: "bool" });
const envSource = struct({ name: "string", optional: "bool" });

const env = struct({
  name: "string",
  value: "string",
  valueFrom: struct({
    configMapKeyRef: keySelector,
    fieldRef: objectFieldSelector,
    fileKeyRef: OPAQUE,
    resourceFieldRef: resourceFieldSelector,
    secretKeyRef: keySelector,
  }),
});

const resources = struct({
  claims: list(struct({ name: "string", request: "string" })),
  limits: map("quantity"),
  requests: map("quantity"),
});

const httpGet = struct({
  host: "string",
  httpHeaders: list(struct({ name: "string", value: "string" })),
  path: "string",
  port: "intOrString",
  scheme: "string",
});
const exec = struct({ command: STRINGS });
const tcpSocket = struct({ host: "string", port: "intOrString" });

const probe = struct({
  exec,
  failureThreshold: "int32",
  grpc: struct({ port: "int32", service: "string" }),
  httpGet,
  initialDelaySeconds: "int32",
  periodSeconds: "int32",
  successThreshold: "int32",
  tcpSocket,
  terminationGracePeriodSeconds: "int64",
  timeoutSeconds: "int32",
});

const lifecycleHandler = struct({
  exec,
  httpGet,
  sleep: struct({ seconds: "int64" }),
  tcpSocket,
});

const profile = struct({ localhostProfile: "string", type: "string" });
const seLinuxOptions = struct({
  level: "string",
  role: "string",
  type: "string",
  user: "string",
});
const windowsOptions = struct({
  gmsaCredentialSpec: "string",
  gmsaCredentialSpecName: "string",
  hostProcess: "bool",
  runAsUserName: "string",
});

const securityContext = struct({
  allowPrivilegeEscalation: "bool",
  appArmorProfile: profile,
  capabilities: struct({ add: STRINGS, drop: STRINGS }),
  privileged: "bool",
  procMount: "string",
  readOnlyRootFilesystem: "bool",
  runAsGroup: "int64",
  runAsNonRoot: "bool",
  runAsUser: "int64",
  seLinuxOptions,
  seccompProfile: profile,
  windowsOptions,
});

const container = struct({
  args: STRINGS,
  command: STRINGS,
  env: list(env),
  envFrom: list(struct({ configMapRef: envSource, prefix: "string", secretRef: envSource })),
  image: "string",
  imagePullPolicy: "string",
  lifecycle: struct({
    postStart: lifecycleHandler,
    preStop: lifecycleHandler,
    stopSignal: "string",
  }),
  livenessProbe: probe,
  name: "string",
  ports: list(struct({
    containerPort: "int32",
    hostIP: "string",
    hostPort: "int32",
    name: "string",
    protocol: "string",
  })),
  readinessProbe: probe,
  resizePolicy: list(struct({ resourceName: "string", restartPolicy: "string" })),
  resources,
  restartPolicy: "string",
  restartPolicyRules: OPAQUE_LIST,
  securityContext,
  startupProbe: probe,
  stdin: "bool",
  stdinOnce: "bool",
  terminationMessagePath: "string",
  terminationMessagePolicy: "string",
  tty: "bool",
  volumeDevices: list(struct({ devicePath: "string", name: "string" })),
  volumeMounts: list(struct({
    mountPath: "string",
    mountPropagation: "string",
    name: "string",
    readOnly: "bool",
    recursiveReadOnly: "string",
    subPath: "string",
    subPathExpr: "string",
  })),
  workingDir: "string",
});

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
