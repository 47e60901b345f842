/** FileSource reading its path: the relist, bad files, UIDs and limits. */

import assert from "node:assert/strict";
import { join } from "node:path";
import { CONFIG_HASH_ANNOTATION, CONFIG_SOURCE_ANNOTATION } from "../../src/api/pod_helpers.ts";
import { FileSource } from "../../src/config/file.ts";
import { PodConfig } from "../../src/config/pod_config.ts";
import { FakeClock } from "../../src/util/clock.ts";
import { fileSource, images, names, podYaml, withTempDir } from "./_helpers.ts";

Deno.test("FileSource.listOnce() reads .yaml, .yml and .json files and applies static pod defaults", async () => {
  await withTempDir(async (dir) => {
    await Deno.writeTextFile(join(dir, "a.yaml"), podYaml("a"));
    await Deno.writeTextFile(join(dir, "b.YML"), podYaml("b"));
    await Deno.writeTextFile(
      join(dir, "c.json"),
      JSON.stringify({
        apiVersion: "v1",
        kind: "Pod",
        metadata: { name: "c", namespace: "kube-system" },
        spec: { containers: [{ name: "main", image: "nginx:1" }] },
      }),
    );
    await Deno.writeTextFile(join(dir, ".hidden.yaml"), podYaml("hidden"));
    await Deno.mkdir(join(dir, "sub.yaml"));
    await Deno.mkdir(join(dir, "nested"));
    await Deno.writeTextFile(join(dir, "nested", "d.yaml"), podYaml("d"));
    const { src, warnings } = fileSource(dir + "/");
    const pods = await src.listOnce();
    assert.deepEqual(names(pods), ["a-node-1", "b-node-1", "c-node-1"]);
    assert.deepEqual(warnings(), []);
    const a = pods[0];
    assert.equal(a.metadata?.namespace, "default");
    assert.equal(pods[2].metadata?.namespace, "kube-system");
    assert.equal(a.spec?.nodeName, "node-1");
    assert.match(a.metadata!.uid!, /^[0-9a-f]{32}$/);
    assert.equal(a.metadata?.annotations?.[CONFIG_SOURCE_ANNOTATION], "file");
    assert.match(a.metadata!.annotations![CONFIG_HASH_ANNOTATION], /^[0-9a-f]{32}$/);
    assert.deepEqual(a.spec?.tolerations, [{ operator: "Exists", effect: "NoExecute" }]);
    assert.equal(a.status?.phase, "Pending");
    assert.equal(a.spec?.restartPolicy, "Always", "API defaults applied");
  });
});

Deno.test("FileSource.listOnce() treats a missing path and an empty directory as no pods", async () => {
  await withTempDir(async (dir) => {
    const missing = fileSource(join(dir, "nope"));
    assert.deepEqual(await missing.src.listOnce(), []);
    assert.deepEqual(await missing.src.listOnce(), []);
    const notes = missing.logger.records.filter((r) => /does not exist/.test(r.message));
    assert.equal(notes.length, 1, "logged once");
    const empty = fileSource(dir);
    assert.deepEqual(await empty.src.listOnce(), []);
  });
});

Deno.test("FileSource.listOnce() names each non-manifest file once in a warning and never runs it", async () => {
  await withTempDir(async (dir) => {
    await Deno.writeTextFile(join(dir, "api.yaml"), podYaml("api"));
    await Deno.writeTextFile(join(dir, "api.yaml.bak"), podYaml("api", "old:1"));
    await Deno.writeTextFile(join(dir, "api.yaml~"), podYaml("api", "older:1"));
    await Deno.writeTextFile(join(dir, "README"), "notes");
    const { src, warnings } = fileSource(dir);
    assert.deepEqual(images(await src.listOnce()), ["busybox:1.36"]);
    await src.listOnce();
    await src.handleEvent(join(dir, "api.yaml.bak"));
    const w = warnings();
    assert.equal(w.length, 3);
    for (const name of ["README", "api.yaml.bak", "api.yaml~"]) {
      assert.equal(w.filter((line) => line.endsWith(join(dir, name))).length, 1, name);
    }
  });
});

