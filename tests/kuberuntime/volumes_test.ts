import assert from "node:assert/strict";
import type { ConfigMap, Pod } from "kubernetes-types/core/v1.d.ts";
import {
  cleanupPodDirs,
  emptyDirPath,
  makeMounts,
  makeTerminationMessageFile,
  type MountOps,
  setUpPodVolumes,
  VolumeSetupError,
} from "../../src/kuberuntime/volumes.ts";
import { makePod } from "./_helpers.ts";
import { b64, fakeLookup } from "../volumes/_lookup.ts";

/** What a `readOnly: true` volumeMount becomes in the CRI Mount. */
const MOUNT_READ_ONLY = true;

function recordingMount(
  fail?: string,
): MountOps & { mounted: Map<string, number | undefined>; attempts: number } {
  const mounted = new Map<string, number | undefined>();
  const ops = {
    mounted,
    attempts: 0,
    mountTmpfs(path: string, size?: number) {
      ops.attempts++;
      if (fail) return Promise.reject(new Error(fail));
      mounted.set(path, size);
      return Promise.resolve();
    },
    unmount(path: string) {
      mounted.delete(path);
      return Promise.resolve();
    },
    isMountPoint(path: string) {
      return Promise.resolve(mounted.has(path));
    },
  };
  return ops;
}

