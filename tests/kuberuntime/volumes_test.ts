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
