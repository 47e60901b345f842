/**
 * Contract cases of what a container's process does: exit codes, the CRI log
 * file at the container's log path, commands that finish or keep running,
 * ExecSync, and the streaming server behind Exec, Attach and PortForward.
 *
 * @module
 */

import assert from "node:assert/strict";
import { CriError } from "../../../src/cri/errors.ts";
import {
  containerConfig,
  type CriContractCase,
  parseCriLog,
  runContainer,
  runSandbox,
  waitExited,
  waitFor,
} from "./_target.ts";

const text = (b: Uint8Array) => new TextDecoder().decode(b);

export const PROCESS_CASES: CriContractCase[] = [
  {
    name: "a container that prints and exits 3: EXITED 3 'Error', its output in the CRI log file",
    async fn(target) {
      const sandbox = await runSandbox(target, "exit");
      const script = "echo hello; echo err >&2; echo -n tail; exit 3";
      const id = await runContainer(
        target,
        sandbox,
        containerConfig(target, "app", ["sh", "-c", script]),
      );
      const status = await waitExited(target, id);
      assert.deepEqual([status.exitCode, status.reason], [3, "Error"]);
      // Set, but not ordered: containerd stamps startedAt after the start call
      // returns, so a process that exits at once can finish "before" it started.
      assert.ok(status.finishedAt > 0 && status.startedAt > 0);
      // containerd reports the exit before its log copier has written the last
      // lines: wait (bounded, on the target's time) until all three are there.
      const path = `${sandbox.config.logDirectory}/app/0.log`;
      const lines = await waitFor(target, `three lines in ${path}`, async () => {
        const got = parseCriLog(await Deno.readTextFile(path));
        return got.length >= 3 ? got : undefined;
      });
      // stdout and stderr are separate pipes: only the order within a stream is fixed.
      assert.deepEqual(lines.filter(([s]) => s === "stdout"), [
        ["stdout", "F", "hello"],
        ["stdout", "P", "tail"],
      ]);
      assert.deepEqual(lines.filter(([s]) => s === "stderr"), [["stderr", "F", "err"]]);
    },
  },
  {
    name: "a container running `true` exits 0 'Completed'; its log file exists and is empty",
    async fn(target) {
      const sandbox = await runSandbox(target, "true");
      const id = await runContainer(target, sandbox, containerConfig(target, "app", ["true"]));
      const status = await waitExited(target, id);
      assert.deepEqual([status.exitCode, status.reason], [0, "Completed"]);
      assert.equal(await Deno.readTextFile(`${sandbox.config.logDirectory}/app/0.log`), "");
    },
  },
  {
    name: "a container running `sleep 1` runs, then exits 0 about a second after it started",
    async fn(target) {
      const sandbox = await runSandbox(target, "sleep");
      const id = await runContainer(
        target,
        sandbox,
        containerConfig(target, "app", ["sleep", "1"]),
      );
      const { status: running } = await target.runtime.containerStatus(id);
      assert.equal(running.state, "CONTAINER_RUNNING");
      const status = await waitExited(target, id, 5000);
      assert.equal(status.exitCode, 0);
      const ranMs = (status.finishedAt - status.startedAt) / 1e6;
      assert.ok(ranMs >= 1000 && ranMs < 3000, `ran ${ranMs} ms`);
    },
  },
  {
    name: "containers with the image's command or a loop keep running",
    async fn(target) {
      const sandbox = await runSandbox(target, "long");
      const ids = [
        await runContainer(target, sandbox, containerConfig(target, "default")),
        await runContainer(
          target,
          sandbox,
          containerConfig(target, "loop", ["sh", "-c", "while true; do sleep 1; done"]),
        ),
      ];
      await target.elapse(1500);
      for (const id of ids) {
        assert.equal((await target.runtime.containerStatus(id)).status.state, "CONTAINER_RUNNING");
      }
    },
  },
  {
    name: "reopenContainerLog() after the log is renamed: later output goes to a new file",
    async fn(target) {
      const { runtime } = target;
      const sandbox = await runSandbox(target, "rotate");
      const script = "echo one; sleep 1; echo two; sleep 3600";
      const id = await runContainer(
        target,
        sandbox,
        containerConfig(target, "app", ["sh", "-c", script]),
      );
      const path = `${sandbox.config.logDirectory}/app/0.log`;
      const texts = async (p: string) => parseCriLog(await Deno.readTextFile(p)).map((l) => l[2]);
      await waitFor(
        target,
        "the first line",
        async () => (await texts(path)).length > 0 ? true : undefined,
      );
      await Deno.rename(path, `${path}.1`);
      await runtime.reopenContainerLog(id);
      assert.deepEqual(await texts(path), []);
      await waitFor(
        target,
        "the second line",
        async () => (await texts(path)).length > 0 ? true : undefined,
      );
      assert.deepEqual(await texts(path), ["two"]);
      assert.deepEqual(await texts(`${path}.1`), ["one"]);
      await runtime.stopContainer(id, 0);
      await assert.rejects(runtime.reopenContainerLog(id), /container is not running/);
    },
  },
  {
    name: "execSync() returns stdout, stderr and the exit code; on an exited container it fails",
    async fn(target) {
      const { runtime } = target;
      const sandbox = await runSandbox(target, "exec");
      const id = await runContainer(
        target,
        sandbox,
        containerConfig(target, "app", ["sleep", "3600"]),
      );
      const r = await runtime.execSync(id, ["sh", "-c", "echo hello; echo err >&2; exit 3"], {
        timeoutSeconds: 10,
      });
      assert.deepEqual([text(r.stdout), text(r.stderr), r.exitCode], ["hello\n", "err\n", 3]);
      const echo = await runtime.execSync(id, ["echo", "again"], { timeoutSeconds: 10 });
      assert.deepEqual([text(echo.stdout), echo.exitCode], ["again\n", 0]);
      assert.equal((await runtime.execSync(id, ["false"], { timeoutSeconds: 10 })).exitCode, 1);
      await runtime.stopContainer(id, 0);
      for (
        const [what, call] of [
          ["execSync", () => runtime.execSync(id, ["true"], { timeoutSeconds: 5 })],
          ["exec", () => runtime.exec({ containerId: id, cmd: ["sh"], stdout: true })],
          ["attach", () => runtime.attach({ containerId: id, stdout: true })],
        ] as const
      ) {
        await assert.rejects(call(), (e: unknown) => {
          assert.ok(e instanceof CriError, `${what}: ${e}`);
          assert.match(e.message, /container is in CONTAINER_EXITED state/, what);
          return true;
        });
      }
    },
  },
  {
    name: "exec(), attach() and portForward() URLs point at a streaming server that answers",
    async fn(target) {
      const { runtime } = target;
      const sandbox = await runSandbox(target, "stream");
      const id = await runContainer(
        target,
        sandbox,
        containerConfig(target, "app", ["sleep", "3600"]),
      );
      await assert.rejects(runtime.exec({ containerId: id, cmd: ["sh"] }), (e: unknown) => {
        assert.ok(e instanceof CriError);
        assert.match(e.message, /one of stdin, stdout, or stderr must be set/);
        return true;
      });
      await assert.rejects(runtime.attach({ containerId: id }), (e: unknown) => {
        assert.ok(e instanceof CriError);
        assert.match(e.message, /one of stdin, stdout, and stderr must be set/);
        return true;
      });
      const exec = () => runtime.exec({ containerId: id, cmd: ["sh"], stdout: true });
      const urls: [string, string][] = [
        ["exec", await exec()],
        ["attach", await runtime.attach({ containerId: id, stdout: true })],
        ["portforward", await runtime.portForward({ podSandboxId: sandbox.id, port: [80] })],
      ];
      const get = async (url: string, init?: RequestInit) => {
        const res = await fetch(url, init);
        return [res.status, await res.text()] as const;
      };
      for (const [kind, url] of urls) {
        const m = url.match(/^http:\/\/127\.0\.0\.1:\d+\/([a-z]+)\/[A-Za-z0-9_-]{8}$/);
        assert.equal(m?.[1], kind, url);
        // A plain GET is no session: exec and attach refuse it; port-forward's
        // handshake fails without writing anything (an empty 200).
        const [status, body] = await get(url);
        if (kind === "portforward") assert.deepEqual([status, body], [200, ""]);
        else {assert.deepEqual([status, body], [
            400,
            "unable to upgrade: X-Stream-Protocol-Version is required\n",
          ]);}
        // A token is used once.
        assert.equal((await get(url))[0], 404, `${url} again`);
        assert.equal((await get(url.replace(/[^/]+$/, "XXXXXXXX")))[0], 404, "unknown token");
      }
      const url = await exec();
      const [status, body] = await get(url, {
        headers: { "X-Stream-Protocol-Version": "v4.channel.k8s.io" },
      });
      assert.equal(status, 400);
      assert.match(body, /^unable to upgrade: missing upgrade headers in request/);
      assert.equal((await get(url.replace(/\/exec\/.*$/, "/")))[0], 404, "root path");
      assert.equal((await get(await exec(), { method: "DELETE" }))[0], 405, "DELETE");
    },
  },
];
