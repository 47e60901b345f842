/**
 * The REAL agent process (scripts/run.ts's scoped permissions) joining a REAL
 * kube-apiserver v1.20 + etcd (Node,RBAC + NodeRestriction, the agent
 * authenticated as `system:node:<name>`) on a private containerd — what an
 * operator sees with plain kubectl:
 *
 * - the Node appears and turns Ready (`kubectl get nodes`), with the labels,
 *   addresses, capacity and nodeInfo the kubelet reports; its Lease renews;
 * - a static pod's mirror pod appears (owned by the Node), shows the static
 *   pod's status, comes back after `kubectl delete`, and the static pod keeps
 *   running the same container;
 * - a pod created with kubectl and bound to the node runs, its phase, ready
 *   count, restarts and IP show in `kubectl get pods -o wide`, its port answers;
 * - a crash-looping pod shows CrashLoopBackOff there, and BackOff in
 *   `kubectl get events`;
 * - `kubectl delete pod --grace-period=3` stops its container and the pod
 *   disappears from the API;
 * - the API server stopped for 30 s and started again: no container restarts,
 *   the Node is Ready again and its Lease renews.
 *
 * One agent for the file; each step waits by bounded polls of real state.
 * Skipped LOUDLY when containerd or kube-apiserver cannot run here
 * (scripts/e2e_deps.sh installs containerd, etcd and builds kube-apiserver).
 */

import assert from "node:assert/strict";
import type { Event, Node, Pod } from "kubernetes-types/core/v1.d.ts";
import type { Lease } from "kubernetes-types/coordination/v1.d.ts";
import { registerSkippedE2E, startContainerd } from "./harness/containerd_harness.ts";
import { startApiServer } from "./harness/apiserver_harness.ts";
import {
  type AgentProcess,
  freePort,
  portAnswers,
  startAgent,
  waitFor,
  writeAgentConfig,
} from "./harness/agent_process.ts";

const NODE = "e2e-cluster-node";
/** The static pod's name in the API: the kubelet suffixes the node name. */
const STATIC = `static-web-${NODE}`;
const NAME =
  "the agent joins a real kube-apiserver on containerd: Node Ready, Lease, mirror pods, " +
  "API pods with status in kubectl, CrashLoopBackOff, graceful delete, a 30 s API outage";

const containerd = await startContainerd({ podNetwork: true });
const apiserver = typeof containerd === "string"
  ? containerd
  : await startApiServer({ nodeNames: [NODE] });

interface PodList {
  items: Pod[];
}

function hostNetworkPod(name: string, image: string, container: Record<string, unknown>): Pod {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace: "default" },
    spec: {
      hostNetwork: true,
      restartPolicy: "Always",
      terminationGracePeriodSeconds: 1,
      containers: [{ name: "app", image, imagePullPolicy: "Never", ...container }],
    },
  };
}

function httpd(port: number): Record<string, unknown> {
  return {
    command: [
      "sh",
      "-c",
      `mkdir -p /www && echo ok > /www/index.html && exec httpd -f -p ${port} -h /www`,
    ],
  };
}

