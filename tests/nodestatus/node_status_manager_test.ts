import assert from "node:assert/strict";
import type { Node, NodeCondition } from "kubernetes-types/core/v1.d.ts";
import { ApiClient, UNLIMITED } from "../../src/client/mod.ts";
import { RefusalLog } from "../../src/client/refusal_log.ts";
import type { SimpleEvent } from "../../src/container/events.ts";
import type { MachineUsage } from "../../src/nodestatus/machine_info.ts";
import { nodeObjectConfig, type NodeSettings } from "../../src/nodestatus/node_object.ts";
import {
  NodeStatusManager,
  type NodeStatusManagerOptions,
} from "../../src/nodestatus/node_status_manager.ts";
import { FakeClock } from "../../src/util/clock.ts";
import type { LogFields, Logger } from "../../src/util/logger.ts";
import { FakeApi, type FakeRequest, statusBody } from "../_fixtures/fake_api.ts";
import { MACHINE, USAGE } from "./_fixtures.ts";

const T0 = Date.UTC(2026, 11, 1, 0, 0, 0);
const NODE = "/api/v1/nodes/n1";
const SETTINGS: NodeSettings = {
  nodeName: "n1",
  hostname: "n1.example",
  maxPods: 110,
  kubeletVersion: "v1.35.0",
  nodeLabels: { "example.com/pool": "edge" },
  registerWithTaints: [{ key: "dedicated", value: "edge", effect: "NoSchedule" }],
};

interface LogLine {
  level: string;
  message: string;
  fields?: LogFields;
}

function setup(options: Partial<NodeStatusManagerOptions> = {}) {
  const clock = new FakeClock(T0);
  const api = new FakeApi();
  const events: SimpleEvent[] = [];
  const logs: LogLine[] = [];
  const logger: Logger = {
    debug: (_v, message, fields) => logs.push({ level: "debug", message, fields }),
    info: (message, fields) => logs.push({ level: "info", message, fields }),
    warn: (message, fields) => logs.push({ level: "warn", message, fields }),
    error: (message, fields) => logs.push({ level: "error", message, fields }),
  };
  // As the agent wires it: the client logs every 401/403 itself (src/agent/cluster.ts).
  const { onRefused } = new RefusalLog({ clock, logger, identity: 'user "n1" (bearer token)' });
  const client = new ApiClient(api.transport, { clock, rateLimiter: UNLIMITED, onRefused });
  const state = { errors: [] as string[], usage: USAGE as MachineUsage, hostIP: "192.0.2.2" };
  const manager = new NodeStatusManager({
    client,
    clock,
    config: nodeObjectConfig(SETTINGS),
    machineInfo: MACHINE,
    machine: {
      usage: () => Promise.resolve(state.usage),
      hostIP: () => Promise.resolve(state.hostIP),
    },
    readiness: { runtimeErrors: () => state.errors, networkErrors: () => [] },
    runtimeVersion: () => Promise.resolve({ runtimeName: "containerd", runtimeVersion: "1.6.20" }),
    recordEvent: (e) => events.push(e),
    logger,
    ...options,
  });
  return { clock, api, client, manager, events, logs, state };
}

function statusPatches(api: FakeApi): FakeRequest[] {
  return api.requestsTo("PATCH", `${NODE}/status`);
}

function conditionsOf(node: unknown): NodeCondition[] {
  return ((node as Node).status?.conditions ?? []) as NodeCondition[];
}

Deno.test("syncNodeStatus() creates the Node (201) with labels, taints and full status; nodeUid() is its uid", async () => {
  const { api, manager, events } = setup();
  assert.equal(manager.registered, false);
  await manager.syncNodeStatus(T0);
  assert.equal(manager.registered, true);
  const [create] = api.requestsTo("POST", "/api/v1/nodes");
  const body = create.body as Node;
  assert.deepEqual(body.metadata?.labels, {
    "beta.kubernetes.io/arch": "amd64",
    "beta.kubernetes.io/os": "linux",
    "kubernetes.io/arch": "amd64",
    "kubernetes.io/hostname": "n1.example",
    "kubernetes.io/os": "linux",
    "example.com/pool": "edge",
  });
  assert.deepEqual(body.spec?.taints, [{ key: "dedicated", value: "edge", effect: "NoSchedule" }]);
  assert.deepEqual(body.status?.addresses, [
    { type: "InternalIP", address: "192.0.2.2" },
    { type: "Hostname", address: "n1.example" },
  ]);
  assert.equal(body.status?.capacity?.memory, "16331456Ki");
  assert.equal(body.status?.nodeInfo?.containerRuntimeVersion, "containerd://1.6.20");
  assert.deepEqual(conditionsOf(body).map((c) => `${c.type}=${c.status}`), [
    "MemoryPressure=False",
    "DiskPressure=False",
    "PIDPressure=False",
    "Ready=True",
  ]);
  const stored = api.get(NODE)!;
  assert.equal(manager.nodeUid(), stored.metadata?.uid);
  assert.ok(manager.nodeUid());
  // The create carried the status: nothing to patch right after it.
  assert.equal(statusPatches(api).length, 0);
  assert.deepEqual(events.map((e) => [e.reason, e.message, e.pod]), [
    ["NodeHasSufficientMemory", "Node n1 status is now: NodeHasSufficientMemory", undefined],
    ["NodeHasNoDiskPressure", "Node n1 status is now: NodeHasNoDiskPressure", undefined],
    ["NodeHasSufficientPID", "Node n1 status is now: NodeHasSufficientPID", undefined],
  ]);
});

