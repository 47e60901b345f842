import assert from "node:assert/strict";
import { parseEndpoint } from "../../src/cri/endpoint.ts";

Deno.test("parseEndpoint() accepts unix sockets and bare absolute paths", async (t) => {
  const cases: [string, string][] = [
    ["unix:///run/containerd/containerd.sock", "/run/containerd/containerd.sock"],
    ["unix:/run/crio/crio.sock", "/run/crio/crio.sock"],
    ["UNIX:///var/run/x.sock", "/var/run/x.sock"],
    ["/run/containerd/containerd.sock", "/run/containerd/containerd.sock"],
    ["  unix:///tmp/a.sock  ", "/tmp/a.sock"],
    ["unix:////tmp//b.sock", "/tmp/b.sock"],
  ];
  for (const [endpoint, path] of cases) {
    await t.step(endpoint, () => {
      assert.deepStrictEqual(parseEndpoint(endpoint), { path, target: `unix://${path}` });
    });
  }
});

Deno.test("parseEndpoint() refuses other schemes, relative paths and empty input", async (t) => {
  const cases: [string, RegExp][] = [
    [
      "tcp://localhost:3735",
      /^only unix socket endpoints are supported: got 'tcp:\/\/localhost:3735'$/,
    ],
    ["npipe:////./pipe/containerd", /only unix socket endpoints are supported: got 'npipe:/],
    ["http://127.0.0.1/", /only unix socket endpoints are supported/],
    ["unix://relative/x.sock", /the socket path must be absolute/],
    ["run/x.sock", /the socket path must be absolute/],
    ["unix://", /the socket path must be absolute/],
    ["unix:///x.sock?y=1", /queries and fragments are not supported/],
    ["", /it is empty/],
    ["   ", /it is empty/],
  ];
  for (const [endpoint, message] of cases) {
    await t.step(JSON.stringify(endpoint), () => {
      assert.throws(() => parseEndpoint(endpoint), (err: unknown) => {
        assert(err instanceof TypeError);
        assert.match(err.message, message);
        return true;
      });
    });
  }
});
