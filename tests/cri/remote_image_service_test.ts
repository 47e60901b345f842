import assert from "node:assert/strict";
import { status as code } from "@grpc/grpc-js";
import { CriError, InvalidResponseError, NotFoundError } from "../../src/cri/errors.ts";
import { RemoteImageService } from "../../src/cri/remote_image_service.ts";
import { FakeClock, RealClock } from "../../src/util/clock.ts";
import { Status, tempSocketDir, TestServer } from "./_test_server.ts";

Deno.test("pullImage() returns the image ref and passes auth and sandbox config", async () => {
  await using dir = await tempSocketDir();
  const seen: unknown[] = [];
  await using server = await TestServer.start(dir.path("cri.sock"), {
    image: {
      PullImage: (req) => {
        seen.push(req);
        return { imageRef: "sha256:1234" };
      },
    },
  });
  using client = new RemoteImageService(server.endpoint, { clock: new RealClock() });
  const ref = await client.pullImage({ image: "busybox:1.36" }, {
    auth: { username: "u", password: "p" },
    sandboxConfig: { metadata: { name: "web", namespace: "default", uid: "u1", attempt: 0 } },
  });
  assert.equal(ref, "sha256:1234");
  const req = seen[0] as {
    image: { image: string };
    auth: { username: string; password: string };
    sandboxConfig: { metadata: { uid: string } };
  };
  assert.equal(req.image.image, "busybox:1.36");
  assert.equal(req.auth.username, "u");
  assert.equal(req.auth.password, "p");
  assert.equal(req.sandboxConfig.metadata.uid, "u1");
});

Deno.test("pullImage() reduces Unknown errors to the runtime's message and rejects an empty ref", async () => {
  await using dir = await tempSocketDir();
  await using server = await TestServer.start(dir.path("cri.sock"), {
    image: {
      PullImage: (req) => {
        switch (req.image?.image) {
          case "unknown":
            throw new Status(code.UNKNOWN, "failed to resolve reference: RegistryUnavailable");
          case "missing":
            throw new Status(code.NOT_FOUND, "no such image");
          default:
            return { imageRef: "" };
        }
      },
    },
  });
  using client = new RemoteImageService(server.endpoint, { clock: new RealClock() });
  await assert.rejects(client.pullImage({ image: "unknown" }), (err: unknown) => {
    assert(err instanceof CriError);
    assert.equal(err.code, code.UNKNOWN);
    assert.equal(err.message, "failed to resolve reference: RegistryUnavailable");
    return true;
  });
  await assert.rejects(client.pullImage({ image: "missing" }), NotFoundError);
  await assert.rejects(client.pullImage({ image: "empty" }), (err: unknown) => {
    assert(err instanceof InvalidResponseError);
    assert.equal(err.field, "imageRef");
    return true;
  });
});

Deno.test("pullImage() has no deadline and is cancelled by its signal", async () => {
  await using dir = await tempSocketDir();
  await using server = await TestServer.start(dir.path("cri.sock"), {
    image: {
      PullImage: (req) =>
        req.image?.image === "slow"
          // Answers after three request timeouts.
          ? new Promise((resolve) => setTimeout(() => resolve({ imageRef: "sha256:slow" }), 150))
          : new Promise(() => {}),
    },
  });
  using client = new RemoteImageService(server.endpoint, {
    clock: new RealClock(),
    runtimeRequestTimeoutMs: 50,
  });
  assert.equal(await client.pullImage({ image: "slow" }), "sha256:slow");
  const controller = new AbortController();
  const pull = client.pullImage({ image: "forever" }, { signal: controller.signal });
  const reason = new DOMException("pod deleted", "AbortError");
  setTimeout(() => controller.abort(reason), 10);
  await assert.rejects(pull, (err: unknown) => err === reason);
});

Deno.test("imageStatus() returns null for an absent image and rejects one without id or size", async () => {
  await using dir = await tempSocketDir();
  await using server = await TestServer.start(dir.path("cri.sock"), {
    image: {
      ImageStatus: (req) => {
        switch (req.image?.image) {
          case "absent":
            return {};
          case "nosize":
            return { image: { id: "sha256:1", size: 0 } };
          default:
            return {
              image: { id: "sha256:2", size: 42, repoTags: ["busybox:latest"] },
              info: { a: "b" },
            };
        }
      },
    },
  });
  using client = new RemoteImageService(server.endpoint, { clock: new RealClock() });
  assert.equal((await client.imageStatus({ image: "absent" })).image, null);
  const found = await client.imageStatus({ image: "busybox" }, true);
  assert.equal(found.image?.size, 42);
  assert.deepStrictEqual(found.image?.repoTags, ["busybox:latest"]);
  assert.deepStrictEqual(found.info, { a: "b" });
  await assert.rejects(client.imageStatus({ image: "nosize" }), (err: unknown) => {
    assert(err instanceof InvalidResponseError);
    assert.equal(err.field, "image.size");
    return true;
  });
});

Deno.test("listImages(), removeImage() and imageFsInfo() reach their RPCs and record operations", async () => {
  await using dir = await tempSocketDir();
  const removed: string[] = [];
  await using server = await TestServer.start(dir.path("cri.sock"), {
    image: {
      ListImages: (req) => ({
        images: [{ id: "sha256:1", size: 1, repoTags: [req.filter?.image?.image ?? "all"] }],
      }),
      RemoveImage: (req) => {
        removed.push(req.image?.image ?? "");
        return {};
      },
      ImageFsInfo: () => ({
        imageFilesystems: [{
          timestamp: 1,
          fsId: { mountpoint: "/var/lib/containerd" },
          usedBytes: { value: 2 ** 40 },
        }],
      }),
    },
  });
  const operations: string[] = [];
  using client = new RemoteImageService(server.endpoint, {
    clock: new FakeClock(),
    onOperation: (op) => operations.push(op),
  });
  assert.deepStrictEqual((await client.listImages()).map((i) => i.repoTags), [["all"]]);
  assert.deepStrictEqual(
    (await client.listImages({ image: { image: "busybox" } })).map((i) => i.repoTags),
    [["busybox"]],
  );
  await client.removeImage({ image: "sha256:1" });
  assert.deepStrictEqual(removed, ["sha256:1"]);
  const fs = await client.imageFsInfo();
  assert.equal(fs.imageFilesystems[0].usedBytes?.value, 2 ** 40);
  assert.equal(fs.imageFilesystems[0].inodesUsed, null);
  assert.deepStrictEqual(fs.containerFilesystems, []);
  assert.deepStrictEqual(operations, [
    "list_images",
    "list_images",
    "remove_image",
    "image_fs_info",
  ]);
});
