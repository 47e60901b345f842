/**
 * What an exec round trip through the kubelet API costs (issue 12 item 5):
 * the REAL agent process on a private containerd 1.6, joined to a REAL
 * kube-apiserver v1.20, one host-network busybox pod (`sleep`), and
 * `exec -- true` on its container four ways, interleaved, N of each after
 * a warm-up:
 *
 * - bare: CRI `Exec` straight to containerd (the agent's own CRI client
 *   class) and the session on the returned stream URL with a minimal
 *   WebSocket client (tests/e2e/harness/ws_exec_client.ts) — what `crictl exec` does, which
 *   Debian does not package;
 * - agent: the same WebSocket session on the agent's `/exec` over TLS with
 *   the admin's bearer token (authentication and authorization cached after
 *   the warm-up), so the difference is the agent: TLS, checks, pod lookup,
 *   its CRI Exec and the proxy; a bare TLS connect + handshake to the agent
 *   is timed beside it ("agent tls") to show the share of TLS; both clients
 *   turn Nagle off as Go's do (else the request after the handshake waits
 *   ≈ 40 ms for a delayed ACK, which would be counted as the agent's);
 * - kubectl: `kubectl exec bench -- true` through the API server (kubectl's
 *   start-up, the API server's proxy, kubectl 1.32 trying WebSocket before
 *   SPDY with an API server 1.20), with `kubectl get pod` beside it as the
 *   cost of kubectl's start-up and one API call.
 *
 * ```sh
 * deno task bench:exec [--iterations 30]
 * ```
 *
 * Prints a table and BENCH_FIGURE lines; asserts nothing. Skips (exit 0,
 * saying why) when containerd or kube-apiserver cannot run here.
 *
 * @module
 */

import { parseArgs } from "node:util";
import type { Pod } from "kubernetes-types/core/v1.d.ts";
import { RemoteRuntimeService } from "../src/cri/remote_runtime_service.ts";
import { RealClock } from "../src/util/clock.ts";
import { startContainerd } from "../tests/e2e/harness/containerd_harness.ts";
import { startApiServer } from "../tests/e2e/harness/apiserver_harness.ts";
import { startNodeAgent, waitFor } from "../tests/e2e/harness/agent_process.ts";
import { median } from "./_cluster_figures.ts";
import { reportFigure } from "./_figures.ts";
import { wsConnect, wsExec, type WsExecResult } from "../tests/e2e/harness/ws_exec_client.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    iterations: { type: "string", default: "30" },
    warmup: { type: "string", default: "3" },
  },
});
const ITERATIONS = Number(values.iterations);
const WARMUP = Number(values.warmup);
const NODE = "bench-exec-node";

