/**
 * `kubectl logs` through a REAL kube-apiserver v1.20 to the REAL agent
 * process (its kubelet API on `--port`) on a private containerd, as
 * tests/e2e/kubelet_api_e2e_test.ts runs them (issue 12 item 5): lines per
 * second that reach the client.
 *
 * (a) `kubectl logs -f` attached while the container is quiet, then the
 *     container writes `--lines` lines as fast as `seq` can: lines per second
 *     from the first line to the last reaching kubectl's stdout. The producer
 *     (containerd's CRI log writer) is part of the path, so the figure is the
 *     whole pipeline's, as a user sees it.
 * (b) `kubectl logs` (no follow) of the same finished log: lines per second
 *     of a whole read (kubectl's own ≈0.2 s start included), next to `cat` of
 *     the log file on the node.
 *
 * ```sh
 * deno task bench:kubectl-logs [--lines 200000]
 * ```
 *
 * Prints figures; asserts nothing.
 *
 * @module
 */

import { parseArgs } from "node:util";
import type { Pod } from "kubernetes-types/core/v1.d.ts";
import { startContainerd } from "../tests/e2e/harness/containerd_harness.ts";
import { startApiServer } from "../tests/e2e/harness/apiserver_harness.ts";
import { startNodeAgent, waitFor } from "../tests/e2e/harness/agent_process.ts";
import { reportFigure } from "./_figures.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: { lines: { type: "string", default: "200000" } },
});
const LINES = Number(values.lines);
const NODE = "bench-logs-node";

/** Lines (newlines) in `stream` until `want` of them arrived; ms from the first byte to the last line. */
async function countUntil(
  stream: ReadableStream<Uint8Array>,
  want: number,
): Promise<{ lines: number; ms: number }> {
  const reader = stream.getReader();
  let lines = 0;
  let first = 0;
  let last = 0;
  while (lines < want) {
    const { value, done } = await reader.read();
    if (done) break;
    if (first === 0) first = performance.now();
    for (let i = 0; i < value.length; i++) if (value[i] === 10) lines++;
    last = performance.now();
  }
  await reader.cancel().catch(() => {});
  return { lines, ms: last - first };
}

async function timed(cmd: string, args: string[]): Promise<{ lines: number; ms: number }> {
  const t0 = performance.now();
  const child = new Deno.Command(cmd, { args, stdout: "piped", stderr: "null" }).spawn();
  const { lines } = await countUntil(child.stdout, Number.MAX_SAFE_INTEGER);
  await child.status;
  return { lines, ms: performance.now() - t0 };
}

const containerd = await startContainerd({ podNetwork: true });
if (typeof containerd === "string") {
  console.error(`bench:kubectl-logs cannot run: ${containerd}`);
  Deno.exit(1);
}
const api = await startApiServer({ nodeNames: [NODE] });
if (typeof api === "string") {
  await containerd.stop();
  console.error(`bench:kubectl-logs cannot run: ${api}`);
  Deno.exit(1);
}
const dir = await Deno.makeTempDir({ prefix: "denolet-kubectl-logs-bench-" });
const { agent } = await startNodeAgent({ api, node: NODE, endpoint: containerd.endpoint, dir });
try {
  const pod: Pod = {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "writer", namespace: "default" },
    spec: {
      nodeName: NODE,
      hostNetwork: true,
      terminationGracePeriodSeconds: 1,
      containers: [{
        name: "app",
        image: containerd.image,
        imagePullPolicy: "Never",
        // Quiet until /tmp/go exists, then LINES lines as fast as seq writes them.
        command: [
          "sh",
          "-c",
          `while [ ! -e /tmp/go ]; do sleep 0.05; done; seq 1 ${LINES}; sleep 3600`,
        ],
      }],
    },
  };
  await Deno.writeTextFile(`${dir}/writer.json`, JSON.stringify(pod));
  await api.kubectl(["create", "-f", `${dir}/writer.json`]);
  const containerId = await waitFor(async () => {
    const out = await api.kubectl([
      "get",
      "pod",
      "writer",
      "-o",
      "jsonpath={.status.containerStatuses[0].state.running.startedAt} " +
      "{.status.containerStatuses[0].containerID}",
    ]).catch(() => "");
    const id = out.split(" ")[1];
    return out.split(" ")[0] && id ? id.replace(/^containerd:\/\//, "") : undefined;
  }, { timeoutMs: 90_000, what: "writer running", details: () => agent.logTail(30) });

  // (a) follow, then start the writer.
  const follow = new Deno.Command("kubectl", {
    args: [`--kubeconfig=${api.adminKubeconfig}`, "logs", "-f", "writer"],
    stdout: "piped",
    stderr: "null",
  }).spawn();
  // Give kubectl time to connect through the API server before the burst.
  await new Promise((r) => setTimeout(r, 1500));
  await containerd.ctr(["task", "exec", "--exec-id", "go", containerId, "touch", "/tmp/go"]);
  const followed = await countUntil(follow.stdout, LINES);
  follow.kill("SIGTERM");
  await follow.status;
  const followRate = followed.lines / (followed.ms / 1000);
  console.log(
    `kubectl logs -f: ${followed.lines} lines in ${followed.ms.toFixed(0)} ms → ` +
      `${Math.round(followRate).toLocaleString("en-US")} lines/s`,
  );
  reportFigure({
    figure: "kubectl logs -f through the API server (container writing with seq)",
    now: followRate,
    unit: "lines/s",
    note: `${followed.lines} lines`,
  });

  // (b) a whole read, next to cat of the file.
  const logFile = await waitFor(async () => {
    for await (const d of Deno.readDir(`${dir}/logs`)) {
      if (d.name.startsWith("default_writer_")) return `${dir}/logs/${d.name}/app/0.log`;
    }
    return undefined;
  }, { timeoutMs: 10_000, what: "the writer's log file" });
  const runs: { kubectl: number; cat: number }[] = [];
  for (let i = 0; i < 3; i++) {
    const k = await timed("kubectl", [`--kubeconfig=${api.adminKubeconfig}`, "logs", "writer"]);
    const c = await timed("cat", [logFile]);
    runs.push({ kubectl: k.lines / (k.ms / 1000), cat: c.lines / (c.ms / 1000) });
  }
  runs.sort((a, b) => a.kubectl - b.kubectl);
  const mid = runs[1];
  console.log(
    `kubectl logs (whole): ${Math.round(mid.kubectl).toLocaleString("en-US")} lines/s; ` +
      `cat of the file: ${Math.round(mid.cat).toLocaleString("en-US")} lines/s`,
  );
  reportFigure({
    figure: "kubectl logs (whole log) through the API server",
    now: mid.kubectl,
    unit: "lines/s",
    note: `median of 3, kubectl's own start included; cat of the file: ${
      Math.round(mid.cat).toLocaleString("en-US")
    } lines/s`,
  });
} finally {
  await agent.stop();
  await api.stop();
  await containerd.stop();
  await Deno.remove(dir, { recursive: true }).catch(() => {});
}