Deno.test("syncNodeStatus() on AlreadyExists merges in its labels (never removing others'), keeps transition times and replaces the addresses", async () => {
  const { api, manager, events } = setup();
  api.put(NODE, {
    apiVersion: "v1",
    kind: "Node",
    metadata: {
      name: "n1",
      labels: { "kubernetes.io/hostname": "old-name", "team.example/owner": "ops" },
      annotations: { "volumes.kubernetes.io/controller-managed-attach-detach": "true" },
    },
    status: {
      addresses: [{ type: "InternalIP", address: "10.0.0.1" }, {
        type: "Hostname",
        address: "old-name",
      }],
      conditions: [
        { type: "NetworkUnavailable", status: "False", reason: "RouteCreated" },
        {
          type: "Ready",
          status: "True",
          reason: "KubeletReady",
          lastTransitionTime: "2026-11-01T00:00:00Z",
          lastHeartbeatTime: "2026-11-30T23:00:00Z",
        },
      ],
      nodeInfo: { bootID: "an-older-boot" },
    },
  });
  const uid = api.get(NODE)!.metadata?.uid;
  await manager.syncNodeStatus(T0);
  assert.equal(manager.registered, true);
  assert.equal(manager.nodeUid(), uid);
  const [labels] = api.requestsTo("PATCH", NODE).filter((r) => !r.path.endsWith("/status"));
  assert.equal(labels.contentType, "application/merge-patch+json");
  assert.deepEqual(labels.body, {
    metadata: {
      labels: {
        "beta.kubernetes.io/arch": "amd64",
        "beta.kubernetes.io/os": "linux",
        "kubernetes.io/arch": "amd64",
        "kubernetes.io/hostname": "n1.example",
        "kubernetes.io/os": "linux",
        "example.com/pool": "edge",
      },
    },
  });
  assert.equal(
    api.get(NODE)!.metadata?.labels &&
      (api.get(NODE)!.metadata!.labels as Record<string, string>)["team.example/owner"],
    "ops",
  );
  const [status] = statusPatches(api);
  assert.equal(status.contentType, "application/strategic-merge-patch+json");
  const sent = (status.body as { status: Node["status"] }).status!;
  assert.deepEqual(sent.addresses, [
    { type: "InternalIP", address: "192.0.2.2" },
    { type: "Hostname", address: "n1.example" },
    { $patch: "replace" },
  ]);
  const ready = sent.conditions!.find((c) => c.type === "Ready")!;
  assert.equal(ready.lastTransitionTime, "2026-11-01T00:00:00Z");
  assert.equal(ready.lastHeartbeatTime, "2026-12-01T00:00:00Z");
  assert.equal(sent.conditions!.some((c) => c.type === "NetworkUnavailable"), false);
  assert.ok(events.some((e) =>
    e.type === "Warning" && e.reason === "NodeRebooted" &&
    e.message === `Node n1 has been rebooted, boot id: ${MACHINE.bootID}`
  ));
});

Deno.test("syncNodeStatus() retries registration after a 500 with back-off from 100 ms doubling to 7 s", async () => {
  const { api, manager, clock } = setup();
  const attempts: number[] = [];
  api.intercept = (req) => {
    if (req.method !== "POST") return undefined;
    attempts.push(clock.now() - T0);
    return attempts.length <= 9
      ? { status: 500, body: statusBody(500, "InternalError", "etcd is down") }
      : undefined;
  };
  const ac = new AbortController();
  const loop = manager.run(ac.signal);
  await clock.advance(30_000);
  assert.equal(manager.registered, true);
  assert.deepEqual(
    attempts.slice(1).map((t, i) => t - attempts[i]),
    [100, 200, 400, 800, 1600, 3200, 6400, 7000, 7000],
  );
  ac.abort();
  await loop;
});

