import assert from "node:assert/strict";
import { setPodDefaults } from "../../src/api/defaults.ts";
import type { Container, Pod } from "../../src/api/types.ts";
import { type FieldError, formatFieldErrors, validatePod } from "../../src/api/validation.ts";

/** A valid pod using most node-relevant fields; each case changes one thing. */
function validPod(): Pod {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      name: "web-node1",
      namespace: "default",
      labels: { app: "web", "app.kubernetes.io/name": "web" },
      annotations: { "kubernetes.io/config.source": "file" },
    },
    spec: {
      restartPolicy: "Always",
      dnsPolicy: "ClusterFirst",
      terminationGracePeriodSeconds: 30,
      volumes: [
        { name: "data", emptyDir: { sizeLimit: "1Gi" } },
        { name: "logs", hostPath: { path: "/var/log/web", type: "DirectoryOrCreate" } },
      ],
      initContainers: [{ name: "init", image: "busybox:1.36", command: ["true"] }],
      containers: [
        {
          name: "app",
          image: "nginx:1.25",
          ports: [{ name: "http", containerPort: 80, protocol: "TCP" }],
          env: [
            { name: "MODE", value: "prod" },
            { name: "POD_NAME", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } },
            { name: "CPU", valueFrom: { resourceFieldRef: { resource: "limits.cpu" } } },
          ],
          volumeMounts: [
            { name: "data", mountPath: "/data" },
            { name: "logs", mountPath: "/var/log/nginx", subPath: "nginx" },
          ],
          resources: {
            requests: { cpu: "250m", memory: "64Mi" },
            limits: { cpu: "1", memory: "128Mi" },
          },
          livenessProbe: { httpGet: { path: "/healthz", port: "http" }, periodSeconds: 5 },
          readinessProbe: { tcpSocket: { port: 80 }, successThreshold: 2 },
          startupProbe: { exec: { command: ["cat", "/tmp/ready"] }, failureThreshold: 30 },
          lifecycle: {
            preStop: { sleep: { seconds: 5 } },
            postStart: { exec: { command: ["true"] } },
          },
        },
        { name: "sidecar", image: "busybox", ports: [{ containerPort: 9090, hostPort: 9090 }] },
      ],
    },
  };
}

function app(pod: Pod): Container {
  return pod.spec!.containers[0];
}

function assertOneError(errors: FieldError[], field: string, message: RegExp): void {
  assert.equal(errors.length, 1, `expected one error, got: ${formatFieldErrors(errors)}`);
  assert.equal(errors[0].field, field);
  assert.match(errors[0].message, message);
}

Deno.test("validatePod() accepts a valid pod, with and without defaults", () => {
  assert.deepEqual(validatePod(validPod()), []);
  assert.deepEqual(validatePod(setPodDefaults(validPod())), []);
  const minimal: Pod = {
    metadata: { name: "a" },
    spec: { containers: [{ name: "c", image: "i" }] },
  };
  assert.deepEqual(validatePod(setPodDefaults(minimal)), []);
});