Deno.test("FileSource reports a bad file once, keeps the other pods and picks up the fix", async (t) => {
  const bad: [string, string, RegExp][] = [
    ["invalid YAML", "kind: Pod\nmetadata: [\n", /invalid YAML/],
    [
      "not a Pod",
      "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: x\n",
      /not a Pod, PodList, ConfigMap or Secret: kind is 'Deployment'/,
    ],
    [
      "no name",
      "apiVersion: v1\nkind: Pod\nspec:\n  containers: []\n",
      /name is needed for the pod/,
    ],
    [
      "invalid spec",
      "apiVersion: v1\nkind: Pod\nmetadata:\n  name: x\nspec:\n  containers: []\n",
      /invalid pod: field 'spec.containers'/,
    ],
    ["a list", "- a\n- b\n", /not a Pod, PodList, ConfigMap or Secret: the document is a list/],
  ];
  for (const [what, text, reason] of bad) {
    await t.step(what, async () => {
      await withTempDir(async (dir) => {
        await Deno.writeTextFile(join(dir, "good.yaml"), podYaml("good"));
        await Deno.writeTextFile(join(dir, "bad.yaml"), text);
        const { src, logger, warnings } = fileSource(dir);
        assert.deepEqual(names(await src.listOnce()), ["good-node-1"]);
        await src.listOnce();
        assert.equal(await src.handleEvent(join(dir, "bad.yaml")), undefined);
        const w = logger.records.filter((r) => r.severity === "warn");
        assert.equal(w.length, 1, warnings().join("\n"));
        assert.match(w[0].message, new RegExp(`'${join(dir, "bad.yaml")}'`));
        assert.match(w[0].message, reason);
        await Deno.writeTextFile(join(dir, "bad.yaml"), podYaml("fixed"));
        assert.deepEqual(
          names(await src.handleEvent(join(dir, "bad.yaml"))),
          [
            "bad-node-1".replace("bad", "fixed"),
            "good-node-1",
          ].sort(),
        );
        assert.ok(logger.records.some((r) => r.message === "Static pod manifest is valid again"));
      });
    });
  }
});

Deno.test("FileSource keeps serving the last good pod when its file is edited into a bad one", async () => {
  await withTempDir(async (dir) => {
    const file = join(dir, "web.yaml");
    await Deno.writeTextFile(file, podYaml("web", "nginx:1"));
    const { src, warnings } = fileSource(dir);
    const [before] = await src.listOnce();
    await Deno.writeTextFile(file, "apiVersion: v1\nkind: Pod\nmetadata: {name: web\n");
    assert.equal(await src.handleEvent(file), undefined, "no change downstream");
    assert.deepEqual(await src.listOnce(), [before]);
    const w = warnings();
    assert.equal(w.length, 1);
    assert.match(w[0], /still serving the last good version/);
    await Deno.writeTextFile(file, podYaml("web", "nginx:2"));
    const [after] = (await src.handleEvent(file))!;
    assert.equal(after.spec?.containers[0].image, "nginx:2");
    assert.equal(after.metadata?.uid, before.metadata?.uid);
  });
});

Deno.test("FileSource serves the first file in lexical order for a duplicate pod name and reports the later one", async () => {
  await withTempDir(async (dir) => {
    await Deno.writeTextFile(join(dir, "10-web.yaml"), podYaml("web", "first:1"));
    await Deno.writeTextFile(join(dir, "20-web.yaml"), podYaml("web", "second:1"));
    const { src, warnings } = fileSource(dir);
    assert.deepEqual(images(await src.listOnce()), ["first:1"]);
    await src.listOnce();
    const w = warnings();
    assert.equal(w.length, 1);
    assert.match(w[0], /20-web\.yaml/);
    assert.match(w[0], /duplicate pod name 'web-node-1'.*already defined in '.*10-web\.yaml'/);
    await Deno.remove(join(dir, "10-web.yaml"));
    assert.deepEqual(images(await src.listOnce()), ["second:1"]);
  });
});

Deno.test("FileSource keeps a pod's UID across edits, so PodConfig sees an UPDATE", async () => {
  await withTempDir(async (dir) => {
    const file = join(dir, "web.yaml");
    await Deno.writeTextFile(file, podYaml("web", "nginx:1"));
    const { src, clock } = fileSource(dir);
    const config = new PodConfig({ clock });
    assert.deepEqual(config.merge("file", await src.listOnce()).map((u) => u.op), ["ADD"]);
    await Deno.writeTextFile(file, podYaml("web", "nginx:2", "  labels:\n    tier: web\n"));
    const updates = config.merge("file", (await src.handleEvent(file))!);
    assert.deepEqual(updates.map((u) => u.op), ["UPDATE"]);
    assert.equal(updates[0].pods[0].spec?.containers[0].image, "nginx:2");
    // Another node, another path: other UIDs. The same inputs: the same UID.
    const again = new FileSource(dir, { nodeName: "node-1", clock, watchFs: () => [] as never });
    assert.equal((await again.listOnce())[0].metadata?.uid, updates[0].pods[0].metadata?.uid);
    const other = new FileSource(dir, { nodeName: "node-2", clock, watchFs: () => [] as never });
    assert.notEqual((await other.listOnce())[0].metadata?.uid, updates[0].pods[0].metadata?.uid);
  });
});