Deno.test("run(): the API down at start blocks nothing; it keeps trying, logs once a minute, and registers when the server answers", async () => {
  const { api, manager, clock, logs, events } = setup();
  let down = true;
  api.intercept = () => down ? Promise.reject(new TypeError("connection refused")) : undefined;
  const ac = new AbortController();
  const loop = manager.run(ac.signal); // not awaited: nothing waits for the API
  assert.deepEqual(events.map((e) => e.reason).slice(0, 1), ["Starting"]);
  assert.equal(events[0].message, "Starting kubelet.");
  await clock.advance(3 * 60_000);
  assert.equal(manager.registered, false);
  const tries = api.requestsTo("POST", "/api/v1/nodes").length;
  assert.ok(tries > 20, `kept trying (${tries} attempts)`);
  const errors = logs.filter((l) => l.level === "error");
  assert.ok(errors.length >= 3 && errors.length <= 4, `${errors.length} error lines in 3 min`);
  assert.match(String(errors[0].fields?.err), /POST \/api\/v1\/nodes: connection refused/);
  assert.ok(Number(errors[1].fields?.heldBack) > 0, "the next line says how many were held back");
  down = false;
  await clock.advance(7_000);
  assert.equal(manager.registered, true);
  ac.abort();
  await loop;
});

Deno.test("syncNodeStatus(): patched on a change, not for heartbeats only, and again after nodeStatusReportFrequency", async () => {
  const { api, manager, state, events } = setup();
  await manager.syncNodeStatus(T0);
  events.length = 0;
  for (let t = 10_000; t <= 60_000; t += 10_000) await manager.syncNodeStatus(T0 + t);
  assert.equal(statusPatches(api).length, 0, "only heartbeats moved");
  state.usage = { ...USAGE, memoryAvailableBytes: 7_000_000_000 }; // usage is not status
  await manager.syncNodeStatus(T0 + 70_000);
  assert.equal(statusPatches(api).length, 0);
  state.errors = ["container runtime is down"];
  await manager.syncNodeStatus(T0 + 80_000);
  assert.equal(statusPatches(api).length, 1);
  const ready = conditionsOf(api.get(NODE)).find((c) => c.type === "Ready")!;
  assert.equal(ready.status, "False");
  assert.equal(ready.message, "container runtime is down");
  assert.deepEqual(events.map((e) => e.reason), ["NodeNotReady"]);
  await manager.syncNodeStatus(T0 + 90_000);
  assert.equal(statusPatches(api).length, 1);
  await manager.syncNodeStatus(T0 + 80_000 + 299_999);
  assert.equal(statusPatches(api).length, 1);
  await manager.syncNodeStatus(T0 + 80_000 + 300_000);
  assert.equal(statusPatches(api).length, 2, "reported after 5 min without change");
  state.errors = [];
  await manager.syncNodeStatus(T0 + 400_000);
  assert.equal(statusPatches(api).length, 3);
  assert.deepEqual(events.map((e) => e.reason), ["NodeNotReady", "NodeReady"]);
});

Deno.test("syncNodeStatus(): a new host IP is patched with the address list replaced", async () => {
  const { api, manager, state } = setup();
  await manager.syncNodeStatus(T0);
  state.hostIP = "192.0.2.9";
  await manager.syncNodeStatus(T0 + 10_000);
  const [patch] = statusPatches(api);
  assert.deepEqual((patch.body as { status: Node["status"] }).status!.addresses, [
    { type: "InternalIP", address: "192.0.2.9" },
    { type: "Hostname", address: "n1.example" },
    { $patch: "replace" },
  ]);
});

Deno.test("syncNodeStatus(): a failed status patch is tried twice, then again on the next tick", async () => {
  const { api, manager, state } = setup();
  await manager.syncNodeStatus(T0);
  let failures = 3;
  api.intercept = (req) =>
    req.method === "PATCH" && failures-- > 0
      ? { status: 503, body: statusBody(503, "ServiceUnavailable", "try later") }
      : undefined;
  state.errors = ["network state unknown"];
  await manager.syncNodeStatus(T0 + 10_000);
  assert.equal(statusPatches(api).length, 2);
  await manager.syncNodeStatus(T0 + 20_000);
  assert.equal(statusPatches(api).length, 4);
  const ready = conditionsOf(api.get(NODE)).find((c) => c.type === "Ready")!;
  assert.equal(ready.message, "network state unknown");
  await manager.syncNodeStatus(T0 + 30_000);
  assert.equal(statusPatches(api).length, 4, "sent: no more patches");
});

