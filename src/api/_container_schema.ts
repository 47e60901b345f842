/**
 * The container half of the core/v1 Pod schema {@linkcode decodePod} walks (see
 * _pod_schema.ts): the schema's building blocks and every struct of a container
 * (env, resources, probes, lifecycle handlers, security context). Private to
 * src/api.
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

export const list = (of: FieldKind): FieldKind => ({ list: of });
export const map = (of: FieldKind): FieldKind => ({ map: of });
export const struct = (fields: StructSchema): FieldKind => ({ struct: fields });

/** A struct the node does not read: any JSON object, kept as written. */
export const OPAQUE: FieldKind = map("json");
export const OPAQUE_LIST: FieldKind = list(OPAQUE);
export const STRINGS = list("string");
export const STRING_MAP = map("string");

export const objectFieldSelector = struct({ apiVersion: "string", fieldPath: "string" });
export const resourceFieldSelector = struct({
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

export const resources = struct({
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

export const profile = struct({ localhostProfile: "string", type: "string" });
export const seLinuxOptions = struct({
  level: "string",
  role: "string",
  type: "string",
  user: "string",
});
export const windowsOptions = struct({
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

export const container = struct({
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
