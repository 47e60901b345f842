/** FileSource's onObjects: the ConfigMaps and Secrets of the static pod directory, as a set. */

import assert from "node:assert/strict";
import { join } from "node:path";
import type { ConfigMap, Secret } from "kubernetes-types/core/v1.d.ts";
import { localObjectKey } from "../../src/config/_local_object.ts";
import {
  configMapYaml,
  fileSource,
  names,
  podYaml,
  secretYaml,
  startRun,
  waitFor,
  withTempDir,
} from "./_helpers.ts";

type Objects = (ConfigMap | Secret)[];
const keys = (objects: Objects | undefined) => (objects ?? []).map(localObjectKey);

/** A file source whose onObjects calls are recorded in `calls`. */
function recordingSource(dir: string) {
  const calls: Objects[] = [];
  const source = fileSource(dir, { onObjects: (objects) => calls.push(objects) });
  return { ...source, calls };
}

Deno.test("FileSource calls onObjects once after the first relist, even with no objects", async () => {
  await withTempDir(async (dir) => {
    await Deno.writeTextFile(join(dir, "web.yaml"), podYaml("web"));
    const { src, calls } = recordingSource(dir);
    assert.deepEqual(names(await src.listOnce()), ["web-node-1"]);
    assert.deepEqual(calls, [[]]);
    await src.listOnce();
    await src.handleEvent(join(dir, "web.yaml"));
    assert.equal(calls.length, 1, "no change, no call");
  });
});

Deno.test("FileSource calls onObjects with the full set on add, edit and remove", async () => {
  await withTempDir(async (dir) => {
    const cfg = join(dir, "cfg.yaml");
    const creds = join(dir, "creds.yaml");
    const { src, calls, clock } = recordingSource(dir);
    await src.listOnce();
    await Deno.writeTextFile(cfg, configMapYaml("cfg", { mode: "a" }));
    await src.handleEvent(cfg);
    assert.deepEqual(keys(calls.at(-1)), ["ConfigMap default/cfg"]);
    await Deno.writeTextFile(creds, secretYaml("creds", { pw: "p" }));
    await src.handleEvent(creds);
    assert.deepEqual(keys(calls.at(-1)), ["ConfigMap default/cfg", "Secret default/creds"]);
    const secretBefore = calls.at(-1)![1];
    // Rewritten with the same content: the same objects, no call.
    await Deno.writeTextFile(cfg, configMapYaml("cfg", { mode: "a" }));
    await src.handleEvent(cfg);
    assert.equal(calls.length, 3);
    await Deno.writeTextFile(cfg, configMapYaml("cfg", { mode: "b" }));
    await src.handleEvent(cfg);
    assert.equal(calls.length, 4);
    assert.equal((calls[3][0] as ConfigMap).data?.mode, "b");
    assert.equal(calls[3][1], secretBefore, "an unchanged object keeps its identity");
    // A pod beside them is no object change.
    await Deno.writeTextFile(join(dir, "web.yaml"), podYaml("web"));
    assert.deepEqual(names(await src.handleEvent(join(dir, "web.yaml"))), ["web-node-1"]);
    assert.equal(calls.length, 4);
    // A removed file's objects stay through the grace period, then go.
    await Deno.remove(cfg);
    await src.handleEvent(cfg);
    assert.equal(calls.length, 4, "kept during the grace period");
    await clock.advance(1_000);
    await src.removeExpired();
    assert.deepEqual(calls.map(keys).at(-1), ["Secret default/creds"]);
    await src.listOnce();
    assert.equal(calls.length, 5);
  });
});

Deno.test("FileSource.run() hands over the objects before the pods that read them, and never as pods", async () => {
  await withTempDir(async (dir) => {
    const file = join(dir, "app.yaml");
    await Deno.writeTextFile(file, configMapYaml("cfg", { a: "1" }) + "---\n" + podYaml("app"));
    const order: string[] = [];
    const { src, watch } = fileSource(dir, {
      onObjects: (objects) => order.push(`objects ${keys(objects).join(",")}`),
    });
    const { sent, stop } = startRun(src, (pods) => order.push(`pods ${names(pods).join(",")}`));
    await waitFor(() => sent.length === 1 && watch.calls.length === 1, "first state");
    await Deno.writeTextFile(
      file,
      configMapYaml("cfg", { a: "1" }) + "---\n" + configMapYaml("new", { b: "2" }) + "---\n" +
        podYaml("app", "busybox:1.37"),
    );
    watch.push("modify", file);
    await waitFor(() => sent.length === 2, "the edit");
    await stop();
    assert.deepEqual(order, [
      "objects ConfigMap default/cfg",
      "pods app-node-1",
      "objects ConfigMap default/cfg,ConfigMap default/new",
      "pods app-node-1",
    ]);
    assert.ok(sent.flat().every((pod) => pod.kind === "Pod"));
  });
});

Deno.test("FileSource logs a throwing onObjects and goes on serving pods", async () => {
  await withTempDir(async (dir) => {
    await Deno.writeTextFile(join(dir, "app.yaml"), podYaml("app"));
    const { src, logger } = fileSource(dir, {
      onObjects: () => {
        throw new Error("store closed");
      },
    });
    assert.deepEqual(names(await src.listOnce()), ["app-node-1"]);
    const errors = logger.records.filter((r) => r.severity === "error");
    assert.equal(errors.length, 1);
    assert.equal(errors[0].message, "Local ConfigMap and Secret receiver failed");
    assert.match(String(errors[0].fields.err), /store closed/);
  });
});
