/**
 * FileSource with several documents per file: Pods, PodLists, ConfigMaps and Secrets,
 * each document judged on its own (issue 11, item 4).
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import type { ConfigMap, Secret } from "kubernetes-types/core/v1.d.ts";
import { decodeBase64, localObjectKey } from "../../src/config/_local_object.ts";
import { configMapYaml, fileSource, names, podYaml, secretYaml, withTempDir } from "./_helpers.ts";

const keys = (objects: (ConfigMap | Secret)[]) => objects.map(localObjectKey);
const doc = (...docs: string[]) => docs.join("---\n");

Deno.test("FileSource serves the Pod, ConfigMap and Secret of one multi-document file", async () => {
  await withTempDir(async (dir) => {
    await Deno.writeTextFile(
      join(dir, "app.yaml"),
      doc(
        configMapYaml("cfg", { mode: "fast" }),
        secretYaml("creds", { pw: "p" }),
        podYaml("app"),
      ) +
        "---\n",
    );
    const { src, warnings } = fileSource(dir);
    assert.deepEqual(names(await src.listOnce()), ["app-node-1"]);
    assert.deepEqual(keys(src.objects()), ["ConfigMap default/cfg", "Secret default/creds"]);
    assert.deepEqual(warnings(), []);
    const [cm, secret] = src.objects() as [ConfigMap, Secret];
    assert.equal(cm.data?.mode, "fast");
    assert.equal(new TextDecoder().decode(decodeBase64(secret.data!.pw)), "p");
    assert.equal(secret.type, "Opaque");
  });
});

Deno.test("FileSource reads a ConfigMap alone in its file, and a PodList", async () => {
  await withTempDir(async (dir) => {
    await Deno.writeTextFile(
      join(dir, "cfg.yaml"),
      configMapYaml("cfg", { a: "1" }, "kube-system"),
    );
    await Deno.writeTextFile(
      join(dir, "list.json"),
      JSON.stringify({
        apiVersion: "v1",
        kind: "PodList",
        items: [{ metadata: { name: "x" }, spec: { containers: [{ name: "c", image: "i" }] } }],
      }),
    );
    const { src, warnings } = fileSource(dir);
    assert.deepEqual(names(await src.listOnce()), ["x-node-1"]);
    assert.deepEqual(keys(src.objects()), ["ConfigMap kube-system/cfg"]);
    assert.deepEqual(warnings(), []);
  });
});

Deno.test("FileSource names a bad document by file, document and field, and serves the others", async (t) => {
  const cases: [string, string, RegExp][] = [
    [
      "an invalid ConfigMap",
      configMapYaml("Bad_Name", { a: "1" }),
      /document 2 \(line 10\): invalid ConfigMap 'default\/Bad_Name': field 'metadata\.name' must consist of/,
    ],
    [
      "a YAML error",
      "apiVersion: v1\nkind: Pod\nmetadata: {name: x\n",
      /document 2 \(line 10\): invalid YAML at line \d+, column \d+: /,
    ],
    [
      "an unsupported kind",
      "apiVersion: apps/v1\nkind: Deployment\n",
      /document 2 \(line 10\): not a Pod, PodList, ConfigMap or Secret: kind is 'Deployment'/,
    ],
    [
      "a wrong apiVersion",
      "apiVersion: v2\nkind: Secret\n",
      /document 2 \(line 10\): not a Secret: apiVersion is 'v2'/,
    ],
    [
      "a bad PodList item",
      "apiVersion: v1\nkind: PodList\nitems:\n- {metadata: {name: yy}}\n",
      /document 2 \(line 10\) items\[0\]: invalid pod: field 'spec/,
    ],
  ];
  for (const [what, bad, reason] of cases) {
    await t.step(what, async () => {
      await withTempDir(async (dir) => {
        const file = join(dir, "app.yaml");
        await Deno.writeTextFile(file, doc(podYaml("web"), bad, configMapYaml("cfg", { a: "1" })));
        const { src, logger } = fileSource(dir);
        assert.deepEqual(names(await src.listOnce()), ["web-node-1"]);
        assert.deepEqual(keys(src.objects()), ["ConfigMap default/cfg"]);
        await src.listOnce();
        const w = logger.records.filter((r) => r.severity === "warn");
        assert.equal(w.length, 1, w.map((r) => r.message).join("\n"));
        assert.ok(w[0].message.startsWith(`Cannot load static pod manifest '${file}': `));
        assert.match(w[0].message, reason);
        assert.ok(!w[0].message.includes("\n"));
      });
    });
  }
});

Deno.test("FileSource keeps the last good version of what a bad edit may have broken", async () => {
  await withTempDir(async (dir) => {
    const file = join(dir, "app.yaml");
    await Deno.writeTextFile(
      file,
      doc(podYaml("web"), configMapYaml("cfg", { a: "1" }), configMapYaml("other", { b: "2" })),
    );
    const { src, warnings } = fileSource(dir);
    await src.listOnce();
    const before = src.objects();
    // The edit breaks cfg: the new "other" is served, the old "cfg" is kept.
    await Deno.writeTextFile(
      file,
      doc(podYaml("web"), configMapYaml("cfg", { "a b": "1" }), configMapYaml("other", { b: "3" })),
    );
    assert.equal(await src.handleEvent(file), undefined, "the pod did not change");
    const during = src.objects() as ConfigMap[];
    assert.deepEqual(keys(during), ["ConfigMap default/other", "ConfigMap default/cfg"]);
    assert.equal(during[1], before[0], "the very object kept");
    assert.equal(during[0].data?.b, "3");
    const w = warnings();
    assert.equal(w.length, 1);
    assert.match(
      w[0],
      /field 'data\[a b\]' is not a valid key.*still serving the last good version of ConfigMap default\/cfg/,
    );
    // Fixed, with cfg removed on purpose: now it goes.
    await Deno.writeTextFile(file, doc(podYaml("web"), configMapYaml("other", { b: "3" })));
    await src.handleEvent(file);
    assert.deepEqual(keys(src.objects()), ["ConfigMap default/other"]);
  });
});

Deno.test("FileSource serves the first definition of an object, in file and in path order", async () => {
  await withTempDir(async (dir) => {
    await Deno.writeTextFile(
      join(dir, "10-a.yaml"),
      doc(configMapYaml("cfg", { v: "first" }), configMapYaml("cfg", { v: "again" })),
    );
    await Deno.writeTextFile(join(dir, "20-b.yaml"), configMapYaml("cfg", { v: "second" }));
    await Deno.writeTextFile(join(dir, "30-c.yaml"), secretYaml("cfg", { v: "a Secret" }));
    const { src, warnings } = fileSource(dir);
    await src.listOnce();
    const served = src.objects() as ConfigMap[];
    assert.deepEqual(keys(served), ["ConfigMap default/cfg", "Secret default/cfg"]);
    assert.equal(served[0].data?.v, "first");
    const w = warnings();
    assert.equal(w.length, 2, w.join("\n"));
    assert.match(
      w[0],
      /10-a\.yaml'.*document 2 \(line 8\): duplicate ConfigMap default\/cfg, already defined in document 1 \(line 1\)/,
    );
    assert.match(
      w[1],
      /20-b\.yaml'.*: duplicate ConfigMap default\/cfg, already defined in '.*10-a\.yaml'/,
    );
    await Deno.remove(join(dir, "10-a.yaml"));
    await src.listOnce();
    assert.equal((src.objects() as ConfigMap[])[0].data?.v, "second");
  });
});

Deno.test("FileSource skips empty documents and reports an all-empty file once", async () => {
  await withTempDir(async (dir) => {
    await Deno.writeTextFile(join(dir, "a.yaml"), "# header\n---\n" + podYaml("a") + "---\n---\n");
    await Deno.writeTextFile(join(dir, "b.yaml"), "---\n# nothing\n---\n");
    const { src, warnings } = fileSource(dir);
    assert.deepEqual(names(await src.listOnce()), ["a-node-1"]);
    const w = warnings();
    assert.equal(w.length, 1);
    assert.match(w[0], /b\.yaml'.*the manifest is empty/);
  });
});

Deno.test("FileSource names at most 20 bad documents of a file, then counts the rest", async () => {
  await withTempDir(async (dir) => {
    const bad = Array.from({ length: 30 }, (_, i) => `kind: Thing${i}\n`);
    await Deno.writeTextFile(join(dir, "many.yaml"), doc(podYaml("ok"), ...bad));
    const { src, warnings } = fileSource(dir);
    assert.deepEqual(names(await src.listOnce()), ["ok-node-1"]);
    const w = warnings();
    assert.equal(w.length, 21);
    assert.match(w[20], /and 10 more bad documents or items/);
  });
});

Deno.test("FileSource never logs a Secret's value, whatever is wrong with its document", async () => {
  const VALUE = "hunter2-SECRET-VALUE";
  const bad = [
    `apiVersion: v1\nkind: Secret\nmetadata:\n  name: a\ndata:\n  pw: ${VALUE}\n`,
    `apiVersion: v1\nkind: Secret\nmetadata:\n  name: b\nstringData:\n  pw: ${VALUE}\n   x: y\n`,
    `apiVersion: v1\nkind: Secret\nmetadata:\n  name: c\nstringData:\n  pw: "${VALUE}\\q"\n`,
    `apiVersion: v1\nkind: Secret\nmetadata:\n  name: d\nstringData:\n  pw: [${VALUE}\n`,
    `apiVersion: v1\nkind: Secret\nmetadata:\n  name: e\nstringData:\n  pw: ${VALUE}\n  ${VALUE}\n`,
    `apiVersion: v1\nkind: Secret\nmetadata:\n  name: f\nstringData:\n  pw: ${VALUE}\n  pw: x\n`,
    `apiVersion: v1\nkind: Secret\nmetadata:\n  name: g\nstringdata:\n  pw: ${VALUE}\n`,
    `apiVersion: v1\nkind: Secret\nmetadata:\n  name: h\n  annotations: {a: ${VALUE}, b: [1]}\n`,
    `apiVersion: v1\nkind: Secret\nmetadata:\n  name: i\nstringData:\n  pw: *${VALUE}\n`,
    `apiVersion: v1\nkind: Secret\nmetadata:\n  name: j\nstringData:\n  pw: !custom ${VALUE}\n`,
  ];
  await withTempDir(async (dir) => {
    for (const [i, text] of bad.entries()) {
      await Deno.writeTextFile(join(dir, `s${i}.yaml`), doc(podYaml(`p${i}`), text));
    }
    await Deno.writeTextFile(join(dir, "unterminated.yaml"), `a: "x\n---\n${bad[0]}`);
    const { src, logger } = fileSource(dir);
    await src.listOnce();
    await src.listOnce();
    const text = JSON.stringify(logger.records);
    assert.ok(logger.records.filter((r) => r.severity === "warn").length >= bad.length);
    assert.ok(!text.includes("hunter2"), text);
    assert.ok(!text.includes(btoa(VALUE)));
  });
});
