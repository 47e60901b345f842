import assert from "node:assert/strict";
import { fetchTransport, type HttpTransport } from "../../src/prober/_http_transport.ts";
import {
  DEFAULT_PROBE_USER_AGENT,
  httpProbe,
  MAX_RESPONSE_BODY_BYTES,
  probeRequestHeaders,
  probeUrl,
} from "../../src/prober/http_probe.ts";
import { FakeClock, flush, RealClock } from "../../src/util/clock.ts";

/** The clock of the probes against real servers on loopback. */
const realClock = new RealClock();

interface SeenRequest {
  url: string;
  headers: Headers;
}

interface TestServer {
  port: number;
  requests: SeenRequest[];
  close(): Promise<void>;
}

function serve(
  handler: (req: Request, url: URL) => Response | Promise<Response>,
  tls?: { cert: string; key: string },
): TestServer {
  const requests: SeenRequest[] = [];
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {}, ...(tls ?? {}) },
    (req) => {
      requests.push({ url: req.url, headers: new Headers(req.headers) });
      return handler(req, new URL(req.url));
    },
  );
  return {
    port: server.addr.port,
    requests,
    close: () => server.shutdown(),
  };
}

Deno.test("probeUrl() builds scheme://host:port/path and brackets IPv6 hosts", async (t) => {
  const cases: [Parameters<typeof probeUrl>[0], string][] = [
    [{ host: "10.1.0.7", port: 8080 }, "http://10.1.0.7:8080/"],
    [{ host: "10.1.0.7", port: 80, path: "healthz?full=1" }, "http://10.1.0.7/healthz?full=1"],
    [{ scheme: "https", host: "fd00::5", port: 443, path: "/x" }, "https://[fd00::5]/x"],
  ];
  for (const [target, want] of cases) {
    await t.step(want, () => assert.equal(probeUrl(target).href, want));
  }
  await t.step("port 0 is a RangeError", () => {
    assert.throws(() => probeUrl({ host: "a", port: 0 }), RangeError);
  });
});

Deno.test("probeRequestHeaders() adds User-Agent and Accept unless set, and drops an empty Accept", () => {
  const ua = DEFAULT_PROBE_USER_AGENT;
  const lower = (h: [string, string][]) => h.map(([n, v]) => [n.toLowerCase(), v]);
  assert.deepEqual(lower(probeRequestHeaders(undefined, ua)), [
    ["user-agent", ua],
    ["accept", "*/*"],
    ["accept-encoding", ""],
  ]);
  assert.deepEqual(
    lower(
      probeRequestHeaders([{ name: "Accept", value: "" }, { name: "user-agent", value: "me" }], ua),
    ),
    [["user-agent", "me"], ["accept-encoding", ""]],
  );
});

Deno.test("httpProbe() succeeds on 200..399 and fails on other codes without the body", async (t) => {
  const server = serve((_req, url) => {
    const code = Number(url.searchParams.get("code"));
    return new Response(code === 204 || code === 304 ? null : "secret body", { status: code });
  });
  try {
    for (const code of [200, 204, 304, 399]) {
      await t.step(`${code} is success`, async () => {
        const out = await httpProbe({
          host: "127.0.0.1",
          port: server.port,
          path: `/?code=${code}`,
        }, { clock: realClock });
        assert.equal(out.result, code === 304 || code === 399 ? "warning" : "success");
      });
    }
    for (const code of [400, 404, 500, 503]) {
      await t.step(`${code} is failure`, async () => {
        const out = await httpProbe({
          host: "127.0.0.1",
          port: server.port,
          path: `/?code=${code}`,
        }, { clock: realClock });
        assert.equal(out.result, "failure");
        assert.equal(out.output, `HTTP probe failed with statuscode: ${code}`);
        assert.equal(out.error, undefined);
      });
    }
  } finally {
    await server.close();
  }
});

