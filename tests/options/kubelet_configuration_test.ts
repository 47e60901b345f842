import assert from "node:assert/strict";
import {
  decodeKubeletConfiguration,
  loadKubeletConfiguration,
} from "../../src/options/kubelet_configuration.ts";
import { OptionsError } from "../../src/options/options_error.ts";

import { HEAD } from "./_helpers.ts";

Deno.test("decodeKubeletConfiguration() reads YAML and JSON alike", () => {
  const yaml = decodeKubeletConfiguration(
    HEAD + "maxPods: 20\nsyncFrequency: 30s\nlogging:\n  format: json\n",
    "/etc/k.yaml",
  );
  const json = decodeKubeletConfiguration(
    JSON.stringify({
      apiVersion: "kubelet.config.k8s.io/v1beta1",
      kind: "KubeletConfiguration",
      maxPods: 20,
      syncFrequency: "30s",
      logging: { format: "json" },
    }),
    "/etc/k.json",
  );
  const want = { maxPods: 20, syncFrequency: "30s", logging: { format: "json" } };
  assert.deepEqual(yaml, { fields: want, warnings: [] });
  assert.deepEqual(json, { fields: want, warnings: [] });
});

Deno.test("decodeKubeletConfiguration() resolves relative paths against the file's directory", () => {
  const { fields } = decodeKubeletConfiguration(
    HEAD + "staticPodPath: manifests\npodLogsDir: ../logs\n",
    "/etc/denolet/config.yaml",
  );
  assert.equal(fields.staticPodPath, "/etc/denolet/manifests");
  assert.equal(fields.podLogsDir, "/etc/logs");
  const abs = decodeKubeletConfiguration(HEAD + "staticPodPath: /srv/m\n", "/etc/x.yaml");
  assert.equal(abs.fields.staticPodPath, "/srv/m");
});

Deno.test("decodeKubeletConfiguration() reads YAML 1.1 as the kubelet does: yes, octal, merge keys", () => {
  const { fields } = decodeKubeletConfiguration(
    HEAD + 'serializeImagePulls: yes\nstaticPodPath: "yes"\nregistryBurst: 010\n' +
      "logging:\n  <<: {format: json}\n  verbosity: 2\n",
    "/etc/k.yaml",
  );
  assert.deepEqual(fields, {
    serializeImagePulls: true, // unquoted yes is a YAML 1.1 boolean
    staticPodPath: "/etc/yes", // a quoted "yes" stays a string
    registryBurst: 8, // 010 is octal
    logging: { format: "json", verbosity: 2 }, // << merges
  });
});

Deno.test("decodeKubeletConfiguration() warns about kubelet fields denolet ignores", () => {
  const { warnings } = decodeKubeletConfiguration(
    HEAD + "cgroupDriver: systemd\nlogging:\n  flushFrequency: 5s\n",
    "/etc/k.yaml",
  );
  assert.deepEqual(warnings, [
    "config field cgroupDriver in '/etc/k.yaml' is not supported and ignored",
    "config field logging.flushFrequency in '/etc/k.yaml' is not supported and ignored",
  ]);
});

Deno.test("decodeKubeletConfiguration() rejects bad documents with one line", async (t) => {
  const cases: [string, string][] = [
    ["", "Cannot parse config file '/k.yaml': the file is empty"],
    ["- a\n- b\n", "Cannot parse config file '/k.yaml': not a mapping of fields"],
    [
      "kind: KubeletConfiguration\n",
      `invalid value "" for field apiVersion in '/k.yaml': must be "kubelet.config.k8s.io/v1beta1"`,
    ],
    [
      "apiVersion: v1\nkind: KubeletConfiguration\n",
      `invalid value "v1" for field apiVersion in '/k.yaml': must be "kubelet.config.k8s.io/v1beta1"`,
    ],
    [
      "apiVersion: kubelet.config.k8s.io/v1beta1\nkind: Pod\n",
      `invalid value "Pod" for field kind in '/k.yaml': must be "KubeletConfiguration"`,
    ],
    [HEAD + "maxPod: 3\n", `unknown field "maxPod" in config file '/k.yaml'`],
    [HEAD + "logging:\n  level: 3\n", `unknown field "logging.level" in config file '/k.yaml'`],
    [
      HEAD + "logging: json\n",
      `invalid value "json" for field logging in '/k.yaml': not a mapping`,
    ],
    [
      HEAD + "logging: &l {options: *l}\n",
      "Cannot parse config file '/k.yaml': an alias refers to a node that contains it",
    ],
    [
      HEAD + "maxPods: 1\nmaxPods: 2\n",
      "Cannot parse config file '/k.yaml': Map keys must be unique at line 4, column 1:",
    ],
  ];
  for (const [text, message] of cases) {
    await t.step(message, () => {
      assert.throws(() => decodeKubeletConfiguration(text, "/k.yaml"), (e) => {
        assert.ok(e instanceof OptionsError);
        assert.equal(e.message, message);
        return true;
      });
    });
  }
  await t.step("YAML syntax error", () => {
    assert.throws(
      () => decodeKubeletConfiguration(HEAD + "maxPods: [1\n", "/k.yaml"),
      (e) =>
        e instanceof OptionsError && e.message.startsWith("Cannot parse config file '/k.yaml': ") &&
        !e.message.includes("\n"),
    );
  });
});

