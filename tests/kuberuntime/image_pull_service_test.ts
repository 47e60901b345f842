import assert from "node:assert/strict";
import type { ImageService } from "../../src/cri/service.ts";
import type { ImageSpec, PodSandboxConfig } from "../../src/cri/types.ts";
import type { PullImageOptions } from "../../src/cri/service.ts";
import { criImagePullService } from "../../src/kuberuntime/image_pull_service.ts";

/** The two ImageService calls the adapter makes, recorded. */
function scripted(images: Record<string, { id: string; size: number }>) {
  const pulls: [ImageSpec, PullImageOptions | undefined][] = [];
  const service: Pick<ImageService, "imageStatus" | "pullImage"> = {
    imageStatus(spec) {
      const found = images[spec.image ?? ""];
      return Promise.resolve({
        image: found
          ? {
            ...found,
            repoTags: [],
            repoDigests: [],
            uid: null,
            username: "",
            spec: null,
            pinned: false,
          }
          : null,
        info: {},
      });
    },
    pullImage(spec, options) {
      pulls.push([spec, options]);
      return Promise.resolve(`sha256:${spec.image}`);
    },
  };
  return { service, pulls };
}

Deno.test("criImagePullService() reads refs and sizes from ImageStatus", async () => {
  const { service } = scripted({
    "app:1": { id: "sha256:aaa", size: 42 },
    "sha256:aaa": { id: "sha256:aaa", size: 42 },
  });
  const images = criImagePullService(service);
  assert.equal(await images.getImageRef("app:1"), "sha256:aaa");
  assert.equal(await images.getImageRef("missing:1"), "", "absent image: empty ref");
  assert.equal(await images.getImageSize("sha256:aaa"), 42);
  assert.equal(await images.getImageSize("sha256:gone"), 0, "absent image: size 0");
});

Deno.test("criImagePullService() pulls with the image as written and the pod's sandbox config", async () => {
  const { service, pulls } = scripted({});
  const images = criImagePullService(service);
  const sandboxConfig = {
    metadata: { name: "p", namespace: "ns", uid: "u1", attempt: 0 },
  } as PodSandboxConfig;
  const ac = new AbortController();
  const ref = await images.pullImage("app:latest", {
    userSpecifiedImage: "app",
    context: sandboxConfig,
    signal: ac.signal,
  });
  assert.equal(ref, "sha256:app:latest");
  assert.deepEqual(pulls, [[
    { image: "app:latest", userSpecifiedImage: "app" },
    { sandboxConfig, signal: ac.signal },
  ]]);
});
