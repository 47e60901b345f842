/**
 * The kubelet API (the secure server on --port) of the REAL agent process on a
 * private containerd, joined to a REAL kube-apiserver, as a cluster user sees
 * it with plain kubectl: `kubectl logs` (also `--tail`, `-f`, `--previous`
 * after a crash), the node's `/stats/summary` through the API server's
 * proxy (`kubectl get --raw /api/v1/nodes/<node>/proxy/stats/summary`),
 * `kubectl exec` (output, stdin, exit codes), `kubectl attach` and `kubectl
 * port-forward` to a busybox httpd on the pod network, all proxied by the
 * agent to containerd's streaming server; called directly, a request
 * without credentials gets 401 and an identity without `nodes/proxy` 403
 * (also on an exec upgrade), with the kubelet's messages.
 *
 * Skipped LOUDLY when containerd or kube-apiserver cannot run here.
 */

import assert from "node:assert/strict";
import type { Pod } from "kubernetes-types/core/v1.d.ts";
import { registerSkippedE2E, startContainerd } from "./harness/containerd_harness.ts";
import { startApiServer } from "./harness/apiserver_harness.ts";
import { freePort, startNodeAgent, waitFor } from "./harness/agent_process.ts";
import { wsConnect, wsExec } from "./harness/ws_exec_client.ts";

const NODE = "e2e-kubelet-api-node";
const OTHER = "e2e-kubelet-api-other";
const NAME =
  "the kubelet API through a real kube-apiserver: kubectl logs (--tail, -f, --previous), " +
  "stats/summary by the proxy, kubectl exec/attach/port-forward, " +
  "401 without credentials, 403 without nodes/pods or nodes/proxy";

const containerd = await startContainerd({ podNetwork: true });
const apiserver = typeof containerd === "string"
  ? containerd
  : await startApiServer({ nodeNames: [NODE, OTHER] });