Deno.test("httpProbe() sends kube-probe User-Agent, Accept */* and the probe's headers, with Host overriding", async (t) => {
  const server = serve(() => new Response("ok"));
  try {
    await t.step("defaults", async () => {
      const out = await httpProbe({ host: "127.0.0.1", port: server.port, path: "/h" }, {
        clock: realClock,
      });
      assert.equal(out.result, "success");
      assert.equal(out.output, "ok");
      const req = server.requests.at(-1)!;
      assert.equal(req.headers.get("user-agent"), DEFAULT_PROBE_USER_AGENT);
      assert.equal(req.headers.get("accept"), "*/*");
      assert.equal(req.headers.get("host"), `127.0.0.1:${server.port}`);
    });
    await t.step("custom headers, Host and User-Agent override", async () => {
      const out = await httpProbe({
        host: "127.0.0.1",
        port: server.port,
        headers: [
          { name: "X-Custom", value: "a" },
          { name: "X-Custom", value: "b" },
          { name: "Host", value: "app.example" },
          { name: "User-Agent", value: "my-agent" },
          { name: "Accept", value: "application/json" },
        ],
      }, { clock: realClock });
      assert.equal(out.result, "success");
      const req = server.requests.at(-1)!;
      assert.equal(req.headers.get("x-custom"), "a, b");
      assert.equal(req.headers.get("host"), "app.example");
      assert.equal(req.headers.get("user-agent"), "my-agent");
      assert.equal(req.headers.get("accept"), "application/json");
    });
    await t.step("userAgent option", async () => {
      await httpProbe({ host: "127.0.0.1", port: server.port }, {
        clock: realClock,
        userAgent: "kube-probe/9.9",
      });
      assert.equal(server.requests.at(-1)!.headers.get("user-agent"), "kube-probe/9.9");
    });
  } finally {
    await server.close();
  }
});

Deno.test("httpProbe() reads at most 10 KiB of a huge body and still succeeds", async () => {
  const big = "x".repeat(1024 * 1024);
  const server = serve(() => new Response(big));
  try {
    const out = await httpProbe({ host: "127.0.0.1", port: server.port }, { clock: realClock });
    assert.equal(out.result, "success");
    assert.equal(out.output.length, MAX_RESPONSE_BODY_BYTES);
  } finally {
    await server.close();
  }
});

Deno.test("httpProbe() follows same-host redirects up to 10 requests", async (t) => {
  const server = serve((_req, url) => {
    const left = Number(url.pathname.slice(1));
    if (left > 0) return new Response(null, { status: 302, headers: { location: `/${left - 1}` } });
    return new Response("landed");
  });
  try {
    await t.step("9 redirects are followed", async () => {
      const out = await httpProbe({ host: "127.0.0.1", port: server.port, path: "/9" }, {
        clock: realClock,
      });
      assert.equal(out.result, "success");
      assert.equal(out.output, "landed");
    });
    await t.step("the 10th redirect stops the probe", async () => {
      const out = await httpProbe({ host: "127.0.0.1", port: server.port, path: "/10" }, {
        clock: realClock,
      });
      assert.equal(out.result, "failure");
      assert.match(out.output, /stopped after 10 redirects/);
    });
  } finally {
    await server.close();
  }
});

Deno.test("httpProbe() follows a redirect to another port of the same host and keeps a custom Host on relative ones", async () => {
  const target = serve(() => new Response("other port"));
  const first = serve((_req, url) =>
    url.pathname === "/abs"
      ? new Response(null, {
        status: 301,
        headers: { location: `http://127.0.0.1:${target.port}/` },
      })
      : url.pathname === "/rel"
      ? new Response(null, { status: 307, headers: { location: "/final" } })
      : new Response("final")
  );
  try {
    const abs = await httpProbe({ host: "127.0.0.1", port: first.port, path: "/abs" }, {
      clock: realClock,
    });
    assert.equal(abs.result, "success");
    assert.equal(abs.output, "other port");
    const rel = await httpProbe({
      host: "127.0.0.1",
      port: first.port,
      path: "/rel",
      headers: [{ name: "Host", value: "app.example" }],
    }, { clock: realClock });
    assert.equal(rel.result, "success");
    assert.equal(first.requests.at(-1)!.headers.get("host"), "app.example");
    assert.equal(new URL(first.requests.at(-1)!.url).pathname, "/final");
  } finally {
    await first.close();
    await target.close();
  }
});

