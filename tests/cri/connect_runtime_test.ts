import assert from "node:assert/strict";
import {
  checkRuntimeVersion,
  connectRuntime,
  CRI_API_VERSION,
} from "../../src/cri/connect_runtime.ts";
import {
  InvalidResponseError,
  UnavailableError,
  VersionNotSupportedError,
} from "../../src/cri/errors.ts";
import { KUBE_RUNTIME_API_VERSION } from "../../src/cri/remote_runtime_service.ts";
import type { VersionResponse } from "../../src/cri/types.ts";
import { tempSocketDir, TestServer } from "./_test_server.ts";
import { RealClock } from "../../src/util/clock.ts";

const containerd: VersionResponse = {
  version: "0.1.0",
  runtimeName: "containerd",
  runtimeVersion: "v1.6.20",
  runtimeApiVersion: "v1",
};

Deno.test("connectRuntime() checks Version and opens both services", async () => {
  await using dir = await tempSocketDir();
  const versions: string[] = [];
  const server = await TestServer.start(dir.path("cri.sock"), {
    runtime: {
      Version: (req) => {
        versions.push(req.version ?? "");
        return containerd;
      },
    },
    image: { ListImages: () => ({ images: [] }) },
  });
  const connection = await connectRuntime(server.endpoint, { clock: new RealClock() });
  try {
    assert.deepStrictEqual(connection.version, containerd);
    assert.deepStrictEqual(versions, [KUBE_RUNTIME_API_VERSION]);
    assert.deepStrictEqual(await connection.image.listImages(), []);
  } finally {
    connection.close();
    await server.stop();
  }
});

Deno.test("connectRuntime() uses imageServiceEndpoint for the image service", async () => {
  await using dir = await tempSocketDir();
  const runtime = await TestServer.start(dir.path("runtime.sock"), {
    runtime: { Version: () => containerd },
  });
  const images = await TestServer.start(dir.path("images.sock"), {
    image: { ListImages: () => ({ images: [{ id: "sha256:from-image-socket", size: 1 }] }) },
  });
  const connection = await connectRuntime(runtime.endpoint, {
    clock: new RealClock(),
    imageServiceEndpoint: images.socketPath,
  });
  try {
    assert.deepStrictEqual((await connection.image.listImages()).map((i) => i.id), [
      "sha256:from-image-socket",
    ]);
  } finally {
    connection.close();
    await runtime.stop();
    await images.stop();
  }
});

Deno.test("connectRuntime() refuses a runtime that speaks another CRI version", async (t) => {
  const cases: [string, Partial<VersionResponse>][] = [
    ["v1alpha2 runtime API", { runtimeApiVersion: "v1alpha2" }],
    ["version 0.2.0", { version: "0.2.0" }],
  ];
  for (const [name, change] of cases) {
    await t.step(name, async () => {
      await using dir = await tempSocketDir();
      const server = await TestServer.start(dir.path("cri.sock"), {
        runtime: { Version: () => ({ ...containerd, ...change }) },
      });
      try {
        await assert.rejects(
          connectRuntime(server.endpoint, { clock: new RealClock() }),
          (err: unknown) => {
            assert(err instanceof VersionNotSupportedError);
            assert.match(err.message, /containerd v1\.6\.20/);
            assert.match(
              err.message,
              new RegExp(
                `'${change.version ?? "0.1.0"}' with runtime API '${
                  change.runtimeApiVersion ?? "v1"
                }'`,
              ),
            );
            assert.match(err.message, /needs version '0\.1\.0' with runtime API 'v1'/);
            return true;
          },
        );
      } finally {
        await server.stop();
      }
    });
  }
});

Deno.test("connectRuntime() rejects an incomplete Version answer", async () => {
  await using dir = await tempSocketDir();
  const server = await TestServer.start(dir.path("cri.sock"), {
    runtime: { Version: () => ({ ...containerd, runtimeVersion: "" }) },
  });
  try {
    await assert.rejects(
      connectRuntime(server.endpoint, { clock: new RealClock() }),
      (err: unknown) => {
        assert(err instanceof InvalidResponseError);
        assert.equal(err.field, "runtimeVersion");
        return true;
      },
    );
  } finally {
    await server.stop();
  }
});

Deno.test("connectRuntime() fails with UnavailableError when nothing listens", async () => {
  await using dir = await tempSocketDir();
  await assert.rejects(
    connectRuntime(`unix://${dir.path("absent.sock")}`, {
      clock: new RealClock(),
      runtimeRequestTimeoutMs: 2000,
    }),
    UnavailableError,
  );
});

Deno.test("connectRuntime() refuses non-unix endpoints before dialing", async () => {
  await assert.rejects(
    connectRuntime("tcp://127.0.0.1:10010", { clock: new RealClock() }),
    TypeError,
  );
  await assert.rejects(
    connectRuntime("/run/x.sock", {
      clock: new RealClock(),
      imageServiceEndpoint: "npipe:////./pipe/x",
    }),
    TypeError,
  );
});

Deno.test("checkRuntimeVersion() accepts exactly version 0.1.0 of API v1", () => {
  assert.equal(CRI_API_VERSION, "v1");
  checkRuntimeVersion(containerd);
  assert.throws(
    () => checkRuntimeVersion({ ...containerd, runtimeApiVersion: "v1alpha2" }),
    VersionNotSupportedError,
  );
});
