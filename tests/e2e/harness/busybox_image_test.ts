import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { buildBusyboxImage, BUSYBOX_IMAGE_NAME } from "./busybox_image.ts";

let busyboxMissing = "";
try {
  await Deno.stat("/bin/busybox");
} catch {
  busyboxMissing = "/bin/busybox is missing (install busybox-static)";
  console.error(`\n!!! SKIPPED busybox_image tests: ${busyboxMissing}\n`);
}

function sha256(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

async function tar(args: string[], cwd: string): Promise<string> {
  const out = await new Deno.Command("tar", { args, cwd, stdout: "piped" }).output();
  assert.ok(out.success, `tar ${args.join(" ")} failed`);
  return new TextDecoder().decode(out.stdout);
}

Deno.test({
  name: "buildBusyboxImage() writes an OCI layout whose blobs match their digests",
  ignore: busyboxMissing !== "",
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "denolet-busybox-test-" });
    try {
      const image = await buildBusyboxImage(`${dir}/image.tar`);
      assert.equal(image.name, BUSYBOX_IMAGE_NAME);
      await Deno.mkdir(`${dir}/x`);
      await tar(["-xf", image.path], `${dir}/x`);
      const layout = JSON.parse(await Deno.readTextFile(`${dir}/x/oci-layout`));
      assert.equal(layout.imageLayoutVersion, "1.0.0");
      const index = JSON.parse(await Deno.readTextFile(`${dir}/x/index.json`));
      const entry = index.manifests[0];
      assert.equal(entry.digest, image.manifestDigest);
      assert.equal(entry.annotations["io.containerd.image.name"], BUSYBOX_IMAGE_NAME);
      assert.equal(entry.annotations["org.opencontainers.image.ref.name"], "e2e");

      const blob = (digest: string) =>
        Deno.readFile(`${dir}/x/blobs/sha256/${digest.replace("sha256:", "")}`);
      const manifestBytes = await blob(image.manifestDigest);
      assert.equal(`sha256:${sha256(manifestBytes)}`, image.manifestDigest);
      const manifest = JSON.parse(new TextDecoder().decode(manifestBytes));
      assert.equal(manifest.config.digest, image.configDigest);
      const config = JSON.parse(new TextDecoder().decode(await blob(image.configDigest)));
      assert.deepEqual(config.config.Cmd, ["sleep", "3600"]);
      const layer = await blob(manifest.layers[0].digest);
      assert.equal(`sha256:${sha256(layer)}`, manifest.layers[0].digest);
      assert.equal(config.rootfs.diff_ids[0], manifest.layers[0].digest);

      await Deno.writeFile(`${dir}/layer.tar`, layer);
      const files = (await tar(["-tf", `${dir}/layer.tar`], dir)).split("\n");
      for (const f of ["./bin/busybox", "./bin/sh", "./bin/sleep", "./bin/httpd", "./etc/passwd"]) {
        assert.ok(files.includes(f), `${f} not in the layer`);
      }
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "buildBusyboxImage() is reproducible: the same input gives the same digests",
  ignore: busyboxMissing !== "",
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "denolet-busybox-test-" });
    try {
      const a = await buildBusyboxImage(`${dir}/a.tar`);
      const b = await buildBusyboxImage(`${dir}/b.tar`);
      assert.equal(a.manifestDigest, b.manifestDigest);
      const c = await buildBusyboxImage(`${dir}/c.tar`, { cmd: ["httpd", "-f"] });
      assert.notEqual(c.configDigest, a.configDigest);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