Deno.test("httpProbe() does not follow a redirect to another host: warning with the body", async () => {
  const server = serve((_req, url) =>
    url.pathname === "/"
      ? new Response("moved", {
        status: 302,
        headers: { location: `http://localhost:${0}/elsewhere` },
      })
      : new Response("should not be reached")
  );
  try {
    const out = await httpProbe({ host: "127.0.0.1", port: server.port }, { clock: realClock });
    assert.equal(out.result, "warning");
    assert.equal(out.output, "Probe terminated redirects, Response body: moved");
    assert.equal(server.requests.length, 1);
  } finally {
    await server.close();
  }
});

Deno.test("httpProbe() fails a connection refused with the URL in the output", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  const out = await httpProbe({ host: "127.0.0.1", port }, { clock: realClock });
  assert.equal(out.result, "failure");
  assert.ok(out.output.startsWith(`Get "http://127.0.0.1:${port}/": `), out.output);
});

Deno.test("httpProbe() fails when no answer comes within the timeout (fake clock)", async () => {
  const clock = new FakeClock();
  let release!: () => void;
  const hold = new Promise<void>((r) => release = r);
  const server = serve(async () => {
    await hold;
    return new Response("late");
  });
  try {
    const pending = httpProbe({ host: "127.0.0.1", port: server.port }, { clock, timeoutMs: 2000 });
    clock.step(1999);
    await flush();
    assert.equal(clock.pendingTimers, 1);
    clock.step(1);
    const out = await pending;
    assert.equal(out.result, "failure");
    assert.match(out.output, /Client\.Timeout exceeded while awaiting headers/);
    assert.equal(clock.pendingTimers, 0);
  } finally {
    release();
    await server.close();
  }
});

Deno.test("httpProbe() errors when the body is still arriving at the timeout (fake clock)", async () => {
  const clock = new FakeClock();
  let stop!: () => void;
  const stopped = new Promise<void>((r) => stop = r);
  const server = serve(() => {
    const body = new ReadableStream<Uint8Array>({
      async start(controller) {
        controller.enqueue(new TextEncoder().encode("partial"));
        await stopped;
        controller.close();
      },
    });
    return new Response(body);
  });
  let headersIn!: () => void;
  const gotHeaders = new Promise<void>((r) => headersIn = r);
  const spy: HttpTransport = async (url, headers, signal) => {
    const exchange = await fetchTransport(url, headers, signal);
    headersIn();
    return exchange;
  };
  try {
    const pending = httpProbe({ host: "127.0.0.1", port: server.port }, {
      clock,
      timeoutMs: 1000,
      transports: { http: spy },
    });
    await gotHeaders;
    clock.step(1000);
    const out = await pending;
    assert.equal(out.result, "unknown");
    assert.ok(out.error);
    assert.match(out.error.message, /context deadline exceeded/);
  } finally {
    stop();
    await server.close();
  }
});

