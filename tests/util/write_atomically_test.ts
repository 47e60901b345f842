import assert from "node:assert/strict";
import { writeTextFileAtomically } from "../../src/util/write_atomically.ts";

Deno.test("writeTextFileAtomically() replaces the content with the mode asked for, and leaves no temp file when it fails", async () => {
  const dir = await Deno.makeTempDir({ prefix: "denolet-atomic-" });
  try {
    await writeTextFileAtomically(`${dir}/key`, "old", 0o644);
    await writeTextFileAtomically(`${dir}/key`, "new", 0o600);
    assert.equal(await Deno.readTextFile(`${dir}/key`), "new");
    assert.equal((await Deno.stat(`${dir}/key`)).mode! & 0o777, 0o600);
    // A directory in the way: the rename fails, the error is thrown, nothing is left behind.
    await Deno.mkdir(`${dir}/taken/inside`, { recursive: true });
    await assert.rejects(writeTextFileAtomically(`${dir}/taken`, "x"));
    const names = [...Deno.readDirSync(dir)].map((e) => e.name).sort();
    assert.deepEqual(names, ["key", "taken"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
