/**
 * denolet's API client against a REAL kube-apiserver v1.20 + etcd (started
 * privately by the harness, Node,RBAC authorization and NodeRestriction),
 * authenticated as `system:node:<name>`: what a node agent needs to do —
 * register its Node, post its status, hold its Lease, list and watch its
 * pods — answers with the status codes KUBELET_FACTS.md section 16 records,
 * and what it must not do is refused with 403. kubectl (the admin) sees the
 * result.
 *
 * Skipped LOUDLY (reported as ignored, never as passed) when kube-apiserver or
 * etcd is missing; scripts/kube_apiserver_deps.sh (run by `deno task test`
 * through scripts/e2e_deps.sh) installs etcd and builds and caches the server.
 */

import assert from "node:assert/strict";
import type { Node, Pod } from "kubernetes-types/core/v1.d.ts";
import type { Lease } from "kubernetes-types/coordination/v1.d.ts";
import {
  type ApiClient,
  ApiStatusError,
  createApiClient,
  loadKubeconfig,
} from "../../src/client/mod.ts";
import { RealClock } from "../../src/util/clock.ts";
import { startApiServer } from "./harness/apiserver_harness.ts";
import { registerSkippedE2E } from "./harness/containerd_harness.ts";

const NODE = "e2e-node-a";
const OTHER = "e2e-node-b";
const NAME = "a node against a real kube-apiserver (Node,RBAC + NodeRestriction): " +
  "registers, posts status, holds its Lease, watches its pods; refused another node's objects";

/** An API client that records the HTTP status of every answer it got. */
interface RecordedClient {
  api: ApiClient;
  /** The status of the last answer (the watch's counts when its headers arrive). */
  last(): number;
}

async function clientFor(kubeconfig: string): Promise<RecordedClient> {
  const statuses: number[] = [];
  const recording: typeof fetch = async (input, init) => {
    const res = await fetch(input, init);
    statuses.push(res.status);
    return res;
  };
  const api = createApiClient(await loadKubeconfig(kubeconfig), {
    clock: new RealClock(),
    fetch: recording,
  });
  return { api, last: () => statuses.at(-1) ?? -1 };
}

/** Awaits `p`, which must fail with an API Status of `code`; returns that error. */
async function refusedWith(p: Promise<unknown>, code: number): Promise<ApiStatusError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof ApiStatusError, `expected an API Status ${code}, got: ${e}`);
    assert.equal(e.code, code, e.message);
    return e;
  }
  assert.fail(`expected an API Status ${code}, but the request succeeded`);
}

/** A MicroTime (`2006-01-02T15:04:05.000000Z`), as Lease.spec.renewTime needs. */
function microTime(ms: number): string {
  return new Date(ms).toISOString().replace(/Z$/, "000Z");
}

function busyboxPod(name: string, nodeName: string): Pod {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace: "default" },
    spec: {
      nodeName,
      containers: [{ name: "app", image: "busybox:e2e", command: ["sleep", "3600"] }],
    },
  };
}

const harness = await startApiServer({ nodeNames: [NODE, OTHER] });