function pod(
  name: string,
  image: string,
  script: string,
  restartPolicy = "Always",
  hostNetwork = true,
): Pod {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace: "default" },
    spec: {
      nodeName: NODE,
      hostNetwork,
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

/** kubectl with the admin kubeconfig, `stdin` fed and closed; the exit code and both outputs. */
async function kubectlRun(
  kubeconfig: string,
  args: string[],
  stdin?: string,
): Promise<{ code: number; stdout: string; stderr: string }> {
  const child = new Deno.Command("kubectl", {
    args: [`--kubeconfig=${kubeconfig}`, ...args],
    stdin: stdin === undefined ? "null" : "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  if (stdin !== undefined) {
    const w = child.stdin.getWriter();
    await w.write(new TextEncoder().encode(stdin));
    await w.close();
  }
  const out = await child.output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

/** Reads a child's stdout until `want` matches or `ms` pass; what was read. */
async function readUntil(
  reader: ReadableStreamDefaultReader<string>,
  want: RegExp,
  ms: number,
): Promise<string> {
  let seen = "";
  const deadline = Date.now() + ms;
  while (Date.now() < deadline && !want.test(seen)) {
    let id: ReturnType<typeof setTimeout> | undefined;
    const timer = new Promise<"late">((r) =>
      id = setTimeout(() => r("late"), deadline - Date.now())
    );
    const next = await Promise.race([reader.read(), timer]);
    clearTimeout(id);
    if (next === "late" || next.done) break;
    seen += next.value;
  }
  return seen;
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
      const { agent, port } = await startNodeAgent({
        api,
        node: NODE,
        endpoint: h.endpoint,
        dir,
        // Every kubelet API request is logged at 4: the last step reads them.
        extraFlags: ["--v=4"],
      });
      try {
        const create = async (p: Pod) => {
          await Deno.writeTextFile(`${dir}/${p.metadata!.name}.json`, JSON.stringify(p));
          await api.kubectl(["create", "-f", `${dir}/${p.metadata!.name}.json`]);
        };
        await create(
          pod("talker", h.image, "i=0; while true; do echo line $i; i=$((i+1)); sleep 0.2; done"),
        );
        await create(pod("crasher", h.image, "echo crashed-$(date +%s%N); sleep 3; exit 1"));
        // On the pod network: port-forward goes into the sandbox's network namespace.
        await create(pod(
          "web",
          h.image,
          "mkdir -p /www && echo hello-through-port-forward > /www/index.html && " +
            "exec httpd -f -p 8080 -h /www",
          "Always",
          false,
        ));

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
          // In CrashLoopBackOff (waiting) the "current" log is the last terminated instance,
          // the same as --previous, as on a kubelet: compare while the next instance runs.
          const differ = await waitFor(async () => {
            const before = await api.kubectl(["logs", "crasher", "--previous"]).catch(() => "");
            const current = await api.kubectl(["logs", "crasher"]).catch(() => "");
            return /crashed-\d+/.test(current) && current.trim() !== before.trim();
          }, {
            timeoutMs: 120_000,
            what: "a running crasher instance beside the previous one",
            details: () => agent.logTail(20),
          });
          assert.ok(differ, `--previous (${previous.trim()}) is an older instance`);
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
          "kubectl exec: output, stdin, the exit code, a container not running",
          async () => {
            const hi = await waitFor(async () => {
              const r = await kubectlRun(api.adminKubeconfig, [
                "exec",
                "talker",
                "--",
                "echo",
                "hi",
              ]);
              return r.code === 0 ? r : undefined;
            }, {
              timeoutMs: 60_000,
              what: "kubectl exec -- echo hi",
              details: () => agent.logTail(40),
            });
            assert.equal(hi.stdout, "hi\n");
            const cat = await kubectlRun(
              api.adminKubeconfig,
              ["exec", "-i", "talker", "--", "cat"],
              "piped-in\nsecond line\n",
            );
            assert.equal(cat.code, 0, cat.stderr);
            assert.equal(cat.stdout, "piped-in\nsecond line\n");
            const failing = await kubectlRun(
              api.adminKubeconfig,
              ["exec", "talker", "--", "sh", "-c", "echo to-stderr >&2; exit 3"],
            );
            assert.equal(failing.code, 3, failing.stderr);
            assert.match(failing.stderr, /to-stderr/);
            const missing = await kubectlRun(api.adminKubeconfig, [
              "exec",
              "talker",
              "-c",
              "nope",
              "--",
              "true",
            ]);
            assert.notEqual(missing.code, 0);
            // The crasher waits in CrashLoopBackOff most of the time: no running container.
            const notRunning = await waitFor(async () => {
              const r = await kubectlRun(api.adminKubeconfig, ["exec", "crasher", "--", "true"]);
              return r.code !== 0 && /container not found \("app"\)/.test(r.stderr) ? r : undefined;
            }, { timeoutMs: 60_000, what: "exec into a container that is not running" });
            assert.match(notRunning.stderr, /container not found \("app"\)/);
          },
        );

        await t.step("a WebSocket exec straight to the agent's /exec passes through", async () => {
          // The agent's self-signed serving certificate file ends with its CA.
          const pem = await Deno.readTextFile(`${dir}/root/pki/kubelet.crt`);
          const ca = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g)!
            .at(-1)!;
          const conn = await wsConnect("127.0.0.1", port, { caCerts: [ca] });
          const r = await wsExec(
            conn,
            `127.0.0.1:${port}`,
            "/exec/default/talker/app?command=sh&command=-c&command=echo%20ws-hi&output=1",
            { Authorization: `Bearer ${await tokenOf(api.adminKubeconfig)}` },
          );
          assert.equal(r.status, 101);
          assert.equal(r.stdout, "ws-hi\n");
          assert.match(r.exitStatus, /"status":"Success"/);
        });

        await t.step("kubectl attach streams the container's output", async () => {
          const attach = new Deno.Command("kubectl", {
            args: [`--kubeconfig=${api.adminKubeconfig}`, "attach", "talker"],
            stdout: "piped",
            stderr: "piped",
          }).spawn();
          const reader = attach.stdout.pipeThrough(new TextDecoderStream()).getReader();
          const seen = await readUntil(reader, /line \d+\n[\s\S]*line \d+\n/, 30_000);
          attach.kill("SIGTERM");
          await reader.cancel().catch(() => {});
          await attach.stderr.cancel().catch(() => {});
          await attach.status;
          assert.match(seen, /line \d+\n[\s\S]*line \d+\n/, `attach output: ${seen}`);
        });

        await t.step(
          "kubectl port-forward to a busybox httpd, and an HTTP GET through it",
          async () => {
            await waitFor(async () => {
              const out = await api.kubectl([
                "get",
                "pod",
                "web",
                "-o",
                "jsonpath={.status.containerStatuses[0].ready}",
              ]).catch(() => "");
              return out === "true";
            }, { timeoutMs: 90_000, what: "web running", details: () => agent.logTail(40) });
            const local = freePort();
            const forward = new Deno.Command("kubectl", {
              args: [
                `--kubeconfig=${api.adminKubeconfig}`,
                "port-forward",
                "pod/web",
                `${local}:8080`,
              ],
              stdout: "piped",
              stderr: "piped",
            }).spawn();
            const reader = forward.stdout.pipeThrough(new TextDecoderStream()).getReader();
            try {
              const ready = await readUntil(reader, /Forwarding from/, 30_000);
              assert.match(ready, /Forwarding from 127\.0\.0\.1:\d+ -> 8080/);
              for (let i = 0; i < 2; i++) {
                const res = await fetch(`http://127.0.0.1:${local}/index.html`);
                assert.equal(res.status, 200);
                assert.equal(await res.text(), "hello-through-port-forward\n");
              }
            } finally {
              forward.kill("SIGTERM");
              await reader.cancel().catch(() => {});
              await forward.stderr.cancel().catch(() => {});
              await forward.status;
            }
          },
        );

        await t.step(
          "called directly: 401 without credentials, 403 without nodes/proxy",
          async () => {
            // The agent's certificate is self-signed and Deno's fetch cannot skip the check
            // per request, so the direct calls go through curl -k.
            const curl = async (path: string, token?: string, extra: string[] = []) => {
              const out = await new Deno.Command("curl", {
                args: [
                  "-sk",
                  ...extra,
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
            // An exec upgrade passes the same checks: nodes/proxy with verb create.
            const exec = await curl(
              "/exec/default/talker/app?command=true&output=1",
              await tokenOf(api.nodeKubeconfig(OTHER)),
              ["-X", "POST", "-H", "Connection: Upgrade", "-H", "Upgrade: SPDY/3.1"],
            );
            assert.equal(exec.code, 403, exec.body);
            assert.match(
              exec.body,
              /Forbidden \(user=system:node:e2e-kubelet-api-other, verb=create, resource=nodes, subresource\(s\)=\[proxy\]\)/,
            );
            const plainExec = await curl(
              "/exec/default/talker/app?command=true&output=1",
              await tokenOf(api.adminKubeconfig),
              ["-X", "POST"],
            );
            assert.equal(plainExec.code, 500, plainExec.body);
            assert.equal(plainExec.body, "Upgrade request required\n");
            // Every request above was logged at --v=4, exec upgrades included, never a token.
            const log = agent.log();
            assert.match(
              log,
              /Kubelet API request method=POST path=\/exec\/default\/talker\/app .*upgrade=SPDY\/3\.1 status=101/,
            );
            for (const kubeconfig of [api.adminKubeconfig, api.nodeKubeconfig(OTHER)]) {
              assert.ok(!log.includes(await tokenOf(kubeconfig)), "no log line holds a token");
            }
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
