import assert from "node:assert/strict";
import { HttpClientPool } from "../../src/prober/_http_client_pool.ts";
import { httpProbe } from "../../src/prober/http_probe.ts";
import { FakeClock, RealClock } from "../../src/util/clock.ts";

/** The clock of the probes against real servers on loopback. */
const realClock = new RealClock();

Deno.test("HttpClientPool.acquire() reuses one client per target and closes idle ones", () => {
  const clock = new FakeClock();
  const pool = new HttpClientPool({ clock, idleMs: 1000 });
  try {
    const a = pool.acquire("127.0.0.1", 8080);
    const b = pool.acquire("127.0.0.1", 8080);
    const c = pool.acquire("127.0.0.1", 8081);
    assert.equal(a.client, b.client);
    assert.notEqual(a.client, c.client);
    assert.equal(pool.size, 2);
    a.release();
    b.release();
    clock.step(1000);
    const d = pool.acquire("127.0.0.1", 8082); // sweeps: 8080 idle, 8081 still in use
    assert.equal(pool.size, 2);
    const again = pool.acquire("127.0.0.1", 8080);
    assert.notEqual(again.client, a.client, "the idle client was closed and replaced");
    c.release();
    d.release();
    again.release();
  } finally {
    pool.close();
  }
  assert.equal(pool.size, 0);
});

Deno.test("httpProbe() with a client pool still opens a new connection per probe", async () => {
  const ports: number[] = [];
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    (_req, info) => {
      ports.push(info.remoteAddr.port);
      return new Response("ok");
    },
  );
  const pool = new HttpClientPool({ clock: realClock });
  try {
    for (let i = 0; i < 3; i++) {
      const out = await httpProbe({ host: "127.0.0.1", port: server.addr.port }, {
        clock: realClock,
        clientPool: pool,
      });
      assert.equal(out.result, "success");
    }
    assert.equal(pool.size, 1);
    assert.equal(new Set(ports).size, 3, `client ports ${ports}`);
  } finally {
    pool.close();
    await server.shutdown();
  }
});