Deno.test("validatePod() accepts valid variants", async (t) => {
  const cases: [name: string, change: (pod: Pod) => void][] = [
    ["name with dots", (p) => (p.metadata!.name = "web.node-1.example")],
    ["253-character name", (p) => (p.metadata!.name = "a".repeat(253))],
    ["hostPort 0 means unset", (p) => (app(p).ports![0].hostPort = 0)],
    ["hostNetwork with equal ports", (p) => {
      p.spec!.hostNetwork = true;
      app(p).ports![0].hostPort = 80;
    }],
    [
      "UDP and SCTP",
      (p) =>
        app(p).ports!.push({ containerPort: 53, protocol: "UDP" }, {
          containerPort: 54,
          protocol: "SCTP",
        }),
    ],
    ["same hostPort on different protocols", (p) => {
      p.spec!.containers[1].ports!.push({ containerPort: 9090, hostPort: 9090, protocol: "UDP" });
    }],
    ["grpc probe", (p) => (app(p).readinessProbe = { grpc: { port: 9000 } })],
    ["lifecycle httpGet and tcpSocket", (p) => {
      app(p).lifecycle = {
        postStart: { httpGet: { port: 80 } },
        preStop: { tcpSocket: { port: "http" } },
      };
    }],
    ["probe numbers 0 mean the default", (p) => (app(p).livenessProbe!.periodSeconds = 0)],
    ["env names with dots and dashes", (p) => app(p).env!.push({ name: "my.var-1", value: "" })],
    [
      "env from label",
      (p) =>
        app(p).env!.push({
          name: "L",
          valueFrom: { fieldRef: { fieldPath: "metadata.labels['app']" } },
        }),
    ],
    [
      "env from configMap key",
      (p) =>
        app(p).env!.push({
          name: "K",
          valueFrom: { configMapKeyRef: { name: "cfg", key: "a.key" } },
        }),
    ],
    [
      "envFrom secret with prefix",
      (p) => (app(p).envFrom = [{ prefix: "DB_", secretRef: { name: "db" } }]),
    ],
    [
      "requests equal to limits",
      (p) => (app(p).resources = { requests: { cpu: "1" }, limits: { cpu: "1000m" } }),
    ],
    [
      "requests without limits",
      (p) => (app(p).resources = { requests: { cpu: "8", memory: "1Ti" } }),
    ],
    ["numeric quantities", (p) => (app(p).resources = { limits: { cpu: 2 as unknown as string } })],
    ["restartPolicy OnFailure", (p) => (p.spec!.restartPolicy = "OnFailure")],
    ["restartPolicy Never", (p) => (p.spec!.restartPolicy = "Never")],
    ["dnsPolicy None with dnsConfig", (p) => {
      p.spec!.dnsPolicy = "None";
      p.spec!.dnsConfig = { nameservers: ["10.0.0.10"] };
    }],
    ["terminationGracePeriodSeconds 0", (p) => {
      p.spec!.terminationGracePeriodSeconds = 0;
      app(p).lifecycle!.preStop = { exec: { command: ["true"] } };
    }],
    ["sidecar init container with probes", (p) => {
      p.spec!.initContainers![0].restartPolicy = "Always";
      p.spec!.initContainers![0].readinessProbe = { exec: { command: ["true"] } };
    }],
    [
      "NoExecute toleration without key",
      (p) => (p.spec!.tolerations = [{ operator: "Exists", effect: "NoExecute" }]),
    ],
    [
      "volume without mounts",
      (p) => p.spec!.volumes!.push({ name: "spare", configMap: { name: "c" } }),
    ],
  ];
  for (const [name, change] of cases) {
    await t.step(name, () => {
      const pod = validPod();
      change(pod);
      const errors = validatePod(pod);
      assert.deepEqual(errors, [], formatFieldErrors(errors));
    });
  }
});

