import assert from "node:assert/strict";
import type { Container, Pod, Probe } from "kubernetes-types/core/v1.d.ts";
import {
  defaultProbeHost,
  expandProbeCommand,
  MAX_PROBE_ATTEMPTS,
  resolveProbePort,
  runProbe,
} from "../../src/prober/prober.ts";
import { RealClock } from "../../src/util/clock.ts";

/** The clock of the probes against real servers on loopback. */
const realClock = new RealClock();

function pod(container: Container, hostNetwork = false): Pod {
  return {
    metadata: { name: "web", namespace: "default", uid: "uid-1" },
    spec: { containers: [container], hostNetwork },
  };
}

Deno.test("resolveProbePort() takes numbers, port names and numeric strings", async (t) => {
  const c: Container = { name: "app", ports: [{ name: "http", containerPort: 8080 }] };
  await t.step("number", () => assert.equal(resolveProbePort(81, c), 81));
  await t.step("name", () => assert.equal(resolveProbePort("http", c), 8080));
  await t.step("numeric string", () => assert.equal(resolveProbePort("9090", c), 9090));
  await t.step("unknown name", () => {
    assert.throws(
      () => resolveProbePort("admin", c),
      /Cannot find port 'admin' in container 'app'/,
    );
  });
  await t.step("out of range", () => assert.throws(() => resolveProbePort(70000, c), RangeError));
});

Deno.test("defaultProbeHost() is 127.0.0.1 for host-network pods and the pod IP otherwise", () => {
  const c: Container = { name: "app" };
  assert.equal(
    defaultProbeHost({ pod: pod(c, true), container: c, containerId: "x" }),
    "127.0.0.1",
  );
  assert.equal(
    defaultProbeHost({ pod: pod(c), container: c, containerId: "x", podIP: "10.1.0.7" }),
    "10.1.0.7",
  );
  assert.throws(
    () => defaultProbeHost({ pod: pod(c), container: c, containerId: "x" }),
    /the pod has no IP yet/,
  );
});

Deno.test("expandProbeCommand() expands static env references only", () => {
  const c: Container = {
    name: "app",
    env: [
      { name: "PORT", value: "8080" },
      { name: "SECRET", valueFrom: { secretKeyRef: { name: "s", key: "k" } } },
    ],
  };
  assert.deepEqual(
    expandProbeCommand(["check", "--port=$(PORT)", "$(SECRET)", "$$(PORT)", "$(MISSING)"], c),
    ["check", "--port=8080", "$(SECRET)", "$(PORT)", "$(MISSING)"],
  );
});

Deno.test("runProbe() probes an HTTP port by name on the pod IP", async () => {
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    () => new Response("ok"),
  );
  try {
    const c: Container = {
      name: "app",
      ports: [{ name: "http", containerPort: server.addr.port }],
    };
    const probe: Probe = { httpGet: { port: "http", path: "/healthz" } };
    const out = await runProbe(probe, {
      pod: pod(c),
      container: c,
      containerId: "c1",
      podIP: "127.0.0.1",
    }, { clock: realClock });
    assert.equal(out.result, "success");
  } finally {
    await server.shutdown();
  }
});

Deno.test("runProbe() probes TCP on 127.0.0.1 for a host-network pod", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const accepted = listener.accept().then((conn) => conn.close());
  try {
    const c: Container = { name: "app" };
    const probe: Probe = { tcpSocket: { port: (listener.addr as Deno.NetAddr).port } };
    const out = await runProbe(probe, { pod: pod(c, true), container: c, containerId: "c1" }, {
      clock: realClock,
    });
    assert.equal(out.result, "success");
    await accepted;
  } finally {
    listener.close();
  }
});

Deno.test("runProbe() runs exec probes with the expanded command and the probe timeout", async () => {
  const c: Container = { name: "app", env: [{ name: "F", value: "/ready" }] };
  const seen: unknown[] = [];
  const out = await runProbe({ exec: { command: ["test", "-f", "$(F)"] }, timeoutSeconds: 4 }, {
    pod: pod(c),
    container: c,
    containerId: "c9",
  }, {
    clock: realClock,
    runtimeService: {
      execSync: (id, cmd, options) => {
        seen.push([id, cmd, options?.timeoutSeconds]);
        return Promise.resolve({ exitCode: 0, stdout: new Uint8Array(), stderr: new Uint8Array() });
      },
    },
  });
  assert.equal(out.result, "success");
  assert.deepEqual(seen, [["c9", ["test", "-f", "/ready"], 4]]);
});

Deno.test("runProbe() retries a probe that errors up to 3 times, but not one that fails", async (t) => {
  const c: Container = { name: "app" };
  const target = { pod: pod(c), container: c, containerId: "c1" };
  await t.step("errors are retried", async () => {
    let calls = 0;
    const out = await runProbe({ exec: { command: ["x"] } }, target, {
      clock: realClock,
      runtimeService: {
        execSync: () => {
          calls++;
          return Promise.reject(new Error("runtime unavailable"));
        },
      },
    });
    assert.equal(calls, MAX_PROBE_ATTEMPTS);
    assert.equal(out.result, "unknown");
    assert.equal(out.error?.message, "runtime unavailable");
  });
  await t.step("a success after an error ends the retries", async () => {
    let calls = 0;
    const out = await runProbe({ exec: { command: ["x"] } }, target, {
      clock: realClock,
      runtimeService: {
        execSync: () =>
          ++calls === 1 ? Promise.reject(new Error("blip")) : Promise.resolve({
            exitCode: 0,
            stdout: "",
            stderr: "",
          }),
      },
    });
    assert.equal(calls, 2);
    assert.equal(out.result, "success");
  });
  await t.step("failures are not retried", async () => {
    let calls = 0;
    const out = await runProbe({ exec: { command: ["x"] } }, target, {
      clock: realClock,
      runtimeService: {
        execSync: () => {
          calls++;
          return Promise.resolve({ exitCode: 1, stdout: "bad", stderr: "" });
        },
      },
    });
    assert.equal(calls, 1);
    assert.deepEqual(out, { result: "failure", output: "bad" });
  });
  await t.step("an unknown port name errors (3 attempts) without any request", async () => {
    const out = await runProbe({ httpGet: { port: "admin" } }, { ...target, podIP: "127.0.0.1" }, {
      clock: realClock,
    });
    assert.equal(out.result, "unknown");
    assert.match(out.error!.message, /Cannot find port 'admin'/);
  });
});

Deno.test("runProbe() errors for a probe without an action and an exec probe without a runtime", async () => {
  const c: Container = { name: "app" };
  const target = { pod: pod(c), container: c, containerId: "c1" };
  assert.match(
    (await runProbe({}, target, { clock: realClock })).error!.message,
    /declares no exec, httpGet/,
  );
  assert.match(
    (await runProbe({ exec: { command: ["x"] } }, target, { clock: realClock })).error!.message,
    /no runtime/,
  );
});