if (typeof harness === "string") {
  registerSkippedE2E([NAME], harness, "kube-apiserver");
} else {
  console.error(
    `kube-apiserver ${harness.version} ready (/readyz ok) ${harness.readyMs} ms after launch`,
  );
  Deno.test({
    name: NAME,
    // The daemons outlive single steps; stop() in finally cleans them.
    sanitizeOps: false,
    sanitizeResources: false,
    async fn(t) {
      const node = await clientFor(harness.nodeKubeconfig(NODE));
      const admin = await clientFor(harness.adminKubeconfig);
      let registered: Node | undefined;
      try {
        await t.step("creates its own Node (201) and gets it (200)", async () => {
          const body: Node = {
            apiVersion: "v1",
            kind: "Node",
            metadata: {
              name: NODE,
              labels: {
                "kubernetes.io/hostname": NODE,
                "kubernetes.io/os": "linux",
                "kubernetes.io/arch": "amd64",
              },
            },
          };
          const created = await node.api.create<Node>({ resource: "nodes" }, body);
          assert.equal(node.last(), 201);
          assert.ok(created.metadata?.uid, "the server gave the Node a uid");
          registered = await node.api.get<Node>({ resource: "nodes", name: NODE });
          assert.equal(node.last(), 200);
          assert.equal(registered.metadata?.uid, created.metadata?.uid);
          assert.equal(registered.metadata?.labels?.["kubernetes.io/hostname"], NODE);
        });

        await t.step("patches its Node's status (200)", async () => {
          const now = new Date().toISOString().replace(/\.\d+Z$/, "Z");
          const patched = await node.api.patchStatus<Node>({ resource: "nodes", name: NODE }, {
            status: {
              capacity: { cpu: "2", memory: "1Gi", pods: "110" },
              allocatable: { cpu: "2", memory: "1Gi", pods: "110" },
              conditions: [{
                type: "Ready",
                status: "True",
                reason: "KubeletReady",
                message: "kubelet is posting ready status",
                lastHeartbeatTime: now,
                lastTransitionTime: now,
              }],
            },
          }, "strategic");
          assert.equal(node.last(), 200);
          const ready = patched.status?.conditions?.find((c) => c.type === "Ready");
          assert.equal(ready?.status, "True");
          assert.equal(patched.status?.capacity?.pods, "110");
        });

        await t.step(
          "creates its Lease in kube-node-lease (201), renews it by PUT (200); a stale PUT is 409",
          async () => {
            const ref = {
              group: "coordination.k8s.io",
              resource: "leases",
              namespace: "kube-node-lease",
            };
            const start = Date.now();
            const lease = await node.api.create<Lease>(ref, {
              apiVersion: "coordination.k8s.io/v1",
              kind: "Lease",
              metadata: {
                name: NODE,
                namespace: "kube-node-lease",
                ownerReferences: [{
                  apiVersion: "v1",
                  kind: "Node",
                  name: NODE,
                  uid: registered!.metadata!.uid!,
                }],
              },
              spec: { holderIdentity: NODE, leaseDurationSeconds: 40, renewTime: microTime(start) },
            });
            assert.equal(node.last(), 201);
            assert.equal(lease.metadata?.ownerReferences?.[0]?.uid, registered!.metadata!.uid);
            const renewTime = microTime(start + 10_000);
            const renewed = await node.api.replace<Lease>(
              { ...ref, name: NODE },
              { ...lease, spec: { ...lease.spec, renewTime } },
            );
            assert.equal(node.last(), 200);
            assert.equal(renewed.spec?.renewTime, renewTime);
            assert.notEqual(renewed.metadata?.resourceVersion, lease.metadata?.resourceVersion);
            // The first lease's resourceVersion is stale now: the server refuses it.
            await refusedWith(node.api.replace<Lease>({ ...ref, name: NODE }, lease), 409);
          },
        );

        await t.step(
          "lists (200) and watches (200) pods by spec.nodeName=<node>; a pod bound to it is ADDED",
          async () => {
            await admin.api.create<Pod>(
              { resource: "pods", namespace: "default" },
              busyboxPod("on-other-node", OTHER),
            );
            assert.equal(admin.last(), 201);
            const selector = `spec.nodeName=${NODE}`;
            const listed = await node.api.list<Pod>({ resource: "pods" }, {
              fieldSelector: selector,
            });
            assert.equal(node.last(), 200);
            assert.deepEqual(listed.items, [], "another node's pod is not listed");
            const signal = AbortSignal.timeout(30_000);
            const events = await node.api.watch<Pod>({ resource: "pods" }, {
              fieldSelector: selector,
              resourceVersion: listed.metadata?.resourceVersion,
              allowWatchBookmarks: true,
              signal,
            });
            assert.equal(node.last(), 200);
            await admin.api.create<Pod>(
              { resource: "pods", namespace: "default" },
              busyboxPod("on-this-node", NODE),
            );
            let seen: { type: string; name?: string; nodeName?: string } | undefined;
            for await (const ev of events) {
              if (ev.type === "BOOKMARK") continue;
              seen = ev.type === "ERROR" ? { type: `ERROR ${ev.error.message}` } : {
                type: ev.type,
                name: ev.object.metadata?.name,
                nodeName: ev.object.spec?.nodeName,
              };
              break;
            }
            assert.deepEqual(seen, { type: "ADDED", name: "on-this-node", nodeName: NODE });
          },
        );

        await t.step(
          "another node's objects: Node create 403, Node status patch 403, Lease create 403",
          async () => {
            await admin.api.create<Node>({ resource: "nodes" }, {
              apiVersion: "v1",
              kind: "Node",
              metadata: { name: OTHER },
            });
            assert.equal(admin.last(), 201);
            const e = await refusedWith(
              node.api.create<Node>({ resource: "nodes" }, {
                apiVersion: "v1",
                kind: "Node",
                metadata: { name: "e2e-node-c" },
              }),
              403,
            );
            assert.equal(e.reason, "Forbidden");
            await refusedWith(
              node.api.patchStatus({ resource: "nodes", name: OTHER }, {
                status: { conditions: [{ type: "Ready", status: "False" }] },
              }, "strategic"),
              403,
            );
            await refusedWith(
              node.api.create<Lease>(
                { group: "coordination.k8s.io", resource: "leases", namespace: "kube-node-lease" },
                {
                  apiVersion: "coordination.k8s.io/v1",
                  kind: "Lease",
                  metadata: { name: OTHER, namespace: "kube-node-lease" },
                  spec: { holderIdentity: OTHER, leaseDurationSeconds: 40 },
                },
              ),
              403,
            );
          },
        );

        await t.step("kubectl get nodes -o json (admin) shows the Node and its Ready", async () => {
          const list = JSON.parse(await harness.kubectl(["get", "nodes", "-o", "json"])) as {
            items: Node[];
          };
          const mine = list.items.find((n) => n.metadata?.name === NODE);
          assert.ok(mine, `kubectl lists ${NODE}: ${list.items.map((n) => n.metadata?.name)}`);
          const ready = mine.status?.conditions?.find((c) => c.type === "Ready");
          assert.equal(ready?.status, "True");
          assert.equal(ready?.reason, "KubeletReady");
        });

        await t.step(
          "after kube-apiserver restarts (same port, same etcd) the same client gets its Node and Lease (200)",
          async () => {
            const before = harness.apiServerPid;
            await harness.restart();
            assert.notEqual(harness.apiServerPid, before, "a new kube-apiserver process");
            const again = await node.api.get<Node>({ resource: "nodes", name: NODE });
            assert.equal(node.last(), 200);
            assert.equal(again.metadata?.uid, registered!.metadata!.uid);
            await node.api.get<Lease>({
              group: "coordination.k8s.io",
              resource: "leases",
              namespace: "kube-node-lease",
              name: NODE,
            });
            assert.equal(node.last(), 200);
            console.error(
              `kube-apiserver restarted: /readyz ok ${harness.readyMs} ms after launch`,
            );
          },
        );
      } finally {
        node.api.close();
        admin.api.close();
        await harness.stop();
      }
    },
  });
}