Deno.test("validatePod() reports each invalid field with its path and value", async (t) => {
  const cases: [name: string, change: (pod: Pod) => void, field: string, message: RegExp][] = [
    // metadata
    ["missing name", (p) => delete p.metadata!.name, "metadata.name", /is required/],
    [
      "name not a subdomain",
      (p) => (p.metadata!.name = "Web_1"),
      "metadata.name",
      /lowercase.*got 'Web_1'/,
    ],
    [
      "name too long",
      (p) => (p.metadata!.name = "a".repeat(254)),
      "metadata.name",
      /253 characters \(has 254\)/,
    ],
    ["missing namespace", (p) => (p.metadata!.namespace = ""), "metadata.namespace", /is required/],
    [
      "namespace with dots",
      (p) => (p.metadata!.namespace = "a.b"),
      "metadata.namespace",
      /got 'a.b'/,
    ],
    ["bad label key", (p) => (p.metadata!.labels = { "-x": "y" }), "metadata.labels", /got '-x'/],
    [
      "bad label value",
      (p) => (p.metadata!.labels = { x: "a b" }),
      "metadata.labels[x]",
      /got 'a b'/,
    ],
    [
      "bad annotation key",
      (p) => (p.metadata!.annotations = { "a/b/c": "" }),
      "metadata.annotations",
      /at most one '\/'/,
    ],
    [
      "wrong kind",
      (p) => ((p as { kind: string }).kind = "PodList"),
      "kind",
      /must be Pod \(got 'PodList'\)/,
    ],
    [
      "wrong apiVersion",
      (p) => ((p as { apiVersion: string }).apiVersion = "v2"),
      "apiVersion",
      /must be v1/,
    ],
    // containers
    [
      "no containers",
      (p) => (p.spec!.containers = []),
      "spec.containers",
      /at least one container/,
    ],
    [
      "missing container name",
      (p) => delete (app(p) as { name?: string }).name,
      "spec.containers[0].name",
      /is required/,
    ],
    [
      "container name not a label",
      (p) => (app(p).name = "App"),
      "spec.containers[0].name",
      /got 'App'/,
    ],
    [
      "duplicate container name",
      (p) => (p.spec!.containers[1].name = "app"),
      "spec.containers[1].name",
      /unique.*'app' is also spec.containers\[0\]/,
    ],
    [
      "init and regular share a name",
      (p) => (p.spec!.initContainers![0].name = "app"),
      "spec.containers[0].name",
      /'app' is also spec.initContainers\[0\]/,
    ],
    ["missing image", (p) => delete app(p).image, "spec.containers[0].image", /is required/],
    [
      "missing init image",
      (p) => (p.spec!.initContainers![0].image = ""),
      "spec.initContainers[0].image",
      /is required/,
    ],
    [
      "image with spaces",
      (p) => (app(p).image = " nginx"),
      "spec.containers[0].image",
      /whitespace/,
    ],
    [
      "bad imagePullPolicy",
      (p) => (app(p).imagePullPolicy = "Sometimes"),
      "spec.containers[0].imagePullPolicy",
      /one of Always, IfNotPresent, Never \(got 'Sometimes'\)/,
    ],
    [
      "bad terminationMessagePolicy",
      (p) => (app(p).terminationMessagePolicy = "Log"),
      "spec.containers[0].terminationMessagePolicy",
      /got 'Log'/,
    ],
    [
      "restartPolicy on regular container",
      (p) => (app(p).restartPolicy = "Always"),
      "spec.containers[0].restartPolicy",
      /regular container/,
    ],
    [
      "init restartPolicy not Always",
      (p) => (p.spec!.initContainers![0].restartPolicy = "Never"),
      "spec.initContainers[0].restartPolicy",
      /must be Always/,
    ],
    // ports
    [
      "port name too long",
      (p) => (app(p).ports![0].name = "a-very-long-port-name"),
      "spec.containers[0].ports[0].name",
      /15 characters/,
    ],
    [
      "port name digits only",
      (p) => (app(p).ports![0].name = "8080"),
      "spec.containers[0].ports[0].name",
      /at least one letter/,
    ],
    [
      "port name double hyphen",
      (p) => (app(p).ports![0].name = "a--b"),
      "spec.containers[0].ports[0].name",
      /consecutive hyphens/,
    ],
    [
      "duplicate port name",
      (p) => app(p).ports!.push({ name: "http", containerPort: 81 }),
      "spec.containers[0].ports[1].name",
      /unique.*'http'/,
    ],
    [
      "missing containerPort",
      (p) => delete (app(p).ports![0] as { containerPort?: number }).containerPort,
      "spec.containers[0].ports[0].containerPort",
      /is required/,
    ],
    [
      "containerPort 0",
      (p) => (app(p).ports![0].containerPort = 0),
      "spec.containers[0].ports[0].containerPort",
      /between 1 and 65535 \(got 0\)/,
    ],
    [
      "containerPort 65536",
      (p) => (app(p).ports![0].containerPort = 65536),
      "spec.containers[0].ports[0].containerPort",
      /got 65536/,
    ],
    [
      "containerPort not an integer",
      (p) => (app(p).ports![0].containerPort = 80.5),
      "spec.containers[0].ports[0].containerPort",
      /integer \(got 80.5\)/,
    ],
    [
      "hostPort out of range",
      (p) => (app(p).ports![0].hostPort = 70000),
      "spec.containers[0].ports[0].hostPort",
      /between 0 and 65535 where 0 means no host port \(got 70000\)/,
    ],
    [
      "bad protocol",
      (p) => (app(p).ports![0].protocol = "HTTP"),
      "spec.containers[0].ports[0].protocol",
      /TCP, UDP, SCTP \(got 'HTTP'\)/,
    ],
    [
      "hostNetwork hostPort mismatch",
      (p) => {
        p.spec!.hostNetwork = true;
        app(p).ports![0].hostPort = 8080;
      },
      "spec.containers[0].ports[0].hostPort",
      /must equal containerPort 80 when hostNetwork.*got 8080/,
    ],
    [
      "duplicate hostPort across containers",
      (p) => app(p).ports!.push({ containerPort: 9090, hostPort: 9090 }),
      "spec.containers[1].ports[0].hostPort",
      /9090\/TCP is also spec.containers\[0\].ports\[1\].hostPort/,
    ],
    // probes
    [
      "probe without handler",
      (p) => (app(p).livenessProbe = { periodSeconds: 5 }),
      "spec.containers[0].livenessProbe",
      /exactly one handler.*found none/,
    ],
    [
      "probe with two handlers",
      (p) => (app(p).readinessProbe = { exec: { command: ["x"] }, tcpSocket: { port: 80 } }),
      "spec.containers[0].readinessProbe",
      /found exec, tcpSocket/,
    ],
    [
      "probe periodSeconds negative",
      (p) => (app(p).livenessProbe!.periodSeconds = -1),
      "spec.containers[0].livenessProbe.periodSeconds",
      /at least 1 or 0 \(unset\) for the default 10 \(got -1\)/,
    ],
    [
      "probe timeoutSeconds negative",
      (p) => (app(p).livenessProbe!.timeoutSeconds = -3),
      "spec.containers[0].livenessProbe.timeoutSeconds",
      /got -3/,
    ],
    [
      "probe failureThreshold fractional",
      (p) => (app(p).livenessProbe!.failureThreshold = 1.5),
      "spec.containers[0].livenessProbe.failureThreshold",
      /integer/,
    ],
    [
      "probe initialDelaySeconds negative",
      (p) => (app(p).livenessProbe!.initialDelaySeconds = -1),
      "spec.containers[0].livenessProbe.initialDelaySeconds",
      /at least 0/,
    ],
    [
      "liveness successThreshold 2",
      (p) => (app(p).livenessProbe!.successThreshold = 2),
      "spec.containers[0].livenessProbe.successThreshold",
      /must be 1 for a livenessProbe \(got 2\)/,
    ],
    [
      "startup successThreshold 3",
      (p) => (app(p).startupProbe!.successThreshold = 3),
      "spec.containers[0].startupProbe.successThreshold",
      /must be 1 for a startupProbe/,
    ],
    [
      "readiness terminationGracePeriodSeconds",
      (p) => (app(p).readinessProbe!.terminationGracePeriodSeconds = 5),
      "spec.containers[0].readinessProbe.terminationGracePeriodSeconds",
      /must not be set/,
    ],
    [
      "liveness terminationGracePeriodSeconds 0",
      (p) => (app(p).livenessProbe!.terminationGracePeriodSeconds = 0),
      "spec.containers[0].livenessProbe.terminationGracePeriodSeconds",
      /at least 1/,
    ],
    [
      "httpGet missing port",
      (p) => (app(p).livenessProbe = { httpGet: {} as never }),
      "spec.containers[0].livenessProbe.httpGet.port",
      /is required/,
    ],
    [
      "httpGet bad named port",
      (p) => (app(p).livenessProbe = { httpGet: { port: "HTTP" } }),
      "spec.containers[0].livenessProbe.httpGet.port",
      /port number or a port name.*got 'HTTP'/,
    ],
    [
      "httpGet bad scheme",
      (p) => (app(p).livenessProbe = { httpGet: { port: 80, scheme: "FTP" } }),
      "spec.containers[0].livenessProbe.httpGet.scheme",
      /HTTP, HTTPS \(got 'FTP'\)/,
    ],
    [
      "httpGet bad header name",
      (
        p,
      ) => (app(p).livenessProbe = {
        httpGet: { port: 80, httpHeaders: [{ name: "X Y", value: "" }] },
      }),
      "spec.containers[0].livenessProbe.httpGet.httpHeaders[0].name",
      /header name \(got 'X Y'\)/,
    ],
    [
      "tcpSocket port 0",
      (p) => (app(p).readinessProbe = { tcpSocket: { port: 0 } }),
      "spec.containers[0].readinessProbe.tcpSocket.port",
      /between 1 and 65535/,
    ],
    [
      "exec empty command",
      (p) => (app(p).startupProbe = { exec: { command: [] } }),
      "spec.containers[0].startupProbe.exec.command",
      /at least one element/,
    ],
    [
      "grpc port out of range",
      (p) => (app(p).readinessProbe = { grpc: { port: 70000 } }),
      "spec.containers[0].readinessProbe.grpc.port",
      /got 70000/,
    ],
    [
      "probe on plain init container",
      (p) => (p.spec!.initContainers![0].livenessProbe = { exec: { command: ["x"] } }),
      "spec.initContainers[0].livenessProbe",
      /init container/,
    ],
    // lifecycle
    [
      "lifecycle handler empty",
      (p) => (app(p).lifecycle = { preStop: {} }),
      "spec.containers[0].lifecycle.preStop",
      /exactly one handler of exec, httpGet, tcpSocket or sleep \(found none\)/,
    ],
    [
      "lifecycle two handlers",
      (
        p,
      ) => (app(p).lifecycle = { postStart: { exec: { command: ["x"] }, sleep: { seconds: 1 } } }),
      "spec.containers[0].lifecycle.postStart",
      /found exec, sleep/,
    ],
    [
      "sleep longer than grace period",
      (p) => (app(p).lifecycle!.preStop = { sleep: { seconds: 31 } }),
      "spec.containers[0].lifecycle.preStop.sleep.seconds",
      /between 0 and 30 \(the pod's terminationGracePeriodSeconds\) \(got 31\)/,
    ],
    [
      "sleep negative",
      (p) => (app(p).lifecycle!.preStop = { sleep: { seconds: -1 } }),
      "spec.containers[0].lifecycle.preStop.sleep.seconds",
      /got -1/,
    ],
    [
      "lifecycle on plain init container",
      (p) => (p.spec!.initContainers![0].lifecycle = { preStop: { sleep: { seconds: 1 } } }),
      "spec.initContainers[0].lifecycle",
      /init container/,
    ],
    // env
    [
      "env name missing",
      (p) => app(p).env!.push({ name: "" }),
      "spec.containers[0].env[3].name",
      /is required/,
    ],
    [
      "env name with a control character",
      (p) => app(p).env!.push({ name: "A\nB" }),
      "spec.containers[0].env[3].name",
      /printable ASCII.*got 'A\\nB'/,
    ],
    [
      "env name with '='",
      (p) => app(p).env!.push({ name: "A=B" }),
      "spec.containers[0].env[3].name",
      /got 'A=B'/,
    ],
    [
      "env name not ASCII",
      (p) => app(p).env!.push({ name: "Ä" }),
      "spec.containers[0].env[3].name",
      /printable ASCII/,
    ],
    [
      "valueFrom without source",
      (p) => app(p).env!.push({ name: "X", valueFrom: {} }),
      "spec.containers[0].env[3].valueFrom",
      /exactly one of.*found none/,
    ],
    [
      "valueFrom with two sources",
      (p) =>
        app(p).env!.push({
          name: "X",
          valueFrom: {
            fieldRef: { fieldPath: "metadata.uid" },
            secretKeyRef: { name: "s", key: "k" },
          },
        }),
      "spec.containers[0].env[3].valueFrom",
      /found fieldRef, secretKeyRef/,
    ],
    [
      "value and valueFrom",
      (p) =>
        app(p).env!.push({
          name: "X",
          value: "v",
          valueFrom: { fieldRef: { fieldPath: "metadata.uid" } },
        }),
      "spec.containers[0].env[3].valueFrom",
      /must not be set when 'value' is not empty/,
    ],
    [
      "unsupported fieldPath",
      (p) =>
        app(p).env!.push({ name: "X", valueFrom: { fieldRef: { fieldPath: "spec.hostname" } } }),
      "spec.containers[0].env[3].valueFrom.fieldRef.fieldPath",
      /got 'spec.hostname'/,
    ],
    [
      "fieldRef apiVersion v2",
      (p) =>
        app(p).env!.push({
          name: "X",
          valueFrom: { fieldRef: { apiVersion: "v2", fieldPath: "metadata.uid" } },
        }),
      "spec.containers[0].env[3].valueFrom.fieldRef.apiVersion",
      /must be v1/,
    ],
    [
      "unsupported resource",
      (p) =>
        app(p).env!.push({
          name: "X",
          valueFrom: { resourceFieldRef: { resource: "limits.gpu" } },
        }),
      "spec.containers[0].env[3].valueFrom.resourceFieldRef.resource",
      /got 'limits.gpu'/,
    ],
    [
      "secretKeyRef without key",
      (p) => app(p).env!.push({ name: "X", valueFrom: { secretKeyRef: { name: "s", key: "" } } }),
      "spec.containers[0].env[3].valueFrom.secretKeyRef.key",
      /is required/,
    ],
    [
      "envFrom two sources",
      (p) => (app(p).envFrom = [{ configMapRef: { name: "a" }, secretRef: { name: "b" } }]),
      "spec.containers[0].envFrom[0]",
      /found configMapRef, secretRef/,
    ],
    [
      "envFrom bad prefix",
      (p) => (app(p).envFrom = [{ prefix: "A=", configMapRef: { name: "a" } }]),
      "spec.containers[0].envFrom[0].prefix",
      /got 'A='/,
    ],
    // volumes and mounts
    [
      "volume name not a label",
      (p) => p.spec!.volumes!.push({ name: "Bad_vol", emptyDir: {} }),
      "spec.volumes[2].name",
      /got 'Bad_vol'/,
    ],
    [
      "duplicate volume name",
      (p) => p.spec!.volumes!.push({ name: "data", emptyDir: {} }),
      "spec.volumes[2].name",
      /unique \('data'/,
    ],
    [
      "volume without source",
      (p) => p.spec!.volumes!.push({ name: "x" }),
      "spec.volumes[2]",
      /exactly one volume source.*found none/,
    ],
    [
      "volume with two sources",
      (p) => p.spec!.volumes!.push({ name: "x", emptyDir: {}, hostPath: { path: "/x" } }),
      "spec.volumes[2]",
      /found emptyDir, hostPath/,
    ],
    [
      "hostPath without path",
      (p) => (p.spec!.volumes![1].hostPath = { path: "" }),
      "spec.volumes[1].hostPath.path",
      /is required/,
    ],
    [
      "hostPath with '..'",
      (p) => (p.spec!.volumes![1].hostPath = { path: "/var/../etc" }),
      "spec.volumes[1].hostPath.path",
      /'\.\.'/,
    ],
    [
      "hostPath bad type",
      (p) => (p.spec!.volumes![1].hostPath!.type = "Dir"),
      "spec.volumes[1].hostPath.type",
      /got 'Dir'/,
    ],
    [
      "emptyDir bad sizeLimit",
      (p) => (p.spec!.volumes![0].emptyDir = { sizeLimit: "lots" }),
      "spec.volumes[0].emptyDir.sizeLimit",
      /quantity.*got 'lots'/,
    ],
    [
      "emptyDir bad medium",
      (p) => (p.spec!.volumes![0].emptyDir = { medium: "Disk" }),
      "spec.volumes[0].emptyDir.medium",
      /got 'Disk'/,
    ],
    [
      "mount of unknown volume",
      (p) => (app(p).volumeMounts![0].name = "nope"),
      "spec.containers[0].volumeMounts[0].name",
      /'nope' not found/,
    ],
    [
      "mount without path",
      (p) => (app(p).volumeMounts![0].mountPath = ""),
      "spec.containers[0].volumeMounts[0].mountPath",
      /is required/,
    ],
    [
      "relative mountPath",
      (p) => (app(p).volumeMounts![0].mountPath = "data"),
      "spec.containers[0].volumeMounts[0].mountPath",
      /absolute path \(got 'data'\)/,
    ],
    [
      "duplicate mountPath",
      (p) => (app(p).volumeMounts![1].mountPath = "/data"),
      "spec.containers[0].volumeMounts[1].mountPath",
      /unique.*'\/data'/,
    ],
    [
      "subPath escaping",
      (p) => (app(p).volumeMounts![1].subPath = "../etc"),
      "spec.containers[0].volumeMounts[1].subPath",
      /relative path without '\.\.'/,
    ],
    [
      "bad mountPropagation",
      (p) => (app(p).volumeMounts![0].mountPropagation = "Shared"),
      "spec.containers[0].volumeMounts[0].mountPropagation",
      /got 'Shared'/,
    ],
    // resources
    [
      "unparsable quantity",
      (p) => (app(p).resources!.limits!.cpu = "1 core"),
      "spec.containers[0].resources.limits[cpu]",
      /quantity.*got '1 core'/,
    ],
    [
      "negative quantity",
      (p) => (app(p).resources!.requests!.memory = "-1Mi"),
      "spec.containers[0].resources.requests[memory]",
      /negative/,
    ],
    [
      "request above limit",
      (p) => (app(p).resources!.requests!.cpu = "1500m"),
      "spec.containers[0].resources.requests[cpu]",
      /less than or equal to the cpu limit of 1 \(got 1500m\)/,
    ],
    [
      "memory request above limit",
      (p) => (app(p).resources!.requests!.memory = "1Gi"),
      "spec.containers[0].resources.requests[memory]",
      /memory limit of 128Mi \(got 1Gi\)/,
    ],
    // pod spec
    [
      "bad restartPolicy",
      (p) => (p.spec!.restartPolicy = "Sometimes"),
      "spec.restartPolicy",
      /Always, OnFailure, Never \(got 'Sometimes'\)/,
    ],
    ["bad dnsPolicy", (p) => (p.spec!.dnsPolicy = "Cluster"), "spec.dnsPolicy", /got 'Cluster'/],
    [
      "dnsPolicy None without dnsConfig",
      (p) => (p.spec!.dnsPolicy = "None"),
      "spec.dnsConfig",
      /required when dnsPolicy is None/,
    ],
    [
      "too many nameservers",
      (p) => (p.spec!.dnsConfig = { nameservers: ["1.1.1.1", "1.0.0.1", "8.8.8.8", "8.8.4.4"] }),
      "spec.dnsConfig.nameservers",
      /at most 3 entries \(got 4\)/,
    ],
    [
      "nameserver not an IP",
      (p) => (p.spec!.dnsConfig = { nameservers: ["dns.example"] }),
      "spec.dnsConfig.nameservers[0]",
      /IP address \(got 'dns.example'\)/,
    ],
    [
      "negative grace period",
      (p) => (p.spec!.terminationGracePeriodSeconds = -1),
      "spec.terminationGracePeriodSeconds",
      /at least 0 \(got -1\)/,
    ],
    [
      "activeDeadlineSeconds 0",
      (p) => (p.spec!.activeDeadlineSeconds = 0),
      "spec.activeDeadlineSeconds",
      /at least 1/,
    ],
    ["bad hostname", (p) => (p.spec!.hostname = "My_Host"), "spec.hostname", /got 'My_Host'/],
    ["bad nodeName", (p) => (p.spec!.nodeName = "Node 1"), "spec.nodeName", /got 'Node 1'/],
    [
      "negative runAsUser",
      (p) => (p.spec!.securityContext = { runAsUser: -1 }),
      "spec.securityContext.runAsUser",
      /got -1/,
    ],
    [
      "container runAsGroup not an integer",
      (p) => (app(p).securityContext = { runAsGroup: 1.5 }),
      "spec.containers[0].securityContext.runAsGroup",
      /integer/,
    ],
    [
      "ephemeral containers on create",
      (p) => (p.spec!.ephemeralContainers = [{ name: "debug", image: "busybox" }]),
      "spec.ephemeralContainers",
      /must not be set/,
    ],
    [
      "toleration without key needs Exists",
      (p) => (p.spec!.tolerations = [{ operator: "Equal", value: "x" }]),
      "spec.tolerations[0].operator",
      /must be Exists when key is empty/,
    ],
    [
      "toleration Exists with value",
      (p) => (p.spec!.tolerations = [{ key: "k", operator: "Exists", value: "v" }]),
      "spec.tolerations[0].value",
      /must be empty/,
    ],
    [
      "toleration bad effect",
      (p) => (p.spec!.tolerations = [{ operator: "Exists", effect: "Evict" }]),
      "spec.tolerations[0].effect",
      /got 'Evict'/,
    ],
    [
      "tolerationSeconds without NoExecute",
      (
        p,
      ) => (p.spec!.tolerations = [{
        operator: "Exists",
        effect: "NoSchedule",
        tolerationSeconds: 5,
      }]),
      "spec.tolerations[0].tolerationSeconds",
      /NoExecute/,
    ],
    ["missing spec", (p) => delete p.spec, "spec", /is required/],
  ];
  for (const [name, change, field, message] of cases) {
    await t.step(name, () => {
      const pod = validPod();
      change(pod);
      assertOneError(validatePod(pod), field, message);
    });
  }
});

Deno.test("validatePod() reports every problem at once", () => {
  const pod: Pod = {
    metadata: {},
    spec: { containers: [{ name: "", image: "" }], restartPolicy: "Sometimes" },
  };
  const fields = validatePod(pod).map((error) => error.field);
  assert.deepEqual(fields, [
    "metadata.name",
    "metadata.namespace",
    "spec.containers[0].name",
    "spec.containers[0].image",
    "spec.restartPolicy",
  ]);
});

Deno.test("validatePod() throws a TypeError for a non-object", () => {
  assert.throws(() => validatePod(null as unknown as Pod), TypeError);
  assert.throws(() => validatePod("pod" as unknown as Pod), TypeError);
});

Deno.test("formatFieldErrors() joins errors into one line", () => {
  assert.equal(formatFieldErrors([]), "");
  assert.equal(
    formatFieldErrors([
      { field: "spec.containers[0].name", message: "is required" },
      { field: "spec.restartPolicy", message: "must be one of Always, OnFailure, Never (got 'x')" },
    ]),
    "field 'spec.containers[0].name' is required; " +
      "field 'spec.restartPolicy' must be one of Always, OnFailure, Never (got 'x')",
  );
});

Deno.test("validatePod() checks the API server's rules for the fields the node uses", async (t) => {
  const cases: [name: string, change: (pod: Pod) => void, field: string, message: RegExp][] = [
    [
      "annotations over 256 KiB in all",
      (p) => (p.metadata!.annotations = { a: "x".repeat(200_000), b: "y".repeat(70_000) }),
      "metadata.annotations",
      /at most 262144 bytes in all \(got 270002\)/,
    ],
    [
      "a UID that is a path",
      (p) => (p.metadata = { ...p.metadata, uid: "../../etc" }),
      "metadata.uid",
      /got '\.\.\/\.\.\/etc'/,
    ],
    [
      "termination message path over 4096 characters",
      (p) => (app(p).terminationMessagePath = "/" + "a".repeat(4096)),
      "spec.containers[0].terminationMessagePath",
      /at most 4096 characters \(got 4097\)/,
    ],
    [
      "an unknown resource name",
      (p) => (app(p).resources = { limits: { gpu: "1" } }),
      "spec.containers[0].resources.limits",
      /must be cpu, memory, ephemeral-storage.*got 'gpu'/,
    ],
    [
      "an extended resource with a fraction",
      (p) => (app(p).resources = { limits: { "example.com/gpu": "500m" } }),
      "spec.containers[0].resources.limits[example.com/gpu]",
      /whole number/,
    ],
    [
      "an extended resource request without a limit",
      (p) => (app(p).resources = { requests: { "example.com/gpu": "1" } }),
      "spec.containers[0].resources.limits[example.com/gpu]",
      /is required/,
    ],
    [
      "a hostAliases IP that is not an IP",
      (p) => (p.spec!.hostAliases = [{ ip: "10.0.0.300", hostnames: ["db"] }]),
      "spec.hostAliases[0].ip",
      /valid IP address/,
    ],
    [
      "a hostAliases hostname that is not a subdomain",
      (p) => (p.spec!.hostAliases = [{ ip: "10.0.0.3", hostnames: ["DB_1"] }]),
      "spec.hostAliases[0].hostnames[0]",
      /got 'DB_1'/,
    ],
    [
      "a DNS search domain that is not a subdomain",
      (p) => (p.spec!.dnsConfig = { searches: ["a_b.local"] }),
      "spec.dnsConfig.searches[0]",
      /got 'a_b.local'/,
    ],
    [
      "a DNS option without a name",
      (p) => (p.spec!.dnsConfig = { options: [{ value: "2" }] }),
      "spec.dnsConfig.options[0].name",
      /is required/,
    ],
    [
      "a configMap key path with '..'",
      (p) =>
        p.spec!.volumes!.push({
          name: "cfg",
          configMap: { name: "cfg", items: [{ key: "a", path: "../../etc/passwd" }] },
        }),
      "spec.volumes[2].configMap.items[0].path",
      /must not contain '\.\.'/,
    ],
    [
      "a secret name that is not a subdomain",
      (p) => p.spec!.volumes!.push({ name: "s", secret: { secretName: "../x" } }),
      "spec.volumes[2].secret.secretName",
      /got '\.\.\/x'/,
    ],
    [
      "a resourceFieldRef divisor the API refuses",
      (p) =>
        app(p).env!.push({
          name: "MEM",
          valueFrom: { resourceFieldRef: { resource: "limits.memory", divisor: "3" } },
        }),
      "spec.containers[0].env[3].valueFrom.resourceFieldRef.divisor",
      /must be one of 1, 1k/,
    ],
    [
      "a seccomp Localhost profile without its path",
      (p) => (app(p).securityContext = { seccompProfile: { type: "Localhost" } }),
      "spec.containers[0].securityContext.seccompProfile.localhostProfile",
      /is required/,
    ],
    [
      "a bad sysctl name",
      (p) => (p.spec!.securityContext = { sysctls: [{ name: "net/../x", value: "1" }] }),
      "spec.securityContext.sysctls[0].name",
      /sysctl name/,
    ],
    [
      "a node selector value that is not a label value",
      (p) => (p.spec!.nodeSelector = { disk: "fast ssd" }),
      "spec.nodeSelector[disk]",
      /got 'fast ssd'/,
    ],
    [
      "a service account name that is not a subdomain",
      (p) => (p.spec!.serviceAccountName = "Default"),
      "spec.serviceAccountName",
      /got 'Default'/,
    ],
    [
      "a zero-value mount from a null list item",
      (p) => app(p).volumeMounts!.push({} as never),
      "spec.containers[0].volumeMounts[2].name",
      /is required/,
    ],
  ];
  for (const [name, change, field, message] of cases) {
    await t.step(name, () => {
      const pod = validPod();
      change(pod);
      const errors = validatePod(pod);
      assert.ok(errors.length >= 1, "expected an error");
      assert.equal(errors[0].field, field, formatFieldErrors(errors));
      assert.match(errors[0].message, message);
    });
  }
});

Deno.test("validatePod() accepts what kubelet 1.35 accepts", async (t) => {
  const cases: [name: string, change: (pod: Pod) => void][] = [
    [
      "relaxed env var names",
      (p) => app(p).env!.push({ name: "1ABC", value: "x" }, { name: "a b.c" }),
    ],
    ["an extended resource with equal request and limit", (p) => {
      app(p).resources = {
        requests: { "example.com/gpu": "1" },
        limits: { "example.com/gpu": "1" },
      };
    }],
    [
      "hugepages",
      (p) => (app(p).resources = { limits: { "hugepages-2Mi": "4Mi", memory: "1Gi" } }),
    ],
    [
      "a fully qualified DNS search",
      (p) => (p.spec!.dnsConfig = { searches: ["svc.cluster.local."] }),
    ],
    ["annotations with upper-case keys", (p) => (p.metadata!.annotations = { "Example": "x" })],
    ["a divisor of 1Mi for memory", (p) =>
      app(p).env!.push({
        name: "MEM",
        valueFrom: { resourceFieldRef: { resource: "limits.memory", divisor: "1Mi" } },
      })],
    [
      "hostAliases with IPv6",
      (p) => (p.spec!.hostAliases = [{ ip: "fd00::1", hostnames: ["a.b"] }]),
    ],
  ];
  for (const [name, change] of cases) {
    await t.step(name, () => {
      const pod = validPod();
      change(pod);
      const errors = validatePod(pod);
      assert.deepEqual(errors, [], formatFieldErrors(errors));
    });
  }
});

Deno.test("formatFieldErrors() keeps one line: control characters escaped, at most ten problems", () => {
  const line = formatFieldErrors([
    { field: "metadata.labels[a\nb]", message: "must be x (got 'a\nE1201 FORGED')" },
    ...Array.from({ length: 14 }, (_, i) => ({ field: `f${i}`, message: "is required" })),
  ]);
  assert.ok(!line.includes("\n"));
  assert.match(line, /^field 'metadata\.labels\[a\\nb\]' must be x \(got 'a\\nE1201 FORGED'\); /);
  assert.match(line, /; and 5 more$/);
});
