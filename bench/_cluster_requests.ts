/**
 * The API request counts of bench/cluster_bench.ts (b): the agent's
 * `rest_client_requests_total` (its read-only `/metrics`) and the
 * kube-apiserver's `apiserver_request_total` for the resources a node uses
 * (pods, nodes, leases, events: nobody else uses them on the bench's private
 * server), read twice, printed as requests per minute next to the kubelet's
 * anchor.
 *
 * @module
 */

import type { ApiServerHarness } from "../tests/e2e/harness/apiserver_harness.ts";
import type { AgentProcess } from "../tests/e2e/harness/agent_process.ts";
import { counterDelta, counterSamples, type Sample } from "./_cluster_figures.ts";
import { reportFigure } from "./_figures.ts";

/** Both counters at one moment. */
export interface RequestCounters {
  agent: Sample[];
  server: Sample[];
}

/** Reads the agent's and the server's request counters (the server's through `kubectl get --raw`). */
export async function readRequestCounters(
  agent: AgentProcess,
  api: ApiServerHarness,
): Promise<RequestCounters> {
  const res = await agent.getReadOnly("/metrics");
  if (res.status !== 200) throw new Error(`GET /metrics answered ${res.status}`);
  const page = await api.kubectl(["get", "--raw", "/metrics"]);
  return {
    agent: counterSamples(res.body, "rest_client_requests_total"),
    server: counterSamples(page, "apiserver_request_total"),
  };
}

const agentKey = (l: Record<string, string>) => `${l.method} ${l.code}`;
const NODE_RESOURCES = new Set(["pods", "nodes", "leases", "events"]);
const serverKey = (l: Record<string, string>) =>
  NODE_RESOURCES.has(l.resource)
    ? `${l.verb} ${l.resource}${l.subresource ? `/${l.subresource}` : ""} ${l.code}`
    : undefined;

/** What the server's `verb resource` is, for a node. */
const BY_SERVER: Record<string, string> = {
  "PUT leases": "lease renewals",
  "GET leases": "lease GETs (after a conflict)",
  "POST leases": "lease creates",
  "PATCH nodes/status": "node status patches",
  "GET nodes": "node GETs",
  "PATCH pods/status": "pod status patches",
  "WATCH pods": "pod watch re-GETs",
  "LIST pods": "pod (re)lists",
  "POST pods": "mirror pod creates",
  "DELETE pods": "final deletes of API pods / mirror pod deletes",
  "POST events": "event creates",
  "PATCH events": "event count patches",
};

/** What the agent's requests of one method are (the client counts by method only). */
const BY_METHOD: Record<string, string> = {
  PUT: "lease renewals (the only PUT)",
  PATCH: "node status + pod status + event count patches",
  GET: "watch re-GETs, lists, GETs",
  POST: "event / mirror pod creates",
  DELETE: "final deletes / mirror pod deletes",
};

const perMinute = (n: number, windowMs: number) => Number((n / (windowMs / 60_000)).toFixed(2));

/** Prints the requests between `before` and `after` per minute, by kind, and the kubelet's anchor. */
export function printRequests(
  before: RequestCounters,
  after: RequestCounters,
  options: { windowMs: number; header: string },
): void {
  const { windowMs } = options;
  const byAgent = counterDelta(before.agent, after.agent, agentKey);
  const byServer = counterDelta(before.server, after.server, serverKey);
  const total = [...byAgent.values()].reduce((x, y) => x + y, 0);
  console.log(`\n(b) API requests at steady state: ${options.header}`);
  console.log(
    `agent (rest_client_requests_total): ${total} requests = ${perMinute(total, windowMs)}/min`,
  );
  console.table(
    [...byAgent].sort().map(([k, n]) => ({
      "method code": k,
      requests: n,
      perMin: perMinute(n, windowMs),
      what: BY_METHOD[k.split(" ")[0]] ?? "",
    })),
  );
  console.log(
    "kube-apiserver (apiserver_request_total for pods, nodes, leases, events: nobody but the " +
      "agent uses them here; a WATCH is counted when it ends):",
  );
  console.table(
    [...byServer].sort().map(([k, n]) => ({
      "verb resource code": k,
      requests: n,
      perMin: perMinute(n, windowMs),
      what: BY_SERVER[k.split(" ").slice(0, 2).join(" ")] ?? "",
    })),
  );
  console.log("the kubelet's anchor for the same node (nothing changing):");
  console.table([
    { request: "PUT lease (renewed every 10 s)", perMin: 6 },
    { request: "GET node (every 10 s, before each status check)", perMin: 6 },
    { request: "PATCH node status (only on change; the 5 min report)", perMin: 0.2 },
    { request: "PATCH pod status (only on change)", perMin: 0 },
    { request: "watch re-GETs (5-10 min timeout, per informer)", perMin: "≈0.13 each" },
    { request: "total", perMin: "≈12.2 + watches" },
  ]);
  reportFigure({
    figure: "API requests per minute at steady state (25 API + 5 static pods)",
    now: perMinute(total, windowMs),
    unit: "/min",
    note: "the kubelet's anchor ≈12.2/min",
  });
  console.log(
    `denolet: ${perMinute(total, windowMs)}/min vs the kubelet's ≈12.2/min (denolet does not GET ` +
      "its node every 10 s). Due in the long run for both, but rarely inside a short window: the " +
      "node status report every 5 min (0.2/min) and the pod watch re-GET every 5-10 min (≈0.13/min).",
  );
}
