/**
 * The kubelet API (the secure server on --port) of the REAL agent process on a
 * private containerd, joined to a REAL kube-apiserver, as a cluster user sees
 * it with plain kubectl: `kubectl logs` (also `--tail`, `-f`, `--previous`
 * after a crash) and the node's `/stats/summary` through the API server's
 * proxy (`kubectl get --raw /api/v1/nodes/<node>/proxy/stats/summary`);
 * called directly, a request without credentials gets 401 and an identity
 * without `nodes/proxy` 403, with the kubelet's messages.
 *
 * Skipped LOUDLY when containerd or kube-apiserver cannot run here.
 */

import assert from "node:assert/strict";
import type { Pod } from "kubernetes-types/core/v1.d.ts";
import { registerSkippedE2E, startContainerd } from "./harness/containerd_harness.ts";
import { startApiServer } from "./harness/apiserver_harness.ts";
import { freePort, startAgent, waitFor, writeAgentConfig } from "./harness/agent_process.ts";

const NODE = "e2e-kubelet-api-node";
const OTHER = "e2e-kubelet-api-other";
const NAME =
  "the kubelet API through a real kube-apiserver: kubectl logs (--tail, -f, --previous), " +
  "stats/summary by the proxy, 401 without credentials, 403 without nodes/pods or nodes/proxy";

const containerd = await startContainerd({ podNetwork: true });
const apiserver = typeof containerd === "string"
  ? containerd
  : await startApiServer({ nodeNames: [NODE, OTHER] });

function pod(name: string, image: string, script: string, restartPolicy = "Always"): Pod {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace: "default" },
    spec: {
      nodeName: NODE,
      hostNetwork: true,
      restartPolicy,
      terminationGracePeriodSeconds: 1,
      containers: [{
        name: "app",
        image,
        imagePullPolicy: "Never",
        command: ["sh", "-c", script],
      }],
    },
  };
}

