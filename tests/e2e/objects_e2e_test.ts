/**
 * ConfigMaps and Secrets end to end, the REAL agent process on a private
 * containerd:
 *
 * - standalone, beyond the kubelet: a ConfigMap and a Secret beside the Pod
 *   in one multi-document file of the static pod directory reach the
 *   container as env, envFrom (with a prefix) and files; an edit of the
 *   ConfigMap reaches the running container's volume without a restart; a
 *   pod referencing a ConfigMap that does not exist waits in
 *   CreateContainerConfigError naming it, and starts once it is written;
 * - in a cluster (a real kube-apiserver): a ConfigMap and Secret created with
 *   kubectl reach an API pod as env and files, a kubectl edit reaches the
 *   volume, a projected serviceAccountToken is a real token the API server
 *   issued, and secret values never appear in the agent's log.
 *
 * The containers serve their files with busybox httpd on the host network;
 * the test reads them over loopback. Skipped LOUDLY when containerd (or for
 * the cluster test kube-apiserver) cannot run here.
 */

import assert from "node:assert/strict";
import type { Pod } from "kubernetes-types/core/v1.d.ts";
import { registerSkippedE2E, startContainerd } from "./harness/containerd_harness.ts";
import { startApiServer } from "./harness/apiserver_harness.ts";
import {
  type AgentProcess,
  freePort,
  startAgent,
  waitFor,
  writeAgentConfig,
} from "./harness/agent_process.ts";

const NODE = "e2e-objects-node";
const TESTS = {
  standalone: "ConfigMaps and Secrets from the static pod directory (standalone): env, envFrom, " +
    "files, live updates, CreateContainerConfigError until the object appears",
  cluster: "ConfigMaps, Secrets and a projected token from a real kube-apiserver: env, files, " +
    "live updates; secret values never logged",
};
const SECRET_VALUE = "s3cr3t-do-not-log";

const containerd = await startContainerd({ podNetwork: true });

interface PodList {
  items: Pod[];
}

/** GET http://127.0.0.1:port/path as text, or undefined when nothing answers yet. */
async function httpText(port: number, path: string): Promise<string | undefined> {
  try {
    const res = await fetch(`http://127.0.0.1:${port}${path}`, {
      signal: AbortSignal.timeout(2_000),
    });
    const text = await res.text();
    return res.ok ? text : undefined;
  } catch {
    return undefined;
  }
}

/** A shell that dumps the env into /www and serves /www (with the volumes mounted under it). */
function serve(port: number): string[] {
  return ["sh", "-c", `mkdir -p /www && env > /www/env.txt && exec httpd -f -p ${port} -h /www`];
}

function b64(text: string): string {
  return btoa(text);
}

function staticDocs(port: number, greeting: string): string {
  return [
    JSON.stringify({
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: "app-config", namespace: "default" },
      data: { GREETING: greeting, "settings.ini": `greeting=${greeting}\n` },
    }),
    JSON.stringify({
      apiVersion: "v1",
      kind: "Secret",
      metadata: { name: "app-secret", namespace: "default" },
      data: { password: b64(SECRET_VALUE) },
    }),
    JSON.stringify({
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: "configured", namespace: "default" },
      spec: {
        hostNetwork: true,
        terminationGracePeriodSeconds: 1,
        containers: [{
          name: "app",
          image: "IMAGE",
          imagePullPolicy: "Never",
          command: serve(port),
          env: [
            {
              name: "GREETING",
              valueFrom: { configMapKeyRef: { name: "app-config", key: "GREETING" } },
            },
            {
              name: "PASSWORD",
              valueFrom: { secretKeyRef: { name: "app-secret", key: "password" } },
            },
          ],
          envFrom: [{ prefix: "CFG_", configMapRef: { name: "app-config" } }],
          volumeMounts: [
            { name: "config", mountPath: "/www/config" },
            { name: "secret", mountPath: "/www/secret" },
          ],
        }],
        volumes: [
          { name: "config", configMap: { name: "app-config" } },
          { name: "secret", secret: { secretName: "app-secret" } },
        ],
      },
    }),
  ].join("\n---\n");
}

function missingRefPod(port: number): string {
  return JSON.stringify({
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "waiting", namespace: "default" },
    spec: {
      hostNetwork: true,
      terminationGracePeriodSeconds: 1,
      containers: [{
        name: "app",
        image: "IMAGE",
        imagePullPolicy: "Never",
        command: serve(port),
        env: [{
          name: "LATER",
          valueFrom: { configMapKeyRef: { name: "later", key: "value" } },
        }],
      }],
    },
  });
}