Deno.test("FileSource keeps a metadata.uid the manifest declares", async () => {
  await withTempDir(async (dir) => {
    await Deno.writeTextFile(join(dir, "a.yaml"), podYaml("a", "x:1", "  uid: my-own-uid\n"));
    const { src } = fileSource(dir);
    assert.equal((await src.listOnce())[0].metadata?.uid, "my-own-uid");
  });
});

Deno.test("FileSource rejects a file over 10 MiB", async () => {
  await withTempDir(async (dir) => {
    const padding = "#".repeat(10 * 1024 * 1024) + "\n";
    await Deno.writeTextFile(join(dir, "big.yaml"), padding + podYaml("big"));
    await Deno.writeTextFile(join(dir, "ok.yaml"), podYaml("ok"));
    const { src, warnings } = fileSource(dir);
    assert.deepEqual(names(await src.listOnce()), ["ok-node-1"]);
    assert.match(warnings()[0], /larger than 10485760 bytes/);
  });
});

Deno.test("FileSource.listOnce() re-reads only files whose signature changed, unless they were fresh", async (t) => {
  await withTempDir(async (dir) => {
    const file = join(dir, "web.yaml");
    const old = new Date(Date.now() - 3_600_000);
    // Rewrites the file with the same size and mtime; true if its ctime (whole
    // seconds in Deno) stayed the same, so the signature cannot tell the change.
    const sneakyRewrite = async (image: string) => {
      const before = (await Deno.stat(file)).ctime?.getTime();
      await Deno.writeTextFile(file, podYaml("web", image));
      await Deno.utime(file, old, old);
      return (await Deno.stat(file)).ctime?.getTime() === before;
    };
    await t.step(
      "a stable file with an unchanged signature is not re-read by a relist",
      async () => {
        for (let attempt = 0; attempt < 5; attempt++) {
          await Deno.writeTextFile(file, podYaml("web", "nginx:1"));
          await Deno.utime(file, old, old);
          const { src } = fileSource(dir, { clock: new FakeClock(Date.now() + 10_000) });
          assert.deepEqual(images(await src.listOnce()), ["nginx:1"]);
          if (!await sneakyRewrite("nginx:2")) continue; // crossed a second; try again
          assert.deepEqual(images(await src.listOnce()), ["nginx:1"], "served from the cache");
          assert.deepEqual(images(await src.handleEvent(file)), ["nginx:2"], "events always read");
          return;
        }
        assert.fail("could not rewrite within one ctime second");
      },
    );
    await t.step("a file read while fresh is read again", async () => {
      await Deno.writeTextFile(file, podYaml("web", "nginx:1"));
      const { src } = fileSource(dir, { clock: new FakeClock(Date.now()) });
      assert.deepEqual(images(await src.listOnce()), ["nginx:1"]);
      await sneakyRewrite("nginx:2");
      assert.deepEqual(images(await src.listOnce()), ["nginx:2"]);
    });
  });
});

Deno.test("FileSource.listOnce() loads 1,000 manifests", async () => {
  await withTempDir(async (dir) => {
    for (let i = 0; i < 1000; i++) {
      await Deno.writeTextFile(
        join(dir, `pod-${String(i).padStart(4, "0")}.yaml`),
        podYaml(`p${i}`),
      );
    }
    const { src, warnings } = fileSource(dir);
    const pods = await src.listOnce();
    assert.equal(pods.length, 1000);
    assert.equal(new Set(pods.map((p) => p.metadata?.uid)).size, 1000);
    assert.deepEqual(warnings(), []);
  });
});

Deno.test("FileSource constructor rejects bad options", () => {
  const clock = new FakeClock();
  assert.throws(() => new FileSource("", { nodeName: "n", clock }), TypeError);
  assert.throws(() => new FileSource("/x", { nodeName: "", clock }), TypeError);
  assert.throws(
    () => new FileSource("/x", { nodeName: "n", clock, checkFrequencyMs: 0 }),
    RangeError,
  );
});