Deno.test("syncNodeStatus(): a node deleted from the API is registered again", async () => {
  const { api, manager, state } = setup();
  await manager.syncNodeStatus(T0);
  const firstUid = manager.nodeUid();
  api.remove(NODE);
  state.errors = ["container runtime is down"];
  await manager.syncNodeStatus(T0 + 10_000);
  assert.equal(manager.registered, false);
  await manager.syncNodeStatus(T0 + 10_000);
  assert.equal(manager.registered, true);
  assert.equal(api.requestsTo("POST", "/api/v1/nodes").length, 2);
  assert.notEqual(manager.nodeUid(), firstUid);
});

Deno.test("syncNodeStatus() with registerNode false never creates the node; it waits for it, then patches its status", async () => {
  const { api, manager } = setup({ registerNode: false });
  await manager.syncNodeStatus(T0);
  assert.equal(manager.registered, false);
  assert.equal(api.requestsTo("POST", "/api/v1/nodes").length, 0);
  api.put(NODE, { metadata: { name: "n1" } });
  await manager.syncNodeStatus(T0 + 10_000);
  assert.equal(manager.registered, true);
  assert.equal(manager.nodeUid(), api.get(NODE)!.metadata?.uid);
  assert.equal(statusPatches(api).length, 1);
  assert.equal(api.requestsTo("POST", "/api/v1/nodes").length, 0);
});

Deno.test("syncNodeStatus(): labels the server refuses (403) are one line (the client's), and the node counts as registered", async () => {
  const { api, manager, logs } = setup();
  api.put(NODE, { metadata: { name: "n1" } });
  api.intercept = (req) =>
    req.method === "PATCH" && req.path === NODE
      ? {
        status: 403,
        body: statusBody(403, "Forbidden", "is not allowed to modify labels: example.com/pool"),
      }
      : undefined;
  await manager.syncNodeStatus(T0);
  assert.equal(manager.registered, true);
  const shown = logs.filter((l) => l.level === "error" || l.level === "warn");
  assert.equal(shown.length, 1, shown.map((l) => l.message).join("; "));
  assert.equal(shown[0].message, "The API server refused a request");
  assert.equal(shown[0].fields?.request, "PATCH /api/v1/nodes/n1");
  assert.equal(shown[0].fields?.identity, 'user "n1" (bearer token)');
  const own = logs.find((l) => /Cannot reconcile the labels of the node/.test(l.message))!;
  assert.equal(own.level, "debug", "the manager's own line is at --v=4");
  assert.match(String(own.fields?.err), /PATCH \/api\/v1\/nodes\/n1: 403 Forbidden/);
  assert.equal(statusPatches(api).length, 1);
});

Deno.test("birthCry() records the Starting event once", () => {
  const { manager, events } = setup();
  manager.birthCry();
  manager.birthCry();
  assert.deepEqual(events, [{ type: "Normal", reason: "Starting", message: "Starting kubelet." }]);
});

Deno.test("syncNodeStatus() records no NodeRebooted when this machine's boot id is unknown", async () => {
  const { api, manager, events } = setup({ machineInfo: { ...MACHINE, bootID: "" } });
  api.put(NODE, { metadata: { name: "n1" }, status: { nodeInfo: { bootID: "an-older-boot" } } });
  await manager.syncNodeStatus(T0);
  assert.equal(manager.registered, true);
  assert.equal(events.some((e) => e.reason === "NodeRebooted"), false);
});

Deno.test("syncNodeStatus() never throws: a failing input is logged and the next tick runs", async () => {
  let broken = true;
  const { api, manager, logs } = setup({
    readiness: {
      runtimeErrors: () => {
        if (broken) throw new Error("runtime state exploded");
        return [];
      },
      networkErrors: () => [],
    },
  });
  await manager.syncNodeStatus(T0);
  assert.equal(manager.registered, false);
  assert.ok(
    logs.some((l) => l.level === "error" && /runtime state exploded/.test(String(l.fields?.err))),
  );
  broken = false;
  await manager.syncNodeStatus(T0 + 10_000);
  assert.equal(manager.registered, true);
  assert.ok(api.get(NODE));
});