Deno.test("httpProbe() probes HTTPS targets without verifying a self-signed certificate", async () => {
  const dir = await Deno.makeTempDir({ prefix: "denolet_probe_tls_" });
  try {
    const { success } = await new Deno.Command("openssl", {
      args: [
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-days",
        "1",
        "-subj",
        "/CN=localhost",
        "-keyout",
        `${dir}/key.pem`,
        "-out",
        `${dir}/cert.pem`,
      ],
      stdout: "null",
      stderr: "null",
    }).output();
    assert.ok(success, "openssl could not make a certificate");
    const tls = {
      cert: await Deno.readTextFile(`${dir}/cert.pem`),
      key: await Deno.readTextFile(`${dir}/key.pem`),
    };
    const server = serve(
      (_req, url) =>
        url.pathname === "/bad"
          ? new Response("no", { status: 500 })
          : url.pathname === "/redirect"
          ? new Response(null, { status: 302, headers: { location: "/" } })
          : new Response("secure ok"),
      tls,
    );
    try {
      const ok = await httpProbe({ scheme: "https", host: "127.0.0.1", port: server.port }, {
        clock: realClock,
      });
      assert.equal(ok.result, "success");
      assert.equal(ok.output, "secure ok");
      const req = server.requests.at(-1)!;
      assert.equal(req.headers.get("user-agent"), DEFAULT_PROBE_USER_AGENT);
      const redirected = await httpProbe({
        scheme: "https",
        host: "127.0.0.1",
        port: server.port,
        path: "/redirect",
      }, { clock: realClock });
      assert.equal(redirected.result, "success");
      const bad = await httpProbe({
        scheme: "https",
        host: "127.0.0.1",
        port: server.port,
        path: "/bad",
      }, { clock: realClock });
      assert.equal(bad.result, "failure");
      assert.equal(bad.output, "HTTP probe failed with statuscode: 500");
    } finally {
      await server.close();
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("httpProbe() sends an origin-form request line, as servers like busybox httpd require", async () => {
  // A raw HTTP/1.1 server that, like busybox httpd, refuses the absolute form
  // (`GET http://host:port/path`) that only proxies accept.
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  const lines: string[] = [];
  const serving = (async () => {
    for await (const conn of listener) {
      const buf = new Uint8Array(4096);
      const n = await conn.read(buf) ?? 0;
      const line = new TextDecoder().decode(buf.subarray(0, n)).split("\r\n")[0];
      lines.push(line);
      const ok = line === "GET /ready?x=1 HTTP/1.1";
      const body = ok ? "ok" : "bad request line";
      await conn.write(
        new TextEncoder().encode(
          `HTTP/1.1 ${
            ok ? "200 OK" : "400 Bad Request"
          }\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`,
        ),
      );
      conn.close();
    }
  })().catch(() => {});
  try {
    const out = await httpProbe({ host: "127.0.0.1", port, path: "/ready?x=1" }, {
      clock: realClock,
    });
    assert.deepEqual(lines, ["GET /ready?x=1 HTTP/1.1"]);
    assert.equal(out.result, "success", out.output);
  } finally {
    listener.close();
    await serving;
  }
});

Deno.test("httpProbe() sends each target its own request, also when a target's request is reused", async () => {
  const seen: string[] = [];
  const spy: HttpTransport = (url, headers) => {
    seen.push(`${url.href} ${headers.map(([n, v]) => `${n}=${v}`).join(",")}`);
    return Promise.resolve({
      status: 200,
      location: null,
      readBody: () => Promise.resolve(new Uint8Array()),
      discard: () => {},
    });
  };
  const probe = (target: Parameters<typeof httpProbe>[0], userAgent?: string) =>
    httpProbe(target, { clock: new FakeClock(0), userAgent, transports: { http: spy } });
  await probe({ host: "127.0.0.1", port: 8080, path: "/a" });
  await probe({ host: "127.0.0.1", port: 8080, path: "/a" });
  await probe({ host: "127.0.0.1", port: 8081, path: "/a" });
  await probe({ host: "127.0.0.1", port: 8080, path: "/b" });
  await probe({ host: "127.0.0.2", port: 8080, path: "/a" });
  await probe({ host: "127.0.0.1", port: 8080, path: "/a" }, "other/1");
  await probe({ host: "127.0.0.1", port: 8080, path: "/a", headers: [{ name: "X", value: "1" }] });
  const ua = "User-Agent=kube-probe/1.35,Accept=*/*,Accept-Encoding=";
  assert.deepEqual(seen, [
    `http://127.0.0.1:8080/a ${ua}`,
    `http://127.0.0.1:8080/a ${ua}`,
    `http://127.0.0.1:8081/a ${ua}`,
    `http://127.0.0.1:8080/b ${ua}`,
    `http://127.0.0.2:8080/a ${ua}`,
    `http://127.0.0.1:8080/a User-Agent=other/1,Accept=*/*,Accept-Encoding=`,
    `http://127.0.0.1:8080/a X=1,${ua}`,
  ]);
});
