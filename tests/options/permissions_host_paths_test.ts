import assert from "node:assert/strict";
import {
  computeAgentPermissions,
  computePermissions,
  podHostPaths,
} from "../../src/options/permissions.ts";
import { parse as parseYaml } from "yaml";
import { load } from "./_helpers.ts";

const CONTROL_PLANE_POD = `apiVersion: v1
kind: Pod
metadata: {name: etcd, namespace: kube-system}
spec:
  containers:
  - name: etcd
    image: registry.k8s.io/etcd:3.5
    volumeMounts:
    - {name: data, mountPath: /var/lib/etcd}
    - {name: certs, mountPath: /etc/kubernetes/pki/etcd}
    - {name: logs, mountPath: /logs, subPath: etcd}
  volumes:
  - {name: data, hostPath: {path: /var/lib/etcd, type: DirectoryOrCreate}}
  - {name: certs, hostPath: {path: /etc/kubernetes/pki/etcd, type: Directory}}
  - {name: ca, hostPath: {path: /usr/share/ca-certificates}}
  - {name: sock, hostPath: {path: /run/etcd.sock, type: Socket}}
  - {name: logs, hostPath: {path: /var/log/etcd}}
  - {name: bad, hostPath: {path: relative/dir, type: Directory}}
  - {name: comma, hostPath: {path: "/srv/a,b", type: Directory}}
`;

Deno.test("podHostPaths() asks for what the agent touches: nothing for untyped, stat, or stat and create", () => {
  assert.deepEqual(podHostPaths(parseYaml(CONTROL_PLANE_POD)), {
    // DirectoryOrCreate; untyped but mounted with a subPath (the agent makes it)
    // Directory and Socket are only stat'ed
    read: ["/var/lib/etcd", "/etc/kubernetes/pki/etcd", "/run/etcd.sock", "/var/log/etcd"],
    write: ["/var/lib/etcd", "/var/log/etcd"],
  });
  for (
    const junk of [null, 3, "x", [], { spec: { volumes: "no" } }, { spec: { volumes: [null] } }]
  ) {
    assert.deepEqual(podHostPaths(junk), { read: [], write: [] });
  }
});

Deno.test("computeAgentPermissions() grants the hostPaths of the manifests present, ignoring bad files", async () => {
  const dir = await Deno.makeTempDir({ prefix: "denolet-perms-" });
  try {
    await Deno.writeTextFile(`${dir}/etcd.yaml`, CONTROL_PLANE_POD);
    await Deno.writeTextFile(
      `${dir}/api.json`,
      JSON.stringify({
        kind: "Pod",
        spec: {
          volumes: [{ name: "k", hostPath: { path: "/etc/kubernetes", type: "Directory" } }],
        },
      }),
    );
    await Deno.writeTextFile(`${dir}/broken.yaml`, "spec: [unclosed\n  volumes: :\n");
    await Deno.writeTextFile(`${dir}/.hidden.yaml`, CONTROL_PLANE_POD.replaceAll("etcd", "hid"));
    await Deno.writeTextFile(`${dir}/notes.txt`, CONTROL_PLANE_POD.replaceAll("etcd", "txt"));
    const options = await load([
      `--pod-manifest-path=${dir}`,
      "--allow-host-path=/srv/data",
      "--root-dir=/var/lib/denolet",
    ]);
    const perms = await computeAgentPermissions(options);
    assert.deepEqual(perms.read, [
      dir,
      "/var/lib/denolet",
      "/var/log/pods",
      "/run/containerd/containerd.sock",
      "/etc/kubernetes", // covers /etc/kubernetes/pki/etcd
      "/var/lib/etcd",
      "/run/etcd.sock",
      "/var/log/etcd",
      "/srv/data",
    ]);
    assert.deepEqual(perms.write, [
      "/var/lib/denolet",
      "/var/log/pods",
      "/run/containerd/containerd.sock",
      "/var/lib/etcd",
      "/var/log/etcd",
      "/srv/data",
    ]);
    assert.ok(!perms.read.some((p) => p.includes("hid") || p.includes("txt") || p.includes(",")));
    // A single manifest file works too; a missing path grants nothing more.
    const single = await computeAgentPermissions(
      await load([`--pod-manifest-path=${dir}/api.json`]),
    );
    assert.ok(single.read.includes("/etc/kubernetes"));
    const missing = await load([`--pod-manifest-path=${dir}/nope`]);
    assert.deepEqual(
      (await computeAgentPermissions(missing)).read,
      computePermissions(missing).read,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("computeAgentPermissions() reads manifests with the file source's YAML rules", async () => {
  const files: Record<string, string> = {
    // A merge key (YAML 1.1, as the kubelet reads manifests) sets the type.
    "/m/merged.yaml": "kind: Pod\nspec:\n  volumes:\n  - name: d\n    hostPath:\n" +
      "      <<: {type: DirectoryOrCreate}\n      path: /srv/merged\n",
    // A YAML flow mapping starts with "{" and is no JSON.
    "/m/flow.yaml": "{kind: Pod, spec: {volumes: [{name: k, hostPath: {path: /srv/flow, " +
      "type: Directory}}]}}\n",
  };
  const io = {
    stat: (p: string) =>
      Promise.resolve({ isFile: p in files, isDirectory: p === "/m", size: files[p]?.length ?? 0 }),
    readDir: () => Object.keys(files).map((p) => ({ name: p.slice("/m/".length) })),
    readTextFile: (p: string) => Promise.resolve(files[p]),
  };
  const perms = await computeAgentPermissions(await load(["--pod-manifest-path=/m"]), {}, io);
  assert.ok(perms.read.includes("/srv/flow"), String(perms.read));
  assert.ok(perms.write.includes("/srv/merged"), String(perms.write));
  assert.ok(!perms.write.includes("/srv/flow"), "Directory is only stat'ed");
});

Deno.test("computeAgentPermissions() reads every Pod of a multi-document file and PodList items", async () => {
  const dir = await Deno.makeTempDir({ prefix: "denolet-perms-multi-" });
  const pod = (path: string, type: string) =>
    JSON.stringify({
      kind: "Pod",
      spec: { volumes: [{ name: "v", hostPath: { path, type } }] },
    });
  try {
    await Deno.writeTextFile(
      `${dir}/app.yaml`,
      [
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {a: b}",
        pod("/srv/one", "Directory"),
        `{"kind": "PodList", "items": [${pod("/srv/two", "DirectoryOrCreate")}]}`,
        "spec: [broken",
      ].join("\n---\n"),
    );
    const perms = await computeAgentPermissions(await load([`--pod-manifest-path=${dir}`]));
    assert.ok(perms.read.includes("/srv/one"));
    assert.ok(perms.read.includes("/srv/two") && perms.write.includes("/srv/two"));
    assert.ok(!perms.write.includes("/srv/one"));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
