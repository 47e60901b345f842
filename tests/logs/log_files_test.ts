import assert from "node:assert/strict";
import { listLogFiles } from "../../src/logs/log_files.ts";
import { tempLogDir } from "./_log_fixture.ts";

Deno.test("listLogFiles() lists rotated files oldest first, then the live file", async () => {
  await using dir = await tempLogDir();
  const live = `${dir.path}/0.log`;
  for (
    const name of [
      "0.log",
      "0.log.20261201-120000",
      "0.log.20261130-235959.gz",
      "0.log.20261201-000000.gz",
      "0.log.20261201-000000", // compression in progress: the plain one is used
      "0.log.20261201-130000.gz.tmp",
      "0.log.old",
      "1.log",
      "1.log.20261201-110000",
    ]
  ) await Deno.writeTextFile(`${dir.path}/${name}`, "");
  const files = await listLogFiles(live);
  assert.deepEqual(files, [
    { path: `${dir.path}/0.log.20261130-235959.gz`, compressed: true },
    { path: `${dir.path}/0.log.20261201-000000`, compressed: false },
    { path: `${dir.path}/0.log.20261201-120000`, compressed: false },
    { path: live, compressed: false },
  ]);
});

Deno.test("listLogFiles() gives the live path alone when its directory does not exist", async () => {
  await using dir = await tempLogDir();
  const live = `${dir.path}/gone/0.log`;
  assert.deepEqual(await listLogFiles(live), [{ path: live, compressed: false }]);
});
