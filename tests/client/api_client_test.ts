import assert from "node:assert/strict";
import type { Pod } from "kubernetes-types/core/v1.d.ts";
import {
  ApiStatusError,
  isAlreadyExists,
  isConflict,
  isForbidden,
  isNotFound,
  isResourceExpired,
  isTooManyRequests,
  isUnauthorized,
} from "../../src/client/api_error.ts";
import { ApiClient } from "../../src/client/api_client.ts";
import { createApiClient } from "../../src/client/http_transport.ts";
import type { Kubeconfig } from "../../src/client/kubeconfig.ts";
import type { WatchEvent } from "../../src/client/watch_stream.ts";
import { FakeClock } from "../../src/util/clock.ts";
import { testPki } from "./_certs.ts";
import { sendJson, sendStatus, startFakeApiServer } from "./_fake_api_server.ts";
import { rejection } from "./_rejection.ts";

const pki = await testPki();

/** A kubeconfig for `server` with the test CA and the node's client certificate. */
function nodeKubeconfig(server: string, extra: Partial<Kubeconfig> = {}): Kubeconfig {
  return {
    path: "/test/kubeconfig",
    context: "c",
    cluster: "c",
    user: "u",
    server,
    certificateAuthority: pki.ca,
    insecureSkipTLSVerify: false,
    clientCertificate: pki.clientCert,
    clientKey: pki.clientKey,
    files: [],
    ...extra,
  };
}

const pod = (name: string, rv = "1"): Pod => ({
  apiVersion: "v1",
  kind: "Pod",
  metadata: { name, namespace: "default", uid: `uid-${name}`, resourceVersion: rv },
});

Deno.test("ApiClient over HTTPS presents the client certificate, trusts the CA and names denolet", async () => {
  await using server = await startFakeApiServer(pki, (_req, res) => sendJson(res, 200, pod("web")));
  const api = createApiClient(nodeKubeconfig(server.url), { clock: new FakeClock() });
  try {
    const got = await api.get<Pod>({ resource: "pods", namespace: "default", name: "web" });
    assert.equal(got.metadata?.name, "web");
  } finally {
    api.close();
  }
  const [req] = server.requests;
  assert.equal(req.method, "GET");
  assert.equal(req.url, "/api/v1/namespaces/default/pods/web");
  assert.ok(req.clientCertAuthorized, "the server verified the client certificate");
  assert.equal(req.clientCN, "system:node:n1");
  assert.equal(req.headers.accept, "application/json");
  assert.match(
    req.headers["user-agent"] ?? "",
    /^denolet\/v\d+\.\d+\.\d+ \(linux\/(amd64|arm64)\) kubelet-compatible\/v1\.\d+$/,
  );
  assert.equal(req.headers.authorization, undefined, "no token configured");
});

Deno.test("ApiClient refuses a server whose certificate the kubeconfig's CA did not sign", async () => {
  await using server = await startFakeApiServer(pki, (_req, res) => sendJson(res, 200, {}));
  const api = createApiClient(nodeKubeconfig(server.url, { certificateAuthority: pki.otherCa }), {
    clock: new FakeClock(),
  });
  try {
    const e = await rejection(api.get({ resource: "nodes", name: "n1" }));
    assert.ok(!(e instanceof ApiStatusError));
    assert.match(e.message, /^GET \/api\/v1\/nodes\/n1: .*certificate/);
  } finally {
    api.close();
  }
  assert.equal(server.requests.length, 0);
});

Deno.test("ApiClient sends a static kubeconfig token as a bearer token", async () => {
  await using server = await startFakeApiServer(pki, (_req, res) => sendJson(res, 200, {}));
  const kc = nodeKubeconfig(server.url, { clientCertificate: undefined, clientKey: undefined });
  const api = createApiClient({ ...kc, token: "static-token" }, { clock: new FakeClock() });
  try {
    await api.request("GET", "/version");
  } finally {
    api.close();
  }
  assert.equal(server.requests[0].headers.authorization, "Bearer static-token");
  assert.ok(!server.requests[0].clientCertAuthorized, "no client certificate configured");
});

