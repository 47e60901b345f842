import assert from "node:assert/strict";
import { isMountPoint } from "../../src/kuberuntime/_mount.ts";

Deno.test("isMountPoint() tells a mount point by its filesystem, without /proc", async () => {
  const dir = await Deno.makeTempDir({ prefix: "denolet-mount-" });
  try {
    await Deno.mkdir(`${dir}/plain`);
    assert.equal(await isMountPoint(`${dir}/plain`), false, "a plain directory");
    assert.equal(await isMountPoint(`${dir}/missing`), false, "a missing path");
    if (Deno.uid() === 0) {
      const mounted = await new Deno.Command("mount", {
        args: ["-t", "tmpfs", "tmpfs", `${dir}/plain`],
        stderr: "null",
      }).output();
      if (mounted.success) {
        try {
          assert.equal(await isMountPoint(`${dir}/plain`), true, "a tmpfs mounted on it");
          assert.equal(await isMountPoint(`${dir}/plain/`), true, "with a trailing slash");
        } finally {
          await new Deno.Command("umount", { args: [`${dir}/plain`] }).output();
        }
      }
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