if (typeof containerd === "string") {
  registerSkippedE2E(Object.values(TESTS), containerd);
} else {
  const h = containerd;
  const apiserver = await startApiServer({ nodeNames: [NODE] });
  // The last test to finish stops containerd; the harness's unload guard covers filtered runs.
  let pending = typeof apiserver === "string" ? 1 : 2;
  const finishOne = async () => {
    if (--pending === 0) await h.stop();
  };
  Deno.test({
    name: TESTS.standalone,
    sanitizeOps: false,
    sanitizeResources: false,
    async fn(t) {
      const dir = await Deno.makeTempDir({ prefix: "denolet-objects-e2e-" });
      const port = freePort();
      const waitingPort = freePort();
      let agent: AgentProcess | undefined;
      try {
        await Deno.mkdir(`${dir}/manifests`, { recursive: true });
        await Deno.mkdir(`${dir}/logs`, { recursive: true });
        const write = (name: string, text: string) =>
          Deno.writeTextFile(`${dir}/manifests/${name}`, text.replaceAll("IMAGE", h.image));
        await write("app.yaml", staticDocs(port, "hello"));
        await write("waiting.json", missingRefPod(waitingPort));
        await writeAgentConfig(`${dir}/kubelet.yaml`, {
          podLogsDir: `${dir}/logs`,
          readOnlyPort: freePort(),
          healthzPort: freePort(),
          extra: { staticPodPath: `${dir}/manifests`, syncFrequency: "5s" },
        });
        agent = await startAgent([
          `--config=${dir}/kubelet.yaml`,
          `--hostname-override=${NODE}`,
          `--root-dir=${dir}/root`,
          `--container-runtime-endpoint=${h.endpoint}`,
        ]);
        const a = agent;

        await t.step("env, envFrom with a prefix and files from the local objects", async () => {
          const env = await waitFor(() => httpText(port, "/env.txt"), {
            timeoutMs: 60_000,
            what: "the pod serving its env",
            details: () => a.logTail(40),
          });
          assert.match(env, /^GREETING=hello$/m);
          assert.match(env, /^CFG_GREETING=hello$/m);
          assert.match(env, new RegExp(`^PASSWORD=${SECRET_VALUE}$`, "m"));
          // (CFG_settings.ini is set too; busybox sh does not pass a name with a dot on to env.)
          assert.equal(await httpText(port, "/config/settings.ini"), "greeting=hello\n");
          assert.equal(await httpText(port, "/secret/password"), SECRET_VALUE);
        });

        await t.step("an edit of the ConfigMap reaches the running container's files", async () => {
          const id = (p: PodList) =>
            p.items.find((x) => x.metadata?.name?.startsWith("configured"))?.status
              ?.containerStatuses?.[0]?.containerID;
          // The container may serve before the agent has published its status: wait for its ID.
          const before = await waitFor(async () => id(await a.getJson<PodList>("/pods")), {
            timeoutMs: 30_000,
            what: "the container's ID in /pods",
          });
          await write("app.yaml", staticDocs(port, "bonjour"));
          await waitFor(
            async () => (await httpText(port, "/config/settings.ini")) === "greeting=bonjour\n",
            { timeoutMs: 60_000, what: "the updated file", details: () => a.logTail(40) },
          );
          assert.equal(id(await a.getJson<PodList>("/pods")), before, "no restart");
        });

        await t.step(
          "a missing ConfigMap: CreateContainerConfigError naming it, then it starts",
          async () => {
            const waiting = await waitFor(async () => {
              const list = await a.getJson<PodList>("/pods");
              const pod = list.items.find((p) => p.metadata?.name?.startsWith("waiting"));
              const w = pod?.status?.containerStatuses?.[0]?.state?.waiting;
              return w?.reason === "CreateContainerConfigError" ? w : undefined;
            }, {
              timeoutMs: 60_000,
              what: "CreateContainerConfigError",
              details: () => a.logTail(40),
            });
            assert.match(waiting.message ?? "", /later/);
            await write(
              "later.yaml",
              JSON.stringify({
                apiVersion: "v1",
                kind: "ConfigMap",
                metadata: { name: "later", namespace: "default" },
                data: { value: "arrived" },
              }),
            );
            const env = await waitFor(() => httpText(waitingPort, "/env.txt"), {
              timeoutMs: 60_000,
              what: "the waiting pod started",
              details: () => a.logTail(40),
            });
            assert.match(env, /^LATER=arrived$/m);
          },
        );

        await t.step("the secret's value is never in the agent's log", () => {
          assert.ok(!a.log().includes(SECRET_VALUE));
          assert.ok(!a.log().includes(b64(SECRET_VALUE)));
        });
      } finally {
        if (agent && !agent.exited) await agent.stop();
        await Deno.remove(dir, { recursive: true }).catch(() => {});
        await finishOne();
      }
    },
  });

  if (typeof apiserver === "string") {
    registerSkippedE2E([TESTS.cluster], apiserver, "kube-apiserver");
  } else {
    const api = apiserver;
    Deno.test({
      name: TESTS.cluster,
      sanitizeOps: false,
      sanitizeResources: false,
      async fn(t) {
        const dir = await Deno.makeTempDir({ prefix: "denolet-objects-cluster-e2e-" });
        const port = freePort();
        let agent: AgentProcess | undefined;
        try {
          await Deno.mkdir(`${dir}/logs`, { recursive: true });
          await writeAgentConfig(`${dir}/kubelet.yaml`, {
            podLogsDir: `${dir}/logs`,
            readOnlyPort: freePort(),
            healthzPort: freePort(),
            extra: { syncFrequency: "5s" },
          });
          agent = await startAgent([
            `--config=${dir}/kubelet.yaml`,
            `--kubeconfig=${api.nodeKubeconfig(NODE)}`,
            `--hostname-override=${NODE}`,
            `--root-dir=${dir}/root`,
            `--container-runtime-endpoint=${h.endpoint}`,
            "--node-ip=127.0.0.1",
            // The kubelet API on a free port, never a real kubelet's 10250.
            `--port=${freePort()}`,
          ]);
          const a = agent;
          await api.kubectl(["create", "configmap", "app-config", "--from-literal=GREETING=hello"]);
          await api.kubectl([
            "create",
            "secret",
            "generic",
            "app-secret",
            `--from-literal=password=${SECRET_VALUE}`,
          ]);
          await api.kubectl(["create", "serviceaccount", "app"]);
          const pod = JSON.parse(
            staticDocs(port, "hello").split("\n---\n")[2].replaceAll("IMAGE", h.image),
          ) as Pod;
          pod.spec!.nodeName = NODE;
          pod.spec!.serviceAccountName = "app";
          pod.spec!.volumes!.push({
            name: "token",
            projected: {
              sources: [{ serviceAccountToken: { path: "token", expirationSeconds: 3600 } }],
            },
          });
          pod.spec!.containers[0].volumeMounts!.push({ name: "token", mountPath: "/www/token" });
          await Deno.writeTextFile(`${dir}/pod.json`, JSON.stringify(pod));
          await api.kubectl(["create", "-f", `${dir}/pod.json`]);

          await t.step("env and files from the cluster's objects, a real token", async () => {
            const env = await waitFor(() => httpText(port, "/env.txt"), {
              timeoutMs: 90_000,
              what: "the API pod serving its env",
              details: () => a.logTail(40),
            });
            assert.match(env, /^GREETING=hello$/m);
            assert.match(env, new RegExp(`^PASSWORD=${SECRET_VALUE}$`, "m"));
            assert.equal(await httpText(port, "/secret/password"), SECRET_VALUE);
            const token = await httpText(port, "/token/token");
            assert.match(token ?? "", /^[\w-]+\.[\w-]+\.[\w-]+$/, "a JWT");
          });

          await t.step("a kubectl edit of the ConfigMap reaches the volume", async () => {
            await api.kubectl([
              "patch",
              "configmap",
              "app-config",
              "--type=merge",
              "-p",
              JSON.stringify({ data: { GREETING: "bonjour" } }),
            ]);
            await waitFor(async () => (await httpText(port, "/config/GREETING")) === "bonjour", {
              timeoutMs: 60_000,
              what: "the updated file",
              details: () => a.logTail(40),
            });
          });

          await t.step("the secret's value is never in the agent's log", () => {
            assert.ok(!a.log().includes(SECRET_VALUE));
            assert.ok(!a.log().includes(b64(SECRET_VALUE)));
          });
        } finally {
          if (agent && !agent.exited) await agent.stop();
          await api.stop();
          await Deno.remove(dir, { recursive: true }).catch(() => {});
          await finishOne();
        }
      },
    });
  }
}