Deno.test("loadKubeletConfiguration() applies only *.conf drop-ins, in lexical order", async () => {
  const dir = await Deno.makeTempDir({ prefix: "denolet-options-" });
  try {
    await Deno.writeTextFile(`${dir}/config.yaml`, HEAD + "maxPods: 10\nregistryBurst: 3\n");
    await Deno.mkdir(`${dir}/conf.d`);
    await Deno.writeTextFile(`${dir}/conf.d/20-b.conf`, HEAD + "maxPods: 30\n");
    await Deno.writeTextFile(`${dir}/conf.d/10-a.conf`, HEAD + "maxPods: 20\nsyncFrequency: 5s\n");
    await Deno.writeTextFile(`${dir}/conf.d/30-c.yaml`, HEAD + "maxPods: 99\n");
    await Deno.writeTextFile(`${dir}/conf.d/40-d.conf.bak`, HEAD + "maxPods: 98\n");
    await Deno.mkdir(`${dir}/conf.d/50-dir.conf`);
    const loaded = await loadKubeletConfiguration(`${dir}/config.yaml`, `${dir}/conf.d`);
    assert.deepEqual(loaded.files, [
      `${dir}/config.yaml`,
      `${dir}/conf.d/10-a.conf`,
      `${dir}/conf.d/20-b.conf`,
    ]);
    assert.deepEqual(loaded.fields, { maxPods: 30, registryBurst: 3, syncFrequency: "5s" });
    assert.equal(loaded.origins.get("maxPods"), `${dir}/conf.d/20-b.conf`);
    assert.equal(loaded.origins.get("registryBurst"), `${dir}/config.yaml`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("loadKubeletConfiguration() lets a drop-in delete a field with null", async () => {
  const files: Record<string, string> = {
    "/etc/k.yaml": HEAD + "maxPods: 10\nlogging:\n  format: json\n  verbosity: 2\n",
    "/etc/k.d/a.conf": HEAD + "maxPods: null\nlogging:\n  verbosity: null\n",
  };
  const loaded = await loadKubeletConfiguration("/etc/k.yaml", "/etc/k.d", {
    readTextFile: (p) => Promise.resolve(files[p]),
    readDir: () => Promise.resolve([{ name: "a.conf", isDirectory: false }]),
  });
  assert.deepEqual(loaded.fields, { logging: { format: "json" } });
  assert.equal(loaded.origins.has("maxPods"), false);
});

Deno.test("loadKubeletConfiguration() works with only a config dir, or nothing", async () => {
  const none = await loadKubeletConfiguration(undefined, undefined);
  assert.deepEqual(none.fields, {});
  const onlyDir = await loadKubeletConfiguration(undefined, "/d", {
    readTextFile: () => Promise.resolve(HEAD + "maxPods: 7\n"),
    readDir: () => Promise.resolve([{ name: "x.conf", isDirectory: false }]),
  });
  assert.deepEqual(onlyDir.fields, { maxPods: 7 });
});

Deno.test("loadKubeletConfiguration() names the file it cannot read", async () => {
  await assert.rejects(
    () => loadKubeletConfiguration("/nonexistent/denolet/config.yaml", undefined),
    (e) =>
      e instanceof OptionsError &&
      e.message.startsWith("Cannot read config file '/nonexistent/denolet/config.yaml': "),
  );
  await assert.rejects(
    () => loadKubeletConfiguration(undefined, "/nonexistent/denolet/conf.d"),
    (e) =>
      e instanceof OptionsError &&
      e.message.startsWith("Cannot read config dir '/nonexistent/denolet/conf.d': "),
  );
});

Deno.test("loadKubeletConfiguration() names the drop-in with an unknown field", async () => {
  await assert.rejects(
    () =>
      loadKubeletConfiguration(undefined, "/d", {
        readTextFile: () => Promise.resolve(HEAD + "bogus: 1\n"),
        readDir: () => Promise.resolve([{ name: "x.conf", isDirectory: false }]),
      }),
    { name: "OptionsError", message: `unknown field "bogus" in config file '/d/x.conf'` },
  );
});
