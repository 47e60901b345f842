import assert from "node:assert/strict";
import * as grpc from "@grpc/grpc-js";
import { grpcProbe } from "../../src/prober/grpc_probe.ts";
import {
  HEALTH_SERVICE_DEFINITION,
  type HealthCheckRequest,
  type HealthCheckResponse,
} from "../../src/prober/health_service.ts";
import { FakeClock, flush, RealClock } from "../../src/util/clock.ts";

/** The clock of the probes against real servers on loopback. */
const realClock = new RealClock();

interface HealthServer {
  port: number;
  services: string[];
  close(): Promise<void>;
}

/** A health server: "" and "api" serve, "down" does not, "stuck" never answers, others are unknown. */
async function startHealthServer(withHealth = true): Promise<HealthServer> {
  const server = new grpc.Server();
  const services: string[] = [];
  const stuck: grpc.sendUnaryData<HealthCheckResponse>[] = [];
  if (withHealth) {
    server.addService(HEALTH_SERVICE_DEFINITION, {
      Check(
        call: grpc.ServerUnaryCall<HealthCheckRequest, HealthCheckResponse>,
        callback: grpc.sendUnaryData<HealthCheckResponse>,
      ) {
        const service = call.request.service;
        services.push(service);
        if (service === "" || service === "api") callback(null, { status: "SERVING" });
        else if (service === "down") callback(null, { status: "NOT_SERVING" });
        else if (service === "stuck") stuck.push(callback);
        else callback({ code: grpc.status.NOT_FOUND, details: "unknown service" });
      },
    });
  }
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync(
      "127.0.0.1:0",
      grpc.ServerCredentials.createInsecure(),
      (err, p) => err ? reject(err) : resolve(p),
    )
  );
  return {
    port,
    services,
    close: () =>
      new Promise<void>((resolve) => {
        for (const cb of stuck) cb({ code: grpc.status.UNAVAILABLE, details: "closing" });
        server.forceShutdown();
        resolve();
      }),
  };
}

Deno.test("grpcProbe() maps health answers to outcomes", async (t) => {
  const server = await startHealthServer();
  try {
    await t.step("SERVING for the whole server is success", async () => {
      const out = await grpcProbe("127.0.0.1", server.port, { clock: realClock });
      assert.deepEqual(out, { result: "success", output: "service healthy" });
    });
    await t.step("a named SERVING service is success and the name is sent", async () => {
      const out = await grpcProbe("127.0.0.1", server.port, { clock: realClock, service: "api" });
      assert.equal(out.result, "success");
      assert.equal(server.services.at(-1), "api");
    });
    await t.step("NOT_SERVING is a failure", async () => {
      const out = await grpcProbe("127.0.0.1", server.port, { clock: realClock, service: "down" });
      assert.deepEqual(out, {
        result: "failure",
        output: 'service unhealthy (responded with "NOT_SERVING")',
      });
    });
    await t.step("an unknown service is a failure", async () => {
      const out = await grpcProbe("127.0.0.1", server.port, { clock: realClock, service: "nope" });
      assert.equal(out.result, "failure");
      assert.match(out.output, /NOT_FOUND desc = unknown service/);
      assert.equal(out.error, undefined);
    });
  } finally {
    await server.close();
  }
});

Deno.test("grpcProbe() fails on a server without the health service", async () => {
  const server = await startHealthServer(false);
  try {
    const out = await grpcProbe("127.0.0.1", server.port, { clock: realClock });
    assert.equal(out.result, "failure");
    assert.match(out.output, /does not implement the grpc health protocol/);
  } finally {
    await server.close();
  }
});

Deno.test("grpcProbe() fails at once when nothing listens", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  const out = await grpcProbe("127.0.0.1", port, { clock: realClock, timeoutMs: 60_000 });
  assert.equal(out.result, "failure");
  assert.match(out.output, /failed to connect service at "127\.0\.0\.1:\d+"/);
});

Deno.test("grpcProbe() fails when the answer does not come within the timeout (fake clock)", async () => {
  const server = await startHealthServer();
  const clock = new FakeClock();
  try {
    const pending = grpcProbe("127.0.0.1", server.port, {
      service: "stuck",
      clock,
      timeoutMs: 2000,
    });
    // Wait (bounded, real I/O) until the server has the call, then let the probe time out.
    for (let i = 0; i < 200 && !server.services.includes("stuck"); i++) {
      await new Promise((r) => setTimeout(r, 5));
    }
    assert.ok(server.services.includes("stuck"));
    clock.step(1999);
    await flush();
    clock.step(1);
    const out = await pending;
    assert.deepEqual(out, {
      result: "failure",
      output: "timeout: health rpc did not complete within 2s",
    });
  } finally {
    await server.close();
  }
});
