import assert from "node:assert/strict";
import { FakeClock } from "../../src/util/clock.ts";
import { FakeStreamingServer, STREAM_TOKEN_TTL_MS } from "../../src/cri/fake/mod.ts";

async function answer(server: FakeStreamingServer, url: string, init?: RequestInit) {
  const res = server.handle(new Request(url, init));
  return [res.status, await res.text()] as const;
}

Deno.test("FakeStreamingServer.url() serves real loopback URLs whose token works once", async () => {
  const server = new FakeStreamingServer({ clock: new FakeClock() });
  try {
    assert.equal(server.address, undefined); // no port until a URL is handed out
    const url = server.url("exec");
    assert.match(url, /^http:\/\/127\.0\.0\.1:\d+\/exec\/[A-Za-z0-9_-]{8}$/);
    const first = await fetch(url);
    assert.deepEqual(
      [first.status, await first.text()],
      [400, "unable to upgrade: X-Stream-Protocol-Version is required\n"],
    );
    const again = await fetch(url);
    assert.deepEqual([again.status, await again.text()], [404, "404 page not found\n"]);
  } finally {
    await server.close();
  }
  assert.throws(() => server.url("exec"), /closed/);
});

Deno.test("FakeStreamingServer answers like containerd's streaming server", async (t) => {
  const clock = new FakeClock();
  const server = new FakeStreamingServer({ clock });
  try {
    await t.step("port-forward: a plain GET is an empty 200", async () => {
      assert.deepEqual(await answer(server, server.url("portforward")), [200, ""]);
    });
    await t.step("a token of another kind, or made up, is 404", async () => {
      const url = server.url("attach");
      assert.equal((await answer(server, url.replace("/attach/", "/exec/")))[0], 404);
      assert.equal((await answer(server, url.replace(/[^/]+$/, "XXXXXXXX")))[0], 404);
    });
    await t.step("other paths 404, other methods 405 (the token stays usable)", async () => {
      const url = server.url("exec");
      assert.deepEqual(await answer(server, url.replace(/\/exec\/.*/, "/")), [
        404,
        "404: Page Not Found",
      ]);
      assert.equal((await answer(server, url, { method: "DELETE" }))[0], 405);
      assert.equal((await answer(server, url, { method: "POST" }))[0], 400);
    });
    await t.step("a protocol header without upgrade headers is 400", async () => {
      const [status, body] = await answer(server, server.url("exec"), {
        headers: { "X-Stream-Protocol-Version": "v4.channel.k8s.io" },
      });
      assert.equal(status, 400);
      assert.match(body, /^unable to upgrade: missing upgrade headers in request: /);
    });
    await t.step("a real upgrade is 501: the fake streams nothing", async () => {
      const [status, body] = await answer(server, server.url("exec"), {
        headers: {
          "X-Stream-Protocol-Version": "v4.channel.k8s.io",
          Connection: "Upgrade",
          Upgrade: "SPDY/3.1",
        },
      });
      assert.equal(status, 501);
      assert.match(body, /does not stream/);
    });
    await t.step("a token expires after a minute on the fake's clock", async () => {
      const fresh = server.url("exec");
      const old = server.url("exec");
      clock.step(STREAM_TOKEN_TTL_MS - 1);
      assert.equal((await answer(server, fresh))[0], 400);
      clock.step(1);
      assert.equal((await answer(server, old))[0], 404);
    });
  } finally {
    await server.close();
  }
});
