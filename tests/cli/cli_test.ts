import assert from "node:assert/strict";
import type { Pod } from "kubernetes-types/core/v1.d.ts";
import { runCli } from "../../src/cli/cli.ts";
import { parseCliArgs } from "../../src/cli/cli_args.ts";
import { cliPermissions } from "../../src/cli/agent_endpoint.ts";
import { humanDuration, podsTable } from "../../src/cli/pods_table.ts";

const NOW = Date.parse("2026-12-02T10:00:00Z");

const WEB: Pod = {
  metadata: {
    name: "web-node",
    namespace: "default",
    creationTimestamp: "2026-12-02T09:55:00Z",
  },
  spec: { containers: [{ name: "httpd", image: "b" }, { name: "side", image: "b" }] },
  status: {
    phase: "Running",
    containerStatuses: [
      {
        name: "httpd",
        ready: true,
        restartCount: 2,
        image: "b",
        imageID: "",
        state: { running: {} },
        lastState: { terminated: { exitCode: 1, finishedAt: "2026-12-02T09:58:00Z" } },
      },
      {
        name: "side",
        ready: false,
        restartCount: 0,
        image: "b",
        imageID: "",
        state: { waiting: { reason: "CrashLoopBackOff" } },
      },
    ],
  },
};

interface Call {
  url: string;
  method: string;
}

/** A fake agent: answers by path; records the calls. */
function fakeAgent(routes: Record<string, () => Response>) {
  const calls: Call[] = [];
  const fetch = ((input: string | URL | Request, init?: RequestInit) => {
    const url = new URL(String(input));
    calls.push({ url: `${url.pathname}${url.search}`, method: init?.method ?? "GET" });
    const route = routes[url.pathname];
    if (!route) return Promise.reject(new TypeError("Connection refused (os error 111)"));
    return Promise.resolve(route());
  }) as typeof globalThis.fetch;
  return { fetch, calls };
}

async function cli(args: string[], routes: Record<string, () => Response>) {
  const agent = fakeAgent(routes);
  let out = "";
  let err = "";
  const code = await runCli(args, {
    fetch: agent.fetch,
    stdout: (b) => Promise.resolve(void (out += new TextDecoder().decode(b))),
    stderr: (b) => Promise.resolve(void (err += new TextDecoder().decode(b))),
    readTextFile: (p) =>
      p === "/etc/k.yaml"
        ? Promise.resolve("kind: KubeletConfiguration\nreadOnlyPort: 10300\n")
        : Promise.resolve("kind: KubeletConfiguration\n"),
    now: () => NOW,
  });
  return { code, out, err, calls: agent.calls };
}

const podList = () => Response.json({ kind: "PodList", items: [WEB] });

Deno.test("denolet pods prints kubectl's table from /pods", async () => {
  const r = await cli(["pods"], { "/pods": podList });
  assert.equal(r.code, 0, r.err);
  assert.equal(
    r.out,
    "NAMESPACE   NAME       READY   STATUS             RESTARTS     AGE\n" +
      "default     web-node   1/2     CrashLoopBackOff   2 (2m ago)   5m\n",
  );
  assert.deepEqual(r.calls, [{ url: "/pods", method: "GET" }]);
  const none = await cli(["pods", "-n", "kube-system"], { "/pods": podList });
  assert.equal(none.out, "No resources found in kube-system namespace.\n");
});

Deno.test("denolet logs asks /containerLogs with kubectl's options and streams the body", async () => {
  const r = await cli(
    ["logs", "web-node", "-c", "httpd", "-f", "--tail=5", "--previous", "--timestamps"],
    { "/containerLogs/default/web-node/httpd": () => new Response("a\nb\n") },
  );
  assert.equal(r.code, 0, r.err);
  assert.equal(r.out, "a\nb\n");
  assert.deepEqual(r.calls, [{
    url:
      "/containerLogs/default/web-node/httpd?follow=true&tailLines=5&previous=true&timestamps=true",
    method: "GET",
  }]);
});

Deno.test("denolet logs without -c defaults to the first container, as kubectl", async () => {
  const r = await cli(["logs", "-n", "default", "web-node"], {
    "/pods": podList,
    "/containerLogs/default/web-node/httpd": () => new Response("x\n"),
  });
  assert.equal(r.code, 0, r.err);
  assert.equal(r.err, 'Defaulted container "httpd" out of: httpd, side\n');
  const missing = await cli(["logs", "web"], { "/pods": podList });
  assert.equal(missing.code, 1);
  assert.equal(
    missing.err,
    'error: pod "web" not found in namespace "default" (static pods are named <name>-<node>: ' +
      "web-node?)\n",
  );
});