async function tokenOf(kubeconfig: string): Promise<string> {
  return /token: ['"]?([^'"\s]+)/.exec(await Deno.readTextFile(kubeconfig))![1];
}

async function timed(fn: () => Promise<void>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

async function kubectl(kubeconfig: string, args: string[]): Promise<void> {
  const out = await new Deno.Command("kubectl", {
    args: [`--kubeconfig=${kubeconfig}`, ...args],
    stdout: "null",
    stderr: "piped",
  }).output();
  if (!out.success) {
    throw new Error(`kubectl ${args.join(" ")}: ${new TextDecoder().decode(out.stderr)}`);
  }
}

const containerd = await startContainerd({ podNetwork: true });
if (typeof containerd === "string") {
  console.log(`exec bench skipped: ${containerd}`);
  Deno.exit(0);
}
const api = await startApiServer({ nodeNames: [NODE] });
if (typeof api === "string") {
  await containerd.stop();
  console.log(`exec bench skipped: ${api}`);
  Deno.exit(0);
}
const dir = await Deno.makeTempDir({ prefix: "denolet-exec-bench-" });
const { agent, port } = await startNodeAgent({
  api,
  node: NODE,
  endpoint: containerd.endpoint,
  dir,
});
const cri = new RemoteRuntimeService(containerd.endpoint, { clock: new RealClock() });
try {
  const pod: Pod = {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "bench", namespace: "default" },
    spec: {
      nodeName: NODE,
      hostNetwork: true,
      terminationGracePeriodSeconds: 1,
      containers: [{
        name: "app",
        image: containerd.image,
        imagePullPolicy: "Never",
        command: ["sleep", "86400"],
      }],
    },
  };
  await Deno.writeTextFile(`${dir}/bench.json`, JSON.stringify(pod));
  await api.kubectl(["create", "-f", `${dir}/bench.json`]);
  const admin = api.adminKubeconfig;
  await waitFor(
    () => kubectl(admin, ["exec", "bench", "--", "true"]).then(() => true, () => false),
    { timeoutMs: 120_000, what: "kubectl exec bench -- true", details: () => agent.logTail(30) },
  );
  const [container] = await cri.listContainers({
    labelSelector: { "io.kubernetes.pod.name": "bench" },
    state: { state: "CONTAINER_RUNNING" },
  });
  const token = await tokenOf(admin);
  // The serving certificate file holds the certificate, then the self-signed CA.
  const pem = await Deno.readTextFile(`${dir}/root/pki/kubelet.crt`);
  const ca = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g)!.at(-1)!;

  const phases: Record<string, { answer: number[]; rest: number[] }> = {};
  const expectOk = (r: WsExecResult, what: string) => {
    if (r.status !== 101 || !r.exitStatus.includes("Success")) {
      throw new Error(`${what}: status ${r.status}, exit status ${r.exitStatus || "none"}`);
    }
    const p = phases[what] ??= { answer: [], rest: [] };
    p.answer.push(r.answerMs);
    p.rest.push(r.doneMs - r.answerMs);
  };
  const ways: Record<string, () => Promise<void>> = {
    bare: async () => {
      const url = new URL(
        await cri.exec({ containerId: container.id, cmd: ["true"], stdout: true }),
      );
      const conn = await wsConnect(url.hostname, Number(url.port));
      expectOk(await wsExec(conn, url.host, url.pathname), "bare exec");
    },
    agent: async () => {
      const conn = await wsConnect("127.0.0.1", port, { caCerts: [ca] });
      const r = await wsExec(
        conn,
        `127.0.0.1:${port}`,
        "/exec/default/bench/app?command=true&output=1",
        {
          Authorization: `Bearer ${token}`,
        },
      );
      expectOk(r, "agent exec");
    },
    "agent tls": async () => {
      const conn = await wsConnect("127.0.0.1", port, { caCerts: [ca] });
      await (conn as Deno.TlsConn).handshake();
      conn.close();
    },
    kubectl: () => kubectl(admin, ["exec", "bench", "--", "true"]),
    "kubectl get": () => kubectl(admin, ["get", "pod", "bench", "-o", "name"]),
  };
  const samples: Record<string, number[]> = {};
  for (let i = 0; i < WARMUP + ITERATIONS; i++) {
    for (const [name, fn] of Object.entries(ways)) {
      const t = await timed(fn);
      if (i >= WARMUP) (samples[name] ??= []).push(t);
    }
  }
  const m = Object.fromEntries(Object.entries(samples).map(([k, v]) => [k, median(v)]));
  console.log(`\nexec -- true, median of ${ITERATIONS} (after ${WARMUP} warm-up rounds)`);
  for (const [name, v] of Object.entries(m)) {
    console.log(`  ${name.padEnd(12)} ${v.toFixed(1).padStart(8)} ms`);
  }
  for (const [what, p] of Object.entries(phases)) {
    console.log(
      `  ${what}: upgrade answer after ${median(p.answer).toFixed(1)} ms, ` +
        `then ${median(p.rest).toFixed(1)} ms to the close frame (medians, warm-up included)`,
    );
  }
  const n = `median of ${ITERATIONS}`;
  reportFigure({
    figure: "exec round trip, bare (CRI Exec + WebSocket on containerd's stream URL)",
    now: round(m.bare),
    unit: "ms",
    note: `${n}; the crictl-exec equivalent`,
  });
  reportFigure({
    figure: "exec round trip through the agent's /exec (TLS, token, proxy)",
    now: round(m.agent),
    unit: "ms",
    bareRatio: round(m.agent / m.bare, 2),
    note: `${n}; added ${round(m.agent - m.bare)} ms over bare, of which the TLS ` +
      `connect and handshake alone take ${round(m["agent tls"])} ms; the upgrade answer ` +
      `comes ${round(median(phases["agent exec"].answer))} ms after the request ` +
      `(checks, pod lookup, CRI Exec, dial)`,
  });
  reportFigure({
    figure: "kubectl exec -- true through kube-apiserver 1.20",
    now: round(m.kubectl),
    unit: "ms",
    bareRatio: round(m.kubectl / m.bare, 2),
    note: `${n}; kubectl get pod (start-up + 1 API call) is ${round(m["kubectl get"])} ms`,
  });
} finally {
  cri.close();
  await agent.stop();
  await api.stop();
  await containerd.stop();
  await Deno.remove(dir, { recursive: true }).catch(() => {});
}

function round(x: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