Deno.test("ApiClient sends the bearer token and re-reads tokenFile once a minute on the clock", async () => {
  await using server = await startFakeApiServer(pki, (_req, res) => sendJson(res, 200, {}));
  const dir = await Deno.makeTempDir({ prefix: "denolet_token_" });
  const clock = new FakeClock();
  const tokenFile = `${dir}/token`;
  await Deno.writeTextFile(tokenFile, "one\n");
  const api = createApiClient(
    nodeKubeconfig(server.url, {
      clientCertificate: undefined,
      clientKey: undefined,
      token: "one",
      tokenFile,
    }),
    { clock },
  );
  const auth = () => server.requests.at(-1)!.headers.authorization;
  try {
    await api.request("GET", "/version");
    assert.equal(auth(), "Bearer one");
    await Deno.writeTextFile(tokenFile, "two\n");
    clock.step(59_999);
    await api.request("GET", "/version");
    assert.equal(auth(), "Bearer one", "cached for a minute");
    clock.step(1);
    await api.request("GET", "/version");
    assert.equal(auth(), "Bearer two", "re-read after a minute");
    await Deno.remove(tokenFile);
    clock.step(60_000);
    await api.request("GET", "/version");
    assert.equal(auth(), "Bearer two", "a failed re-read keeps the last token");
  } finally {
    api.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("ApiClient.list() sends the selectors and returns the items and resourceVersion", async () => {
  await using server = await startFakeApiServer(pki, (_req, res) =>
    sendJson(res, 200, {
      kind: "PodList",
      apiVersion: "v1",
      metadata: { resourceVersion: "2050" },
      items: [pod("a"), pod("b")],
    }));
  const api = createApiClient(nodeKubeconfig(server.url), { clock: new FakeClock() });
  try {
    const list = await api.list<Pod>({ resource: "pods" }, {
      fieldSelector: "spec.nodeName=n1",
      labelSelector: "app=web",
      limit: 500,
    });
    assert.equal(list.metadata.resourceVersion, "2050");
    assert.deepEqual(list.items.map((p) => p.metadata?.name), ["a", "b"]);
  } finally {
    api.close();
  }
  assert.equal(
    server.requests[0].url,
    "/api/v1/pods?labelSelector=app%3Dweb&fieldSelector=spec.nodeName%3Dn1&limit=500",
  );
});

Deno.test("ApiClient.watch() streams events split across writes, bookmarks and a 410 ERROR", async () => {
  const expired = {
    kind: "Status",
    apiVersion: "v1",
    status: "Failure",
    message: "too old resource version: 1 (2050)",
    reason: "Expired",
    code: 410,
  };
  await using server = await startFakeApiServer(pki, (_req, res) => {
    res.writeHead(200, { "content-type": "application/json", "transfer-encoding": "chunked" });
    const text = JSON.stringify({ type: "ADDED", object: pod("a", "5") }) + "\n" +
      JSON.stringify({ type: "MODIFIED", object: pod("a", "6") }) + "\n" +
      JSON.stringify({
        type: "BOOKMARK",
        object: { kind: "Pod", metadata: { resourceVersion: "7" } },
      }) +
      "\n" + JSON.stringify({ type: "ERROR", object: expired }) + "\n";
    for (let i = 0; i < text.length; i += 50) res.write(text.slice(i, i + 50));
    res.end();
  });
  const api = createApiClient(nodeKubeconfig(server.url), { clock: new FakeClock() });
  const events: WatchEvent<Pod>[] = [];
  try {
    const watch = await api.watch<Pod>({ resource: "pods" }, {
      fieldSelector: "spec.nodeName=n1",
      resourceVersion: "4",
      allowWatchBookmarks: true,
      timeoutSeconds: 300,
    });
    for await (const ev of watch) events.push(ev);
  } finally {
    api.close();
  }
  assert.equal(
    server.requests[0].url,
    "/api/v1/pods?watch=true&fieldSelector=spec.nodeName%3Dn1&resourceVersion=4&allowWatchBookmarks=true&timeoutSeconds=300",
  );
  assert.deepEqual(events.map((e) => e.type), ["ADDED", "MODIFIED", "BOOKMARK", "ERROR"]);
  assert.equal(events[1].object.metadata?.resourceVersion, "6");
  const last = events[3];
  assert.ok(last.type === "ERROR" && isResourceExpired(last.error));
});

Deno.test("ApiClient.watch() rejects with the Status when the server refuses the watch", async () => {
  await using server = await startFakeApiServer(
    pki,
    (_req, res) => sendStatus(res, 410, "Expired", "too old resource version: 1 (2050)"),
  );
  const api = createApiClient(nodeKubeconfig(server.url), { clock: new FakeClock() });
  try {
    const e = await rejection(api.watch({ resource: "pods" }, { resourceVersion: "1" }));
    assert.ok(isResourceExpired(e));
  } finally {
    api.close();
  }
});

Deno.test("ApiClient writes: create, replace, the three patch types and the status subresource", async () => {
  await using server = await startFakeApiServer(
    pki,
    (req, res) => sendJson(res, 200, JSON.parse(req.body)),
  );
  const api = createApiClient(nodeKubeconfig(server.url), { clock: new FakeClock() });
  const lease = { group: "coordination.k8s.io", resource: "leases", namespace: "kube-node-lease" };
  try {
    await api.create({ resource: "nodes" }, { metadata: { name: "n1" } });
    await api.replace({ ...lease, name: "n1" }, { metadata: { name: "n1" } }, {
      fieldManager: "denolet",
    });
    await api.patch(
      { resource: "nodes", name: "n1" },
      { metadata: { labels: { a: "b" } } },
      "merge",
    );
    await api.patchStatus(
      { resource: "nodes", name: "n1" },
      { status: { phase: "x" } },
      "strategic",
    );
    const ops = [{ op: "replace", path: "/status/phase", value: "Running" }];
    const back = await api.patchStatus<unknown>(
      { resource: "pods", namespace: "default", name: "web" },
      ops,
      "json",
      { dryRun: true },
    );
    assert.deepEqual(back, ops);
    assert.throws(() => api.patch({ resource: "pods", name: "x" }, {}, "json"), TypeError);
  } finally {
    api.close();
  }
  assert.deepEqual(
    server.requests.map((r) => [r.method, r.url, r.headers["content-type"]]),
    [
      ["POST", "/api/v1/nodes", "application/json"],
      [
        "PUT",
        "/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/n1?fieldManager=denolet",
        "application/json",
      ],
      ["PATCH", "/api/v1/nodes/n1", "application/merge-patch+json"],
      ["PATCH", "/api/v1/nodes/n1/status", "application/strategic-merge-patch+json"],
      [
        "PATCH",
        "/api/v1/namespaces/default/pods/web/status?dryRun=All",
        "application/json-patch+json",
      ],
    ],
  );
  assert.deepEqual(JSON.parse(server.requests[2].body), { metadata: { labels: { a: "b" } } });
});

Deno.test("ApiClient.delete() sends DeleteOptions with preconditions; a stale UID is a Conflict", async () => {
  await using server = await startFakeApiServer(pki, (req, res) => {
    const opts = JSON.parse(req.body);
    if (opts.preconditions?.uid !== "uid-web") {
      return sendStatus(
        res,
        409,
        "Conflict",
        `Operation cannot be fulfilled on pods "web": Precondition failed: UID in precondition: ${opts.preconditions?.uid}, UID in object meta: uid-web`,
        { details: { name: "web", kind: "pods" } },
      );
    }
    sendJson(res, 200, pod("web"));
  });
  const api = createApiClient(nodeKubeconfig(server.url), { clock: new FakeClock() });
  const ref = { resource: "pods", namespace: "default", name: "web" };
  try {
    const deleted = await api.delete<Pod>(ref, {
      gracePeriodSeconds: 0,
      preconditions: { uid: "uid-web" },
    });
    assert.equal(deleted.metadata?.uid, "uid-web");
    const e = await rejection(
      api.delete(ref, { gracePeriodSeconds: 0, preconditions: { uid: "old" } }),
    );
    assert.ok(!isAlreadyExists(e));
    assert.ok(isConflict(e));
    assert.match(
      e.message,
      /^DELETE \/api\/v1\/namespaces\/default\/pods\/web: 409 Conflict: .*Precondition failed/,
    );
  } finally {
    api.close();
  }
  assert.equal(server.requests[0].method, "DELETE");
  assert.deepEqual(JSON.parse(server.requests[0].body), {
    apiVersion: "v1",
    kind: "DeleteOptions",
    gracePeriodSeconds: 0,
    preconditions: { uid: "uid-web" },
  });
});

Deno.test("ApiClient turns failure answers into typed ApiStatusErrors", async (t) => {
  const answers: Record<string, (res: Parameters<typeof sendJson>[0]) => void> = {
    "/401": (res) => sendStatus(res, 401, "Unauthorized", "Unauthorized"),
    "/403": (res) =>
      sendStatus(
        res,
        403,
        "Forbidden",
        'nodes "other" is forbidden: User "system:node:n1" cannot patch',
      ),
    "/404": (res) => sendStatus(res, 404, "NotFound", 'pods "x" not found'),
    "/409": (res) => sendStatus(res, 409, "AlreadyExists", 'nodes "n1" already exists'),
    "/410": (res) => sendStatus(res, 410, "Gone", "gone"),
    "/429": (res) => {
      res.writeHead(429, { "content-type": "application/json", "retry-after": "3" });
      res.end(
        JSON.stringify({
          kind: "Status",
          status: "Failure",
          reason: "TooManyRequests",
          code: 429,
          message: "slow down",
        }),
      );
    },
    "/502": (res) => {
      res.writeHead(502, { "content-type": "text/html" });
      res.end("<html>Bad Gateway</html>\nmore");
    },
  };
  await using server = await startFakeApiServer(pki, (req, res) => answers[req.url](res));
  const api = createApiClient(nodeKubeconfig(server.url), { clock: new FakeClock() });
  const cases: [string, (e: unknown) => boolean, string][] = [
    ["/401", isUnauthorized, "GET /401: 401 Unauthorized: Unauthorized"],
    [
      "/403",
      isForbidden,
      'GET /403: 403 Forbidden: nodes "other" is forbidden: User "system:node:n1" cannot patch',
    ],
    ["/404", isNotFound, 'GET /404: 404 NotFound: pods "x" not found'],
    ["/409", isAlreadyExists, 'GET /409: 409 AlreadyExists: nodes "n1" already exists'],
    ["/410", isResourceExpired, "GET /410: 410 Gone: gone"],
    ["/429", isTooManyRequests, "GET /429: 429 TooManyRequests: slow down"],
    [
      "/502",
      (e) => e instanceof ApiStatusError && e.code === 502,
      "GET /502: 502 Unknown: <html>Bad Gateway</html>",
    ],
  ];
  try {
    for (const [path, is, message] of cases) {
      await t.step(path, async () => {
        const e = await rejection(api.request("GET", path));
        assert.ok(e instanceof ApiStatusError);
        assert.ok(is(e), `${path} predicate`);
        assert.equal(e.message, message);
        if (path === "/429") assert.equal(e.retryAfterSeconds, 3);
        for (const [other, otherIs] of cases) {
          if (other !== path && other !== "/502") assert.ok(!otherIs(e), `${path} is not ${other}`);
        }
      });
    }
  } finally {
    api.close();
  }
});

Deno.test("ApiClient names the request when the server cannot be reached", async () => {
  await using server = await startFakeApiServer(pki);
  const url = server.url;
  await server.close();
  const api = createApiClient(nodeKubeconfig(url), { clock: new FakeClock() });
  try {
    const e = await rejection(api.get({ resource: "nodes", name: "n1" }));
    assert.ok(!(e instanceof ApiStatusError));
    assert.match(e.message, /^GET \/api\/v1\/nodes\/n1: /);
  } finally {
    api.close();
  }
});

/** A transport that answers every request with `answer` (no socket). */
function fakeTransport(answer: (url: string, init: RequestInit) => Promise<Response>) {
  const urls: string[] = [];
  return {
    urls,
    transport: {
      server: "https://api.test",
      fetch: (url: string, init: RequestInit) => {
        urls.push(url);
        return answer(url, init);
      },
    },
  };
}

Deno.test("ApiClient waits for the token bucket on the injected clock before each request", async () => {
  const clock = new FakeClock();
  const { urls, transport } = fakeTransport(() => Promise.resolve(Response.json({})));
  const { TokenBucket } = await import("../../src/client/token_bucket.ts");
  const api = new ApiClient(transport, {
    clock,
    rateLimiter: new TokenBucket({ qps: 2, burst: 1, clock }),
  });
  const first = api.get({ resource: "nodes", name: "a" });
  const second = api.get({ resource: "nodes", name: "b" });
  await first;
  assert.deepEqual(urls, ["https://api.test/api/v1/nodes/a"]);
  await clock.advance(499);
  assert.equal(urls.length, 1, "the second waits for the next token");
  await clock.advance(1);
  await second;
  assert.deepEqual(urls.at(-1), "https://api.test/api/v1/nodes/b");
});

Deno.test("ApiClient's request deadline and the caller's signal end a request that hangs", async () => {
  const clock = new FakeClock();
  const { transport } = fakeTransport((_url, init) =>
    new Promise((_ok, fail) =>
      init.signal!.addEventListener("abort", () => fail(new Error("aborted")))
    )
  );
  const api = new ApiClient(transport, { clock, requestTimeoutMs: 10_000 });
  const hanging = rejection(api.get({ resource: "nodes", name: "a" }));
  await clock.advance(10_000);
  assert.equal((await hanging).message, "GET /api/v1/nodes/a: no answer within 10000 ms");
  const stop = new AbortController();
  const stopped = rejection(api.get({ resource: "nodes", name: "a" }, { signal: stop.signal }));
  stop.abort(new Error("agent stopping"));
  assert.equal((await stopped).message, "agent stopping");
  assert.equal(clock.pendingTimers, 0, "deadline timers are cancelled");
});