if (typeof containerd === "string") {
  registerSkippedE2E([NAME], containerd);
} else if (typeof apiserver === "string") {
  await containerd.stop();
  registerSkippedE2E([NAME], apiserver, "kube-apiserver");
} else {
  Deno.test({
    name: NAME,
    sanitizeOps: false,
    sanitizeResources: false,
    async fn(t) {
      const h = containerd;
      const api = apiserver;
      const dir = await Deno.makeTempDir({ prefix: "denolet-cluster-e2e-" });
      const kubectlJson = async <T>(args: string[]): Promise<T> =>
        JSON.parse(await api.kubectl([...args, "-o", "json"])) as T;
      const getPod = (name: string) =>
        kubectlJson<Pod>(["get", "pod", name, "-n", "default"]).catch(() => undefined);
      let agent: AgentProcess | undefined;
      const staticPort = freePort();
      const apiPort = freePort();
      try {
        await Deno.mkdir(`${dir}/manifests`, { recursive: true });
        await Deno.mkdir(`${dir}/logs`, { recursive: true });
        await Deno.writeTextFile(
          `${dir}/manifests/static-web.json`,
          JSON.stringify(hostNetworkPod("static-web", h.image, httpd(staticPort))),
        );
        const readOnlyPort = freePort();
        await writeAgentConfig(`${dir}/kubelet.yaml`, {
          podLogsDir: `${dir}/logs`,
          readOnlyPort,
          healthzPort: freePort(),
          extra: { staticPodPath: `${dir}/manifests` },
        });
        const args = [
          `--config=${dir}/kubelet.yaml`,
          `--kubeconfig=${api.nodeKubeconfig(NODE)}`,
          `--hostname-override=${NODE}`,
          `--root-dir=${dir}/root`,
          `--container-runtime-endpoint=${h.endpoint}`,
          "--node-labels=node.kubernetes.io/e2e=yes",
          "--node-ip=127.0.0.1",
          // The kubelet API on a free port, never a real kubelet's 10250.
          `--port=${freePort()}`,
        ];
        agent = await startAgent(args);
        const a = agent;
        const staticContainerId = async () => {
          const list = await a.getJson<PodList>("/pods");
          const pod = list.items.find((p) => p.metadata?.name === STATIC);
          return pod?.status?.containerStatuses?.[0]?.containerID;
        };
        /** Every container ID and restart count the agent runs, from its /pods. */
        const containerState = async () => {
          const list = await a.getJson<PodList>("/pods");
          return Object.fromEntries(
            list.items.flatMap((p) =>
              (p.status?.containerStatuses ?? []).map((
                c,
              ) => [`${p.metadata?.name}/${c.name}`, `${c.containerID}#${c.restartCount}`])
            ),
          );
        };

        await t.step("the Node appears and turns Ready, as `kubectl get nodes` shows", async () => {
          const node = await waitFor(async () => {
            const n = await kubectlJson<Node>(["get", "node", NODE]).catch(() => undefined);
            const ready = n?.status?.conditions?.find((c) => c.type === "Ready");
            return ready?.status === "True" ? n : undefined;
          }, { timeoutMs: 60_000, what: `node ${NODE} Ready`, details: () => a.logTail(40) });
          assert.equal(node.metadata?.labels?.["kubernetes.io/hostname"], NODE);
          assert.equal(node.metadata?.labels?.["kubernetes.io/os"], "linux");
          assert.equal(node.metadata?.labels?.["node.kubernetes.io/e2e"], "yes");
          assert.deepEqual(node.status?.addresses, [
            { type: "InternalIP", address: "127.0.0.1" },
            { type: "Hostname", address: NODE },
          ]);
          assert.equal(node.status?.capacity?.pods, "110");
          assert.match(node.status?.nodeInfo?.containerRuntimeVersion ?? "", /^containerd:\/\//);
          assert.match(node.status?.nodeInfo?.kubeletVersion ?? "", /^v1\./);
          const types = (node.status?.conditions ?? []).map((c) => c.type).sort();
          assert.deepEqual(types, ["DiskPressure", "MemoryPressure", "PIDPressure", "Ready"]);
          const wide = await api.kubectl(["get", "nodes", "-o", "wide"]);
          assert.match(wide, new RegExp(`${NODE}\\s+Ready`));
        });

        await t.step("the Lease in kube-node-lease renews, owned by the Node", async () => {
          const lease = () =>
            kubectlJson<Lease>(["get", "lease", NODE, "-n", "kube-node-lease"]).catch(() =>
              undefined
            );
          const first = await waitFor(lease, { timeoutMs: 30_000, what: "the lease" });
          assert.equal(first.spec?.holderIdentity, NODE);
          assert.equal(first.spec?.leaseDurationSeconds, 40);
          await waitFor(async () => {
            const l = await lease();
            return l?.spec?.renewTime !== first.spec?.renewTime && l?.metadata?.ownerReferences
                  ?.[0]?.kind === "Node";
          }, { timeoutMs: 30_000, what: "a renewal with the Node as owner" });
        });

        let firstMirrorUid = "";
        await t.step(
          "a static pod's mirror pod appears, owned by the Node, with its status",
          async () => {
            const mirror = await waitFor(async () => {
              const p = await getPod(STATIC);
              return p?.status?.phase === "Running" &&
                  p.status.conditions?.some((c) => c.type === "Ready" && c.status === "True")
                ? p
                : undefined;
            }, {
              timeoutMs: 60_000,
              what: "mirror pod static-web Running and Ready",
              details: () => a.logTail(40),
            });
            assert.ok(mirror.metadata?.annotations?.["kubernetes.io/config.mirror"]);
            assert.equal(mirror.spec?.nodeName, NODE);
            const owner = mirror.metadata?.ownerReferences?.[0];
            assert.equal(owner?.kind, "Node");
            assert.equal(owner?.controller, true);
            assert.ok(await portAnswers(staticPort));
            firstMirrorUid = mirror.metadata!.uid!;
          },
        );

        await t.step(
          "kubectl delete of the mirror pod: it comes back, the static pod keeps running",
          async () => {
            const before = await staticContainerId();
            assert.ok(before, "the static pod runs a container");
            await api.kubectl(["delete", "pod", STATIC, "-n", "default", "--wait=false"]);
            await waitFor(async () => {
              const p = await getPod(STATIC);
              return p && p.metadata?.uid !== firstMirrorUid && !p.metadata?.deletionTimestamp;
            }, { timeoutMs: 60_000, what: "a new mirror pod", details: () => a.logTail(40) });
            assert.equal(await staticContainerId(), before, "the same container still runs");
            assert.ok(await portAnswers(staticPort));
          },
        );

        await t.step(
          "a pod created with kubectl runs; kubectl get pods -o wide shows its status",
          async () => {
            const pod = hostNetworkPod("api-web", h.image, httpd(apiPort));
            pod.spec!.nodeName = NODE;
            await Deno.writeTextFile(`${dir}/api-web.json`, JSON.stringify(pod));
            await api.kubectl(["create", "-f", `${dir}/api-web.json`]);
            await waitFor(() => portAnswers(apiPort), {
              timeoutMs: 60_000,
              what: "api-web's port",
              details: () => a.logTail(40),
            });
            await waitFor(async () => {
              const wide = await api.kubectl([
                "get",
                "pod",
                "api-web",
                "-o",
                "wide",
                "--no-headers",
              ]);
              return /^api-web\s+1\/1\s+Running\s+0\s+\S+\s+127\.0\.0\.1\s+e2e-cluster-node/.test(
                wide,
              );
            }, { timeoutMs: 30_000, what: "api-web 1/1 Running with IP and node in kubectl" });
            const status = (await getPod("api-web"))!.status!;
            assert.equal(status.hostIP, "127.0.0.1");
            assert.equal(status.qosClass, "BestEffort");
            assert.ok(status.startTime);
            assert.match(status.containerStatuses?.[0]?.containerID ?? "", /^containerd:\/\//);
          },
        );

        await t.step(
          "a crash loop shows CrashLoopBackOff in kubectl, BackOff in its events",
          async () => {
            const pod = hostNetworkPod("api-crash", h.image, { command: ["sh", "-c", "exit 3"] });
            pod.spec!.nodeName = NODE;
            await Deno.writeTextFile(`${dir}/api-crash.json`, JSON.stringify(pod));
            await api.kubectl(["create", "-f", `${dir}/api-crash.json`]);
            await waitFor(async () => {
              const line = await api.kubectl(["get", "pod", "api-crash", "--no-headers"]);
              return /CrashLoopBackOff/.test(line);
            }, {
              timeoutMs: 90_000,
              what: "CrashLoopBackOff in kubectl get pods",
              details: () => a.logTail(40),
            });
            const events = await waitFor(async () => {
              const list = await kubectlJson<{ items: Event[] }>([
                "get",
                "events",
                "-n",
                "default",
                "--field-selector",
                "involvedObject.name=api-crash",
              ]);
              return list.items.some((e) => e.reason === "BackOff") ? list.items : undefined;
            }, { timeoutMs: 60_000, what: "a BackOff event" });
            const backOff = events.find((e) => e.reason === "BackOff")!;
            assert.equal(backOff.source?.component, "kubelet");
            assert.equal(backOff.source?.host, NODE);
            assert.equal(backOff.involvedObject.fieldPath, "spec.containers{app}");
            assert.ok(events.some((e) => e.reason === "Started"), "Started is posted too");
            await api.kubectl([
              "delete",
              "pod",
              "api-crash",
              "--grace-period=0",
              "--force",
              "--wait=false",
            ])
              .catch(() => "");
          },
        );

        await t.step("kubectl delete pod --grace-period=3 stops it and it disappears", async () => {
          await api.kubectl(["delete", "pod", "api-web", "--grace-period=3", "--wait=false"]);
          await waitFor(async () => !(await portAnswers(apiPort)), {
            timeoutMs: 30_000,
            what: "api-web's port closed",
          });
          await waitFor(async () => (await getPod("api-web")) === undefined, {
            timeoutMs: 30_000,
            what: "api-web gone from the API",
            details: () => a.logTail(40),
          });
          const list = await a.getJson<PodList>("/pods");
          assert.ok(!list.items.some((p) => p.metadata?.name === "api-web"));
        });

        await t.step("the API server down for 30 s and back: no container restarts", async () => {
          // A fresh API pod that runs through the outage.
          const pod = hostNetworkPod("api-steady", h.image, httpd(apiPort));
          pod.spec!.nodeName = NODE;
          await Deno.writeTextFile(`${dir}/api-steady.json`, JSON.stringify(pod));
          await api.kubectl(["create", "-f", `${dir}/api-steady.json`]);
          await waitFor(() => portAnswers(apiPort), {
            timeoutMs: 60_000,
            what: "api-steady's port",
          });
          // The container may answer before the agent has published its status.
          const before = await waitFor(async () => {
            const state = await containerState();
            return state["api-steady/app"]?.startsWith("containerd://") ? state : undefined;
          }, { timeoutMs: 30_000, what: "api-steady's container in /pods" });
          await api.stopApiServer();
          await new Promise((r) => setTimeout(r, 30_000));
          assert.ok(await portAnswers(apiPort), "api-steady answers during the outage");
          assert.ok(await portAnswers(staticPort), "static-web answers during the outage");
          await api.startApiServer();
          const leaseAfter = Date.now();
          await waitFor(async () => {
            const l = await kubectlJson<Lease>(["get", "lease", NODE, "-n", "kube-node-lease"])
              .catch(() => undefined);
            return l?.spec?.renewTime && Date.parse(l.spec.renewTime) > leaseAfter - 1000;
          }, {
            timeoutMs: 60_000,
            what: "the lease renewed after the outage",
            details: () => a.logTail(40),
          });
          await waitFor(async () => {
            const n = await kubectlJson<Node>(["get", "node", NODE]).catch(() => undefined);
            return n?.status?.conditions?.find((c) => c.type === "Ready")?.status === "True";
          }, { timeoutMs: 60_000, what: "the node Ready after the outage" });
          // Give the agent's watch and status sync time to catch up, then compare.
          await waitFor(async () => (await getPod("api-steady"))?.status?.phase === "Running", {
            timeoutMs: 30_000,
            what: "api-steady Running in the API",
          });
          assert.deepEqual(
            await containerState(),
            before,
            "no container restarted or was replaced",
          );
        });

        await t.step(
          "the agent restarted while the API server is down: static pods at once, the rest catches up, nothing restarts",
          async () => {
            const before = await containerState();
            await a.stop();
            // Every loop ends on the stop, the API watch too (no 5 s grace used up).
            assert.doesNotMatch(a.log(), /Stopping without waiting longer/);
            await api.stopApiServer();
            agent = await startAgent(args);
            const b = agent;
            await waitFor(async () => (await b.get("/healthz")).status === 200, {
              timeoutMs: 30_000,
              what: "/healthz ok with the API server down",
              details: () => b.logTail(40),
            });
            // The static pod is adopted at once; the API pod's container is left running
            // (its source is not ready, so it is no orphan yet).
            await waitFor(async () => {
              const list = await b.getJson<PodList>("/pods");
              const pod = list.items.find((p) => p.metadata?.name === STATIC);
              return pod?.status?.containerStatuses?.[0]?.ready;
            }, {
              timeoutMs: 30_000,
              what: "the static pod Ready with the API down",
              details: () => b.logTail(40),
            });
            assert.ok(await portAnswers(apiPort), "api-steady still answers");
            await api.startApiServer();
            await waitFor(async () => {
              const list = await b.getJson<PodList>("/pods");
              return list.items.some((p) =>
                p.metadata?.name === "api-steady" && p.status?.containerStatuses?.[0]?.ready
              );
            }, {
              timeoutMs: 90_000,
              what: "api-steady back in the agent",
              details: () => b.logTail(40),
            });
            assert.deepEqual(await containerState(), before, "the same containers, no restarts");
            await waitFor(async () => {
              const n = await kubectlJson<Node>(["get", "node", NODE]).catch(() => undefined);
              return n?.status?.conditions?.find((c) => c.type === "Ready")?.status === "True";
            }, { timeoutMs: 60_000, what: "the node Ready again" });
          },
        );

        await t.step(
          "a wrong token: one clear line naming the request and identity, the agent keeps running",
          async () => {
            const bad = `${dir}/bad.kubeconfig`;
            const text = await Deno.readTextFile(api.nodeKubeconfig(NODE));
            await Deno.writeTextFile(bad, text.replace(/token: .*/, "token: not-a-valid-token"));
            const healthzPort = freePort();
            const other = await startAgent([
              "--container-runtime-endpoint=embedded",
              `--kubeconfig=${bad}`,
              `--hostname-override=${NODE}-bad`,
              `--root-dir=${dir}/bad-root`,
              `--healthz-port=${healthzPort}`,
              "--read-only-port=0",
              `--port=${freePort()}`,
            ]);
            try {
              await other.waitForLog(/did not accept the agent's credentials/, 30_000);
              await new Promise((r) => setTimeout(r, 5_000));
              const lines = other.log().split("\n").filter((l) =>
                /did not accept the agent's credentials/.test(l)
              );
              const requests = lines.map((l) => /request="([A-Z]+ [^?"]+)/.exec(l)?.[1]);
              assert.equal(
                new Set(requests).size,
                requests.length,
                `each request named once: ${lines.join("\n")}`,
              );
              assert.match(lines[0], /identity="user/);
              const health = await other.get("/healthz").catch((e) => e as Error);
              assert.ok(
                !(health instanceof Error) && health.status === 200,
                `the agent runs on: ${health instanceof Error ? health.message : health.status}\n${
                  other.logTail(30)
                }`,
              );
            } finally {
              await other.stop();
            }
          },
        );
      } finally {
        if (agent && !agent.exited) {
          const status = await agent.stop();
          if (!status.success && status.signal === null) console.error(agent.logTail(60));
        }
        await api.stop();
        await h.stop();
        await Deno.remove(dir, { recursive: true }).catch(() => {});
      }
    },
  });
}
