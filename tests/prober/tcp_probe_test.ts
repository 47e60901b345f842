import assert from "node:assert/strict";
import { tcpProbe } from "../../src/prober/tcp_probe.ts";
import { FakeClock, RealClock } from "../../src/util/clock.ts";

/** The clock of the probes against real servers on loopback. */
const realClock = new RealClock();

Deno.test("tcpProbe() succeeds when the port accepts a connection", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const accepted = listener.accept().then((conn) => conn.close());
  try {
    const out = await tcpProbe("127.0.0.1", (listener.addr as Deno.NetAddr).port, {
      clock: realClock,
    });
    assert.deepEqual(out, { result: "success", output: "" });
    await accepted;
  } finally {
    listener.close();
  }
});

Deno.test("tcpProbe() fails when the port is closed, naming the address", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  const out = await tcpProbe("127.0.0.1", port, { clock: realClock });
  assert.equal(out.result, "failure");
  assert.ok(out.output.startsWith(`dial tcp 127.0.0.1:${port}: `), out.output);
  assert.equal(out.error, undefined);
});

Deno.test("tcpProbe() fails with i/o timeout when the connect does not finish in time (fake clock)", async () => {
  const clock = new FakeClock();
  let closed = false;
  let finish!: () => void;
  const connect = () =>
    new Promise<{ close(): void }>((resolve) => {
      finish = () => resolve({ close: () => closed = true });
    });
  const pending = tcpProbe("10.1.0.7", 80, { clock, timeoutMs: 3000, connect });
  clock.step(3000);
  const out = await pending;
  assert.deepEqual(out, { result: "failure", output: "dial tcp 10.1.0.7:80: i/o timeout" });
  finish();
  await Promise.resolve();
  await Promise.resolve();
  assert.equal(closed, true, "a connection that opens after the timeout is closed");
});

Deno.test("tcpProbe() brackets IPv6 addresses in its output", async () => {
  const out = await tcpProbe("fd00::7", 81, {
    clock: realClock,
    connect: () => Promise.reject(new Error("connection refused")),
  });
  assert.deepEqual(out, { result: "failure", output: "dial tcp [fd00::7]:81: connection refused" });
});
