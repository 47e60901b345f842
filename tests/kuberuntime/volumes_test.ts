import assert from "node:assert/strict";
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

function recordingMount(fail?: string): MountOps & { mounted: Map<string, number | undefined> } {
  const mounted = new Map<string, number | undefined>();
  return {
    mounted,
    mountTmpfs(path, size) {
      if (fail) return Promise.reject(new Error(fail));
      mounted.set(path, size);
      return Promise.resolve();
    },
    unmount(path) {
      mounted.delete(path);
      return Promise.resolve();
    },
    isMountPoint(path) {
      return Promise.resolve(mounted.has(path));
    },
  };
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
        "configMap",
        { volumes: [{ name: "v", configMap: { name: "c" } }] },
        /volume type 'configMap' is not supported/,
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
        readonly: true,
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