Deno.test("setUpPodVolumes() lays out emptyDir and hostPath volumes like the kubelet", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const root = `${dir}/root`;
    const mount = recordingMount();
    const pod = makePod([{ name: "a" }], {
      volumes: [
        { name: "cache", emptyDir: {} },
        { name: "mem", emptyDir: { medium: "Memory", sizeLimit: "64Mi" } },
        { name: "host", hostPath: { path: `${dir}/made`, type: "DirectoryOrCreate" } },
      ],
    });
    const paths = await setUpPodVolumes(pod, root, { mount });
    const cache = `${root}/pods/uid-1/volumes/kubernetes.io~empty-dir/cache`;
    assert.equal(paths.get("cache"), cache);
    assert.equal(emptyDirPath(root, "uid-1", "cache"), cache);
    assert.equal((await Deno.stat(cache)).mode! & 0o777, 0o777);
    assert.deepEqual([...mount.mounted], [[paths.get("mem"), 64 * 1024 * 1024]]);
    assert.ok((await Deno.stat(`${dir}/made`)).isDirectory);
    // Idempotent: a second call does not mount again.
    await setUpPodVolumes(pod, root, { mount });
    assert.equal(mount.mounted.size, 1);

    await cleanupPodDirs(root, "uid-1", { mount });
    assert.equal(mount.mounted.size, 0);
    await assert.rejects(Deno.stat(`${root}/pods/uid-1`), Deno.errors.NotFound);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("setUpPodVolumes() reports a failed tmpfs mount instead of using the disk", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const pod = makePod([{ name: "a" }], {
      volumes: [{ name: "mem", emptyDir: { medium: "Memory" } }],
    });
    await assert.rejects(
      setUpPodVolumes(pod, dir, { mount: recordingMount("permission denied") }),
      VolumeSetupError,
    );
    await assert.rejects(
      setUpPodVolumes(pod, dir, { mount: recordingMount("permission denied") }),
      /MountVolume.SetUp failed for volume "mem" : permission denied/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("setUpPodVolumes() checks hostPath types and refuses unsupported volumes", async (t) => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/file`, "x");
    const cases: [string, Parameters<typeof makePod>[1], RegExp | undefined][] = [
      ["Directory missing", {
        volumes: [{ name: "v", hostPath: { path: `${dir}/nope`, type: "Directory" } }],
      }, /is not a directory/],
      ["File present", {
        volumes: [{ name: "v", hostPath: { path: `${dir}/file`, type: "File" } }],
      }, undefined],
      [
        "File is a dir",
        { volumes: [{ name: "v", hostPath: { path: dir, type: "File" } }] },
        /is not a file/,
      ],
      [
        "untyped missing is fine",
        { volumes: [{ name: "v", hostPath: { path: `${dir}/free` } }] },
        undefined,
      ],
      [
        "nfs",
        { volumes: [{ name: "v", nfs: { server: "nas", path: "/export" } }] },
        /volume type 'nfs' is not supported/,
      ],
    ];
    for (const [name, spec, want] of cases) {
      await t.step(name, async () => {
        const p = setUpPodVolumes(makePod([{ name: "a" }], spec), `${dir}/root`);
        if (want) await assert.rejects(p, want);
        else await p;
      });
    }
    await t.step("FileOrCreate creates the file", async () => {
      const spec = {
        volumes: [{ name: "v", hostPath: { path: `${dir}/new`, type: "FileOrCreate" } }],
      };
      await setUpPodVolumes(makePod([{ name: "a" }], spec), `${dir}/root`);
      assert.ok((await Deno.stat(`${dir}/new`)).isFile);
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("makeMounts() maps volumeMounts and keeps subPath inside the volume", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const paths = new Map([["data", dir]]);
    const mounts = await makeMounts({
      name: "a",
      volumeMounts: [
        { name: "data", mountPath: "/data", readOnly: true },
        { name: "data", mountPath: "/sub", subPath: "x/y", mountPropagation: "HostToContainer" },
      ],
    }, paths);
    assert.deepEqual(mounts, [
      {
        containerPath: "/data",
        hostPath: dir,
        // The CRI Mount field `readonly` (the volumeMount's readOnly: true).
        readonly: MOUNT_READ_ONLY,
        selinuxRelabel: false,
        propagation: "PROPAGATION_PRIVATE",
      },
      {
        containerPath: "/sub",
        hostPath: `${dir}/x/y`,
        readonly: false,
        selinuxRelabel: false,
        propagation: "PROPAGATION_HOST_TO_CONTAINER",
      },
    ]);
    assert.ok((await Deno.stat(`${dir}/x/y`)).isDirectory);
    await assert.rejects(
      makeMounts({
        name: "a",
        volumeMounts: [{ name: "data", mountPath: "/s", subPath: "../etc" }],
      }, paths),
      TypeError,
    );
    await assert.rejects(
      makeMounts({ name: "a", volumeMounts: [{ name: "nope", mountPath: "/s" }] }, paths),
      /no such volume/,
    );
    const file = await makeTerminationMessageFile(dir, "uid-1", "a");
    assert.match(file, /\/pods\/uid-1\/containers\/a\/[0-9a-f]{8}$/);
    assert.equal((await Deno.stat(file)).mode! & 0o777, 0o666);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

function apiPod(): Pod {
  return makePod([{
    name: "app",
    resources: { limits: { memory: "128Mi" } },
    volumeMounts: [
      { name: "cfg", mountPath: "/etc/app" },
      { name: "creds", mountPath: "/run/creds", readOnly: false },
      { name: "info", mountPath: "/etc/podinfo" },
      { name: "all", mountPath: "/etc/all" },
    ],
  }], {
    volumes: [
      {
        name: "cfg",
        configMap: { name: "app", items: [{ key: "app.conf", path: "conf/app.conf" }] },
      },
      { name: "creds", secret: { secretName: "db", defaultMode: 0o400 } },
      {
        name: "info",
        downwardAPI: {
          items: [
            { path: "name", fieldRef: { fieldPath: "metadata.name" } },
            {
              path: "mem",
              resourceFieldRef: { containerName: "app", resource: "limits.memory", divisor: "1Mi" },
            },
          ],
        },
      },
      {
        name: "all",
        projected: {
          sources: [{ configMap: { name: "app" } }, {
            secret: { name: "db", items: [{ key: "password", path: "pw" }] },
          }],
        },
      },
    ],
  });
}

Deno.test("setUpPodVolumes() writes configMap, secret, downwardAPI and projected volumes like the kubelet", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const root = `${dir}/root`;
    const configMaps: Record<string, ConfigMap> = { "default/app": { data: { "app.conf": "v1" } } };
    const objects = fakeLookup({
      configMaps,
      secrets: { "default/db": { data: { password: b64("pw1") } } },
    });
    const mount = recordingMount();
    const pod = apiPod();
    const paths = await setUpPodVolumes(pod, root, { mount, objects });
    const vols = `${root}/pods/uid-1/volumes`;
    assert.deepEqual([...paths], [
      ["cfg", `${vols}/kubernetes.io~configmap/cfg`],
      ["creds", `${vols}/kubernetes.io~secret/creds`],
      ["info", `${vols}/kubernetes.io~downward-api/info`],
      ["all", `${vols}/kubernetes.io~projected/all`],
    ]);
    assert.equal(
      await Deno.readTextFile(`${vols}/kubernetes.io~configmap/cfg/conf/app.conf`),
      "v1",
    );
    assert.equal(await Deno.readTextFile(`${vols}/kubernetes.io~secret/creds/password`), "pw1");
    assert.equal(
      (await Deno.stat(`${vols}/kubernetes.io~secret/creds/password`)).mode! & 0o777,
      0o400,
    );
    assert.equal(await Deno.readTextFile(`${vols}/kubernetes.io~downward-api/info/name`), "web");
    assert.equal(await Deno.readTextFile(`${vols}/kubernetes.io~downward-api/info/mem`), "128");
    assert.equal(await Deno.readTextFile(`${vols}/kubernetes.io~projected/all/pw`), "pw1");
    // Secrets (and the projected volume with a secret) on a tmpfs; the rest on disk.
    assert.deepEqual([...mount.mounted.keys()].sort(), [
      `${vols}/kubernetes.io~projected/all`,
      `${vols}/kubernetes.io~secret/creds`,
    ]);

    // Every call rewrites: an edited ConfigMap reaches the files; the rest stays as it was.
    const secretData = await Deno.readLink(`${vols}/kubernetes.io~secret/creds/..data`);
    configMaps["default/app"] = { data: { "app.conf": "v2" } };
    await setUpPodVolumes(pod, root, { mount, objects });
    assert.equal(
      await Deno.readTextFile(`${vols}/kubernetes.io~configmap/cfg/conf/app.conf`),
      "v2",
    );
    assert.equal(await Deno.readTextFile(`${vols}/kubernetes.io~projected/all/app.conf`), "v2");
    assert.equal(await Deno.readLink(`${vols}/kubernetes.io~secret/creds/..data`), secretData);
    assert.equal(mount.attempts, 2);

    // The mounts of these volumes are read-only whatever the volumeMount says.
    const mounts = await makeMounts(pod.spec!.containers[0], paths);
    assert.deepEqual(mounts.map((m) => m.readonly), [true, true, true, true]);

    await cleanupPodDirs(root, "uid-1", { mount });
    assert.equal(mount.mounted.size, 0);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("setUpPodVolumes() fails a missing or unreadable object with a FailedMount naming it, writing nothing", async (t) => {
  const dir = await Deno.makeTempDir();
  try {
    const root = `${dir}/root`;
    const volume = (v: object) => makePod([{ name: "a" }], { volumes: [{ name: "v", ...v }] });
    const cases: [string, Pod, string][] = [
      [
        "missing configMap",
        volume({ configMap: { name: "app" } }),
        'configmap "app" not found',
      ],
      [
        "missing key",
        volume({ secret: { secretName: "db", items: [{ key: "apikey", path: "k" }] } }),
        'secret "db" references non-existent secret key: apikey',
      ],
      [
        "unreadable",
        volume({ secret: { secretName: "flaky", optional: true } }),
        "Cannot read Secret default/flaky: the API server is unreachable",
      ],
      [
        "path with ..",
        volume({ secret: { secretName: "db", items: [{ key: "password", path: "../../x" }] } }),
        `Invalid volume file path "../../x": must not contain '..'`,
      ],
      [
        "token standalone",
        volume({ projected: { sources: [{ serviceAccountToken: { path: "token" } }] } }),
        'projected serviceAccountToken source "token" needs the API server (denolet runs standalone)',
      ],
    ];
    const objects = fakeLookup({
      secrets: { "default/db": { data: { password: b64("hunter2") } } },
      unavailable: ["default/flaky"],
    });
    for (const [name, pod, message] of cases) {
      await t.step(name, async () => {
        await assert.rejects(
          setUpPodVolumes(pod, root, { objects, mount: recordingMount() }),
          (e) => {
            assert.ok(e instanceof VolumeSetupError, String(e));
            assert.equal(e.volume, "v");
            assert.equal(e.message, `MountVolume.SetUp failed for volume "v" : ${message}`);
            assert.doesNotMatch(e.message, /hunter2/);
            return true;
          },
        );
        await assert.rejects(Deno.stat(`${root}/pods/uid-1/volumes`), Deno.errors.NotFound);
      });
    }
    await t.step("optional and absent: an empty volume", async () => {
      const pod = volume({ configMap: { name: "app", optional: true } });
      const paths = await setUpPodVolumes(pod, root);
      const entries = [...Deno.readDirSync(paths.get("v")!)].map((e) => e.name);
      assert.equal(entries.length, 2); // ..data and its timestamped dir
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("setUpPodVolumes() gives a secret 0600 files in a 0700 dir when no tmpfs can be had, and says so", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const pod = makePod([{ name: "a" }], {
      volumes: [{ name: "s", secret: { secretName: "db" } }],
    });
    const objects = fakeLookup({ secrets: { "default/db": { data: { password: b64("pw") } } } });
    const warnings: string[] = [];
    const options = {
      objects,
      mount: recordingMount("mount: permission denied"),
      onTmpfsUnavailable: (m: string) => warnings.push(m),
    };
    const paths = await setUpPodVolumes(pod, `${dir}/root`, options);
    await setUpPodVolumes(pod, `${dir}/root`, options);
    const vol = paths.get("s")!;
    assert.equal((await Deno.stat(vol)).mode! & 0o777, 0o700);
    assert.equal((await Deno.stat(`${vol}/password`)).mode! & 0o777, 0o600);
    assert.equal(warnings.length, 1);
    assert.match(warnings[0], /mount: permission denied/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

// The scoped tests below run with read/write on this dir only, as the agent
// runs with its computed grants; made here because they cannot make it.
const SCOPED_DIR = Deno.makeTempDirSync({ prefix: "denolet-scoped-volumes-" });

Deno.test({
  name: "setUpPodVolumes() does not touch an untyped hostPath outside its grants",
  permissions: { read: [SCOPED_DIR], write: [SCOPED_DIR] },
  async fn() {
    // Before: stat('/etc/kubernetes') failed with 'Requires read access to "/etc/kubernetes"'.
    const pod = makePod([{ name: "a" }], {
      volumes: [
        { name: "k8s", hostPath: { path: "/etc/kubernetes" } },
        { name: "etcd", hostPath: { path: "/var/lib/etcd", type: "" } },
      ],
    });
    const paths = await setUpPodVolumes(pod, `${SCOPED_DIR}/root`);
    assert.deepEqual([...paths], [["k8s", "/etc/kubernetes"], ["etcd", "/var/lib/etcd"]]);
  },
});

Deno.test({
  name:
    "setUpPodVolumes() fails a typed hostPath outside its grants with one line naming --allow-host-path",
  permissions: { read: [SCOPED_DIR], write: [SCOPED_DIR] },
  async fn(t) {
    for (const type of ["Directory", "DirectoryOrCreate", "FileOrCreate", "Socket"]) {
      await t.step(type, async () => {
        const pod = makePod([{ name: "a" }], {
          volumes: [{ name: "pki", hostPath: { path: "/etc/kubernetes/pki", type } }],
        });
        await assert.rejects(setUpPodVolumes(pod, `${SCOPED_DIR}/root`), (e) => {
          assert.ok(e instanceof VolumeSetupError, String(e));
          assert.equal(
            e.message,
            'MountVolume.SetUp failed for volume "pki" : denolet is not permitted to access ' +
              "hostPath /etc/kubernetes/pki: start denolet with --allow-host-path=/etc/kubernetes/pki " +
              "(the hostPath paths of the manifests present at start are granted without it)",
          );
          return true;
        });
      });
    }
    await t.step("inside the grants it still works", async () => {
      const pod = makePod([{ name: "a" }], {
        volumes: [{
          name: "d",
          hostPath: { path: `${SCOPED_DIR}/made`, type: "DirectoryOrCreate" },
        }],
      });
      await setUpPodVolumes(pod, `${SCOPED_DIR}/root`);
      assert.ok((await Deno.stat(`${SCOPED_DIR}/made`)).isDirectory);
    });
  },
});

Deno.test({
  name:
    "setUpPodVolumes() puts a secret on disk (0600 in 0700) with a warning when the grants allow no mount",
  // The agent's grants: its root dir, and `ln` for the symlinks Deno makes only unscoped.
  permissions: { read: [SCOPED_DIR], write: [SCOPED_DIR], run: ["ln"] },
  async fn() {
    const pod = makePod([{ name: "a" }], {
      volumes: [{ name: "s", secret: { secretName: "db" } }],
    });
    const objects = fakeLookup({ secrets: { "default/db": { data: { password: b64("pw") } } } });
    const warnings: string[] = [];
    const paths = await setUpPodVolumes(pod, `${SCOPED_DIR}/root`, {
      objects,
      onTmpfsUnavailable: (m) => warnings.push(m),
    });
    const vol = paths.get("s")!;
    assert.equal(await Deno.readTextFile(`${vol}/password`), "pw");
    assert.equal((await Deno.stat(vol)).mode! & 0o777, 0o700);
    assert.equal((await Deno.stat(`${vol}/password`)).mode! & 0o777, 0o600);
    assert.equal(warnings.length, 1);
    assert.match(warnings[0], /^Cannot mount a tmpfs for secret volume .*--allow-run=mount/);
    // An update swaps ..data through `ln` too.
    const updated = fakeLookup({ secrets: { "default/db": { data: { password: b64("pw2") } } } });
    await setUpPodVolumes(pod, `${SCOPED_DIR}/root`, { objects: updated });
    assert.equal(await Deno.readTextFile(`${vol}/password`), "pw2");
  },
});

Deno.test({
  name:
    "makeMounts() names --allow-host-path when a subPath cannot be made in an ungranted hostPath",
  permissions: { read: [SCOPED_DIR], write: [SCOPED_DIR] },
  async fn() {
    try {
      await assert.rejects(
        makeMounts({
          name: "c",
          volumeMounts: [{ name: "logs", mountPath: "/logs", subPath: "etcd" }],
        }, new Map([["logs", "/var/log/denolet-test"]])),
        (e) => {
          assert.ok(e instanceof TypeError, String(e));
          assert.match(
            e.message,
            /^Cannot mount volume 'logs' in container 'c': denolet is not permitted to access hostPath \/var\/log\/denolet-test: start denolet with --allow-host-path=\/var\/log\/denolet-test /,
          );
          return true;
        },
      );
    } finally {
      await Deno.remove(SCOPED_DIR, { recursive: true });
    }
  },
});
