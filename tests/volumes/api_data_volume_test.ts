import assert from "node:assert/strict";
import type { Pod } from "kubernetes-types/core/v1.d.ts";
import {
  apiDataPayload,
  apiDataPlugin,
  isApiDataVolumePath,
  type TmpfsMounter,
  writeApiDataVolume,
} from "../../src/volumes/api_data_volume.ts";
import type { Payload } from "../../src/volumes/atomic_writer.ts";
import { fakeLookup } from "./_lookup.ts";

function fakeMount(fail?: string): TmpfsMounter & { calls: string[]; mounted: Set<string> } {
  const calls: string[] = [];
  const mounted = new Set<string>();
  return {
    calls,
    mounted,
    mountTmpfs(path) {
      calls.push(path);
      if (fail) return Promise.reject(new Error(fail));
      mounted.add(path);
      return Promise.resolve();
    },
    isMountPoint: (path) => Promise.resolve(mounted.has(path)),
  };
}

const enc = new TextEncoder();
const files: Payload = new Map([
  ["token", { data: enc.encode("t"), mode: 0o644 }],
  ["sub/key", { data: enc.encode("k"), mode: 0o400 }],
]);
const mode = async (path: string) => (await Deno.stat(path)).mode! & 0o777;

Deno.test("writeApiDataVolume() puts a secret volume on a tmpfs, mounted once, files keeping their modes", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const vol = `${dir}/kubernetes.io~secret/creds`;
    const mount = fakeMount();
    const warnings: string[] = [];
    const opts = { secret: true, mount, onTmpfsUnavailable: (m: string) => warnings.push(m) };
    assert.equal(await writeApiDataVolume(vol, files, opts), true);
    assert.equal(await writeApiDataVolume(vol, files, opts), false);
    assert.deepEqual(mount.calls, [vol]);
    assert.deepEqual(warnings, []);
    assert.equal(await mode(vol), 0o755);
    assert.equal(await mode(`${vol}/token`), 0o644);
    assert.equal(await mode(`${vol}/sub/key`), 0o400);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("writeApiDataVolume() without a tmpfs writes 0600 files in a 0700 dir and says so once", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const vol = `${dir}/kubernetes.io~secret/creds`;
    const mount = fakeMount("mount: only root can do that");
    const warnings: string[] = [];
    const opts = { secret: true, mount, onTmpfsUnavailable: (m: string) => warnings.push(m) };
    await writeApiDataVolume(vol, files, opts);
    assert.equal(await mode(vol), 0o700);
    assert.equal(await mode(`${vol}/token`), 0o600);
    assert.equal(await mode(`${vol}/sub/key`), 0o600);
    assert.equal(await Deno.readTextFile(`${vol}/sub/key`), "k");
    assert.equal(warnings.length, 1);
    assert.match(
      warnings[0],
      /^Cannot mount a tmpfs for secret volume .*creds \(mount: only root can do that\): its files are written to disk, 0600 in a 0700 directory/,
    );
    // The next syncs keep the disk directory: no mount attempt, no new warning, no rewrite.
    assert.equal(await writeApiDataVolume(vol, files, opts), false);
    assert.deepEqual(mount.calls, [vol]);
    assert.equal(warnings.length, 1);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("writeApiDataVolume() keeps a configMap volume on disk with its modes, never mounting", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const vol = `${dir}/kubernetes.io~configmap/cfg`;
    const mount = fakeMount("must not be called");
    await writeApiDataVolume(vol, files, { secret: false, mount });
    assert.deepEqual(mount.calls, []);
    assert.equal(await mode(vol), 0o755);
    assert.equal(await mode(`${vol}/sub/key`), 0o400);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("apiDataPlugin() and isApiDataVolumePath() name the kubelet's plugin dirs", () => {
  assert.deepEqual(apiDataPlugin({ name: "v", configMap: { name: "c" } }), {
    plugin: "kubernetes.io~configmap",
    secret: false,
  });
  assert.deepEqual(apiDataPlugin({ name: "v", secret: { secretName: "s" } }), {
    plugin: "kubernetes.io~secret",
    secret: true,
  });
  assert.deepEqual(apiDataPlugin({ name: "v", downwardAPI: {} }), {
    plugin: "kubernetes.io~downward-api",
    secret: false,
  });
  assert.deepEqual(
    apiDataPlugin({ name: "v", projected: { sources: [{ serviceAccountToken: { path: "t" } }] } }),
    { plugin: "kubernetes.io~projected", secret: true },
  );
  assert.equal(apiDataPlugin({ name: "v", emptyDir: {} }), undefined);
  assert.equal(isApiDataVolumePath("/var/lib/denolet/pods/u/volumes/kubernetes.io~secret/s"), true);
  assert.equal(
    isApiDataVolumePath("/var/lib/denolet/pods/u/volumes/kubernetes.io~empty-dir/e"),
    false,
  );
  assert.equal(isApiDataVolumePath("/srv/data"), false);
});

Deno.test("apiDataPayload() validates item paths before anything is written", async () => {
  const pod: Pod = { metadata: { name: "p", namespace: "default" }, spec: { containers: [] } };
  const objects = fakeLookup({ configMaps: { "default/c": { data: { k: "v" } } } });
  await assert.rejects(
    apiDataPayload(pod, {
      name: "v",
      configMap: { name: "c", items: [{ key: "k", path: "../../etc/x" }] },
    }, { objects }),
    /Invalid volume file path "\.\.\/\.\.\/etc\/x": must not contain '\.\.'/,
  );
  const payload = await apiDataPayload(pod, {
    name: "v",
    configMap: { name: "c", items: [{ key: "k", path: "a//b" }] },
  }, { objects });
  assert.deepEqual([...payload.keys()], ["a/b"]);
});