Deno.test("denolet exec runs through /run with the command's words and passes its exit code", async () => {
  const ok = await cli(["exec", "web-node", "-c", "httpd", "--", "echo", "hi there"], {
    "/run/default/web-node/httpd": () => new Response("hi there\n", { status: 200 }),
  });
  assert.equal(ok.code, 0, ok.err);
  assert.equal(ok.out, "hi there\n");
  assert.deepEqual(ok.calls, [{
    url: "/run/default/web-node/httpd?command=echo&command=hi+there",
    method: "POST",
  }]);
  const failed = await cli(["exec", "web-node", "-c", "httpd", "--", "sh", "-c", "exit 3"], {
    "/run/default/web-node/httpd": () =>
      new Response("command 'sh -c exit 3' exited with 3: oops\n", { status: 500 }),
  });
  assert.equal(failed.code, 3);
  assert.equal(failed.err, "oops\n");
  const gone = await cli(["exec", "web-node", "-c", "httpd", "--", "ls"], {
    "/run/default/web-node/httpd": () =>
      new Response('container not found ("httpd")', { status: 500 }),
  });
  assert.equal(gone.code, 1);
  assert.equal(gone.err, 'error: container not found ("httpd")\n');
});

Deno.test("the CLI says what to do when nothing listens or the handlers are off", async () => {
  const down = await cli(["pods", "--read-only-port=10300"], {});
  assert.equal(down.code, 1);
  assert.match(down.err, /^cannot reach the agent on 127\.0\.0\.1:10300 \(--read-only-port\): /);
  assert.match(down.err, /is denolet running with readOnlyPort 10300/);
  const off = await cli(["logs", "web-node", "-c", "httpd"], {
    "/containerLogs/default/web-node/httpd": () =>
      new Response("Debug endpoints are disabled.\n", { status: 405 }),
  });
  assert.equal(off.code, 1);
  assert.match(off.err, /enable localDebuggingHandlers \(--local-debugging-handlers\)/);
  const usage = await cli(["exec", "web-node", "echo"], {});
  assert.equal(usage.code, 1);
  assert.match(usage.err, /^denolet exec: unexpected argument "echo": put the command after --\n/);
});

Deno.test("the CLI finds the port in --config and needs only that loopback port", async () => {
  const r = await cli(["pods", "--config=/etc/k.yaml"], { "/pods": podList });
  assert.equal(r.code, 0, r.err);
  const read = (p: string) =>
    Promise.resolve(p === "/etc/k.yaml" ? "readOnlyPort: 10300\naddress: '::1'\n" : "");
  assert.deepEqual(await cliPermissions({ config: "/etc/k.yaml" }, read), {
    read: ["/etc/k.yaml"],
    write: [],
    net: ["[::1]:10300"],
    env: ["LOG_TOKENS", "LOG_STREAM"],
  });
  assert.deepEqual(await cliPermissions({}), {
    read: [],
    write: [],
    net: ["127.0.0.1:10255"],
    env: [],
  });
  const off = await cli(["pods", "--config=/etc/other.yaml"], {});
  assert.equal(off.code, 1);
  assert.match(off.err, /read-only port is off in '\/etc\/other.yaml' \(readOnlyPort 0\)/);
});

Deno.test("parseCliArgs() takes kubectl's flag forms", () => {
  const a = parseCliArgs(["logs", "-n=kube-system", "p", "--container", "c", "--tail", "-1"]);
  assert.equal(a.namespace, "kube-system");
  assert.equal(a.container, "c");
  assert.equal(a.tail, undefined, "-1 is all lines");
  assert.throws(() => parseCliArgs(["logs", "p", "--tail=x"]), /invalid value "x" for --tail/);
  assert.throws(() => parseCliArgs(["logs"]), /logs needs a POD name/);
  assert.throws(() => parseCliArgs(["pods", "--bogus"]), /unknown flag --bogus/);
});

Deno.test("humanDuration() and podsTable() follow kubectl", () => {
  const s = 1000;
  assert.deepEqual(
    [45 * s, 150 * s, 600 * s, 4 * 3600 * s, 30 * 3600 * s, 100 * 3600 * s, 800 * 86400 * s].map(
      humanDuration,
    ),
    ["45s", "2m30s", "10m", "4h", "30h", "4d4h", "2y70d"],
  );
  const done: Pod = {
    metadata: { name: "job", namespace: "a", deletionTimestamp: "2026-12-02T09:59:00Z" },
    spec: { containers: [{ name: "c" }] },
    status: {
      phase: "Succeeded",
      containerStatuses: [{
        name: "c",
        ready: false,
        restartCount: 0,
        image: "",
        imageID: "",
        state: { terminated: { exitCode: 0, reason: "Completed" } },
      }],
    },
  };
  assert.match(
    podsTable([done], NOW),
    /\na {11}job {4}0\/1 {5}Terminating {3}0 {10}<unknown>\n$/,
  );
});