/** The token of a kubeconfig the harness wrote. */
async function tokenOf(kubeconfig: string): Promise<string> {
  const text = await Deno.readTextFile(kubeconfig);
  return /token: ['"]?([^'"\s]+)/.exec(text)![1];
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
      const dir = await Deno.makeTempDir({ prefix: "denolet-kubelet-api-e2e-" });
      const port = freePort();
      const agent = await (async () => {
        await Deno.mkdir(`${dir}/logs`, { recursive: true });
        await writeAgentConfig(`${dir}/kubelet.yaml`, {
          podLogsDir: `${dir}/logs`,
          readOnlyPort: freePort(),
          healthzPort: freePort(),
        });
        return await startAgent([
          `--config=${dir}/kubelet.yaml`,
          `--kubeconfig=${api.nodeKubeconfig(NODE)}`,
          `--hostname-override=${NODE}`,
          `--root-dir=${dir}/root`,
          `--container-runtime-endpoint=${h.endpoint}`,
          "--node-ip=127.0.0.1",
          `--port=${port}`,
          `--client-ca-file=${api.caFile}`,
        ]);
      })();
      try {
        const create = async (p: Pod) => {
          await Deno.writeTextFile(`${dir}/${p.metadata!.name}.json`, JSON.stringify(p));
          await api.kubectl(["create", "-f", `${dir}/${p.metadata!.name}.json`]);
        };
        await create(
          pod("talker", h.image, "i=0; while true; do echo line $i; i=$((i+1)); sleep 0.2; done"),
        );
        await create(pod("crasher", h.image, "echo crashed-$(date +%s%N); sleep 1; exit 1"));

        await t.step("kubectl logs, --tail and -f", async () => {
          const logs = await waitFor(async () => {
            const out = await api.kubectl(["logs", "talker"]).catch(() => "");
            return /line 3\n/.test(out) ? out : undefined;
          }, { timeoutMs: 90_000, what: "kubectl logs talker", details: () => agent.logTail(40) });
          assert.match(logs, /^line 0\n/);
          const tail = await api.kubectl(["logs", "talker", "--tail=2"]);
          assert.equal(tail.trimEnd().split("\n").length, 2);
          // -f: the stream goes on past what was written when it started.
          const before = Number(/line (\d+)\n$/.exec(await api.kubectl(["logs", "talker"]))![1]);
          const follow = new Deno.Command("kubectl", {
            args: [`--kubeconfig=${api.adminKubeconfig}`, "logs", "-f", "talker"],
            stdout: "piped",
            stderr: "null",
          }).spawn();
          let seen = "";
          const reader = follow.stdout.pipeThrough(new TextDecoderStream()).getReader();
          const deadline = Date.now() + 20_000;
          while (Date.now() < deadline && !seen.includes(`line ${before + 10}\n`)) {
            const { value, done } = await reader.read();
            if (done) break;
            seen += value;
          }
          follow.kill("SIGTERM");
          await reader.cancel().catch(() => {});
          await follow.status;
          assert.ok(
            seen.includes(`line ${before + 10}\n`),
            `followed past ${before}: ${seen.slice(-200)}`,
          );
        });

        await t.step("kubectl logs --previous after a crash", async () => {
          const previous = await waitFor(async () => {
            const out = await api.kubectl(["logs", "crasher", "--previous"]).catch(() => "");
            return /crashed-\d+/.test(out) ? out : undefined;
          }, {
            timeoutMs: 90_000,
            what: "kubectl logs --previous",
            details: () => agent.logTail(40),
          });
          const current = await api.kubectl(["logs", "crasher"]).catch(() => "");
          assert.notEqual(previous.trim(), current.trim(), "--previous is the older instance");
        });

        await t.step("stats/summary through the API server's proxy", async () => {
          const raw = await waitFor(async () => {
            const out = await api.kubectl([
              "get",
              "--raw",
              `/api/v1/nodes/${NODE}/proxy/stats/summary`,
            ]).catch(() => "");
            return out.includes('"nodeName"') ? out : undefined;
          }, { timeoutMs: 60_000, what: "stats/summary", details: () => agent.logTail(40) });
          const summary = JSON.parse(raw) as {
            node: { nodeName: string; memory?: { workingSetBytes?: number } };
            pods: { podRef: { name: string } }[];
          };
          assert.equal(summary.node.nodeName, NODE);
          assert.ok(summary.pods.some((p) => p.podRef.name === "talker"));
        });

        await t.step(
          "called directly: 401 without credentials, 403 without nodes/proxy",
          async () => {
            // The agent's certificate is self-signed and Deno's fetch cannot skip the check
            // per request, so the direct calls go through curl -k.
            const curl = async (path: string, token?: string) => {
              const out = await new Deno.Command("curl", {
                args: [
                  "-sk",
                  "-o",
                  "/dev/stderr",
                  "-w",
                  "%{http_code}",
                  ...(token ? ["-H", `Authorization: Bearer ${token}`] : []),
                  `https://127.0.0.1:${port}${path}`,
                ],
                stdout: "piped",
                stderr: "piped",
              }).output();
              return {
                code: Number(new TextDecoder().decode(out.stdout)),
                body: new TextDecoder().decode(out.stderr),
              };
            };
            const anonymous = await curl("/pods");
            assert.equal(anonymous.code, 401, anonymous.body);
            const other = await curl("/pods", await tokenOf(api.nodeKubeconfig(OTHER)));
            assert.equal(other.code, 403, other.body);
            assert.match(
              other.body,
              /Forbidden \(user=system:node:e2e-kubelet-api-other, verb=get, resource=nodes, subresource\(s\)=\[pods proxy\]\)/,
            );
            const admin = await curl("/pods", await tokenOf(api.adminKubeconfig));
            assert.equal(admin.code, 200, admin.body);
          },
        );
      } finally {
        await agent.stop();
        await api.stop();
        await h.stop();
        await Deno.remove(dir, { recursive: true }).catch(() => {});
      }
    },
  });
}
