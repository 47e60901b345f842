import assert from "node:assert/strict";
import { type KubeletOptions, loadKubeletOptions } from "../../src/options/kubelet_options.ts";
import {
  computePermissions,
  permissionFlags,
  TLS_ENV_VARS,
  YAML_ENV_VARS,
} from "../../src/options/permissions.ts";
import { GRPC_ENV_VARS } from "../../src/cri/permissions_env.ts";

const HEAD = "apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\n";
const ENV = [...GRPC_ENV_VARS, ...YAML_ENV_VARS, ...TLS_ENV_VARS];

async function load(args: string[], files: Record<string, string> = {}): Promise<KubeletOptions> {
  const r = await loadKubeletOptions(args, {
    hostname: () => "host",
    cwd: () => "/work",
    readTextFile: (p) => Promise.resolve(files[p]),
    readDir: (d) =>
      Promise.resolve(
        Object.keys(files).filter((p) => p.startsWith(`${d}/`)).map((p) => ({
          name: p.slice(d.length + 1),
          isDirectory: false,
        })),
      ),
  });
  if (r.kind !== "run") throw new Error("expected a run result");
  return r.options;
}

Deno.test("computePermissions() for the defaults grants the containerd socket and local ports", async () => {
  const perms = computePermissions(await load([]));
  assert.deepEqual(perms, {
    read: ["/var/lib/kubelet", "/var/log/pods", "/run/containerd/containerd.sock"],
    write: ["/var/lib/kubelet", "/var/log/pods", "/run/containerd/containerd.sock"],
    net: ["unix:/run/containerd/containerd.sock", "127.0.0.1:10248", "0.0.0.0:10255", "127.0.0.1"],
    env: ENV,
    sys: "all",
  });
  assert.deepEqual(permissionFlags(perms), [
    "--allow-read=/var/lib/kubelet,/var/log/pods,/run/containerd/containerd.sock",
    "--allow-write=/var/lib/kubelet,/var/log/pods,/run/containerd/containerd.sock",
    "--allow-net=unix:/run/containerd/containerd.sock,127.0.0.1:10248,0.0.0.0:10255,127.0.0.1",
    `--allow-env=${ENV.join(",")}`,
    "--allow-sys",
  ]);
  assert.ok(perms.env.includes("LOG_TOKENS") && perms.env.includes("LOG_STREAM"));
  assert.ok(perms.env.includes("GRPC_TRACE"));
  assert.ok(!perms.env.some((e) => e.includes("*") || e.endsWith("_proxy")), "no proxy vars");
});

Deno.test("computePermissions() for a full config scopes every path, socket and host", async () => {
  const files = {
    "/etc/denolet/config.yaml": HEAD +
      "staticPodPath: manifests\n" +
      "staticPodURL: https://pods.example.com/node.yaml\n" +
      "staticPodURLHeader:\n  Authorization: ['Bearer x']\n" +
      "containerRuntimeEndpoint: unix:///run/crio/crio.sock\n" +
      "imageServiceEndpoint: unix:///run/crio/images.sock\n" +
      "podLogsDir: /srv/logs\n" +
      "healthzBindAddress: '::1'\n" +
      "healthzPort: 10248\n",
    "/etc/denolet/conf.d/a.conf": HEAD + "maxPods: 5\n",
  };
  const options = await load([
    "--config=/etc/denolet/config.yaml",
    "--config-dir=/etc/denolet/conf.d",
    "--kubeconfig=/etc/denolet/kubeconfig",
    "--hostname-override=node-1",
    "--root-dir=/srv/denolet",
  ], files);
  assert.deepEqual(computePermissions(options), {
    read: [
      "/etc/denolet/config.yaml",
      "/etc/denolet/conf.d",
      "/etc/denolet/kubeconfig",
      "/etc/denolet/manifests",
      "/srv/denolet",
      "/srv/logs",
      "/run/crio/crio.sock",
      "/run/crio/images.sock",
    ],
    write: ["/srv/denolet", "/srv/logs", "/run/crio/crio.sock", "/run/crio/images.sock"],
    net: [
      "unix:/run/crio/crio.sock",
      "unix:/run/crio/images.sock",
      "pods.example.com:443",
      "[::1]:10248",
      "127.0.0.1",
    ],
    env: ENV,
    sys: "all",
  });
});

Deno.test("computePermissions() for the embedded runtime grants its socket in the root dir", async () => {
  const options = await load([
    "--container-runtime-endpoint=embedded",
    "--root-dir=/tmp/denolet",
    "--pod-manifest-path=/tmp/denolet/manifests",
    "--manifest-url=http://127.0.0.1:8080/pods",
    "--healthz-port=0",
    "--read-only-port=10255",
    "--address=127.0.0.1",
    "--hostname-override=demo",
  ]);
  assert.deepEqual(computePermissions(options), {
    // the socket and manifest dir are inside the root dir, which is granted whole
    read: ["/tmp/denolet", "/var/log/pods"],
    write: ["/tmp/denolet", "/var/log/pods"],
    net: ["unix:/tmp/denolet/embedded-cri.sock", "127.0.0.1:8080", "127.0.0.1:10255", "127.0.0.1"],
    env: ENV,
    sys: "all",
  });
});

Deno.test("computePermissions() adds extra entries and takes a replacement env list", async () => {
  const options = await load(["--hostname-override=n", "--kubeconfig=/k"]);
  const perms = computePermissions(options, {
    read: ["/etc/ca.crt", "/var/lib/kubelet/pki"],
    net: ["10.0.0.1:6443"],
    env: ["GRPC_TRACE"],
  });
  assert.deepEqual(perms.read, [
    "/k",
    "/var/lib/kubelet",
    "/var/log/pods",
    "/run/containerd/containerd.sock",
    "/etc/ca.crt",
  ]);
  assert.deepEqual(perms.net.at(-1), "10.0.0.1:6443");
  assert.deepEqual(perms.env, ["GRPC_TRACE"]);
  assert.equal(perms.sys, "all");
});

Deno.test("computePermissions() never grants unscoped net or env", async () => {
  for (const args of [[], ["--container-runtime-endpoint=embedded"], ["--healthz-port=0"]]) {
    const flags = permissionFlags(computePermissions(await load(args)));
    for (const f of flags.filter((f) => f !== "--allow-sys")) assert.match(f, /^--allow-[a-z]+=.+/);
    assert.ok(!flags.includes("-A") && !flags.includes("--allow-all"));
  }
});

Deno.test("permissionFlags() orders kinds, skips empty lists and rejects commas", () => {
  assert.deepEqual(
    permissionFlags({ read: [], write: ["/w"], net: [], env: ["A"], run: ["ctr"], sys: [] }),
    ["--allow-write=/w", "--allow-env=A", "--allow-run=ctr"],
  );
  assert.throws(
    () => permissionFlags({ read: ["/a,b"], write: [], net: [], env: [] }),
    RangeError,
  );
  assert.throws(() => permissionFlags({ read: [""], write: [], net: [], env: [] }), RangeError);
});
