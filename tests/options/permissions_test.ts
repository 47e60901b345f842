import assert from "node:assert/strict";
import {
  computePermissions,
  permissionFlags,
  TLS_ENV_VARS,
  YAML_ENV_VARS,
} from "../../src/options/permissions.ts";
import { GRPC_ENV_VARS } from "../../src/cri/permissions_env.ts";
import { HEAD, load } from "./_helpers.ts";
import { testPki } from "../client/_certs.ts";

const ENV = [...GRPC_ENV_VARS, ...YAML_ENV_VARS, ...TLS_ENV_VARS];

const pki = await testPki();

/** A kubeconfig with one context; `cluster` and `user` are flow mappings' contents. */
function kubeconfig(cluster: string, user = "token: t"): string {
  return "current-context: c\ncontexts: [{name: c, context: {cluster: c, user: u}}]\n" +
    `clusters: [{name: c, cluster: {${cluster}}}]\nusers: [{name: u, user: {${user}}}]\n`;
}

Deno.test("computePermissions() for the defaults grants the containerd socket and local ports", async () => {
  const perms = computePermissions(await load([]));
  assert.deepEqual(perms, {
    read: ["/var/lib/kubelet", "/var/log/pods", "/run/containerd/containerd.sock"],
    write: ["/var/lib/kubelet", "/var/log/pods", "/run/containerd/containerd.sock"],
    net: [
      "unix:/run/containerd/containerd.sock",
      "127.0.0.1:10248",
      "127.0.0.1:10255",
      "127.0.0.1",
      "10.88.0.0/16",
    ],
    env: ENV,
    sys: "all",
    run: ["ln", "mount", "umount"],
  });
  assert.deepEqual(permissionFlags(perms), [
    "--allow-read=/var/lib/kubelet,/var/log/pods,/run/containerd/containerd.sock",
    "--allow-write=/var/lib/kubelet,/var/log/pods,/run/containerd/containerd.sock",
    "--allow-net=unix:/run/containerd/containerd.sock,127.0.0.1:10248,127.0.0.1:10255,127.0.0.1,10.88.0.0/16",
    `--allow-env=${ENV.join(",")}`,
    "--allow-sys",
    "--allow-run=ln,mount,umount",
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
    "/etc/denolet/kubeconfig": kubeconfig(
      "server: 'https://10.0.0.1:6443', certificate-authority: pki/ca.crt",
    ),
    "/etc/denolet/pki/ca.crt": pki.ca,
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
      "/etc/denolet/pki/ca.crt",
      "/etc/machine-id",
      "/var/lib/dbus/machine-id",
      "/etc/os-release",
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
      "10.0.0.1:6443",
      "[::1]:10248",
      "127.0.0.1:10250",
      "127.0.0.1",
      "10.88.0.0/16",
    ],
    env: ENV,
    sys: "all",
    run: ["ln", "mount", "umount"],
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
    net: [
      "unix:/tmp/denolet/embedded-cri.sock",
      "127.0.0.1:8080",
      "127.0.0.1:10255",
      "127.0.0.1",
      "10.88.0.0/16",
    ],
    env: ENV,
    sys: "all",
    run: ["ln", "mount", "umount"],
  });
});

Deno.test("computePermissions() adds extra entries and takes a replacement env list", async () => {
  const options = await load(["--hostname-override=n", "--kubeconfig=/k"], {
    "/k": kubeconfig("server: 'http://10.0.0.9:8080'"),
  });
  const perms = computePermissions(options, {
    read: ["/etc/ca.crt", "/var/lib/kubelet/pki"],
    net: ["10.0.0.1:6443"],
    env: ["GRPC_TRACE"],
  });
  assert.deepEqual(perms.read, [
    "/k",
    "/etc/machine-id",
    "/var/lib/dbus/machine-id",
    "/etc/os-release",
    "/var/lib/kubelet",
    "/var/log/pods",
    "/run/containerd/containerd.sock",
    "/etc/ca.crt",
  ]);
  assert.deepEqual(perms.net.at(-1), "10.0.0.1:6443");
  assert.deepEqual(perms.env, ["GRPC_TRACE"]);
  assert.equal(perms.sys, "all");
});

Deno.test("computePermissions() with --kubeconfig adds exactly the API server, the files it names and the nodeInfo files", async () => {
  const files = {
    "/etc/kubernetes/kubelet.conf": kubeconfig(
      "server: 'https://api.example:6443', certificate-authority: /etc/kubernetes/pki/ca.crt",
      "client-certificate: certs/node.crt, client-key: certs/node.key, tokenFile: /run/denolet/token",
    ),
    "/etc/kubernetes/pki/ca.crt": pki.ca,
    "/etc/kubernetes/certs/node.crt": pki.clientCert,
    "/etc/kubernetes/certs/node.key": pki.clientKey,
    "/run/denolet/token": "abc\n",
  };
  const base = computePermissions(await load(["--hostname-override=n"], files));
  const joined = computePermissions(
    await load(["--hostname-override=n", "--kubeconfig=/etc/kubernetes/kubelet.conf"], files),
  );
  const added = (a: string[], b: string[]) => b.filter((e) => !a.includes(e));
  assert.deepEqual(added(base.read, joined.read), [
    "/etc/kubernetes/kubelet.conf",
    "/etc/kubernetes/pki/ca.crt",
    "/etc/kubernetes/certs/node.crt",
    "/etc/kubernetes/certs/node.key",
    "/run/denolet/token",
    "/etc/machine-id",
    "/var/lib/dbus/machine-id",
    "/etc/os-release",
  ]);
  assert.deepEqual(added(joined.read, base.read), []);
  assert.deepEqual(
    added(base.net, joined.net),
    ["api.example:6443", "127.0.0.1:10250"],
    "the API server, and the kubelet API's port",
  );
  assert.deepEqual(added(joined.net, base.net), []);
  assert.deepEqual(joined.write, base.write, "the client writes nothing");
  assert.deepEqual(joined.env, base.env, "no environment variable");
  assert.equal(joined.unsafelyIgnoreCertificateErrors, undefined);
});

Deno.test("computePermissions() for a kubeconfig: default ports, files under the root dir, insecure-skip-tls-verify", async (t) => {
  await t.step("https without a port is :443, http :80", async () => {
    for (
      const [server, want] of [["https://api.example", "api.example:443"], [
        "http://10.0.0.2",
        "10.0.0.2:80",
      ]]
    ) {
      const o = await load(["--kubeconfig=/kc"], { "/kc": kubeconfig(`server: '${server}'`) });
      assert.ok(computePermissions(o).net.includes(want), `${server} -> ${want}`);
    }
  });
  await t.step("a certificate inside the root dir is covered by the root dir's grant", async () => {
    const o = await load(["--kubeconfig=/var/lib/kubelet/kubeconfig"], {
      "/var/lib/kubelet/kubeconfig": kubeconfig(
        "server: 'https://10.0.0.1:6443'",
        "client-certificate: pki/c.crt, client-key: pki/c.key",
      ),
      "/var/lib/kubelet/pki/c.crt": pki.clientCert,
      "/var/lib/kubelet/pki/c.key": pki.clientKey,
    });
    const read = computePermissions(o).read;
    assert.ok(read.includes("/var/lib/kubelet"));
    assert.ok(!read.some((p) => p.startsWith("/var/lib/kubelet/")), read.join(","));
  });
  await t.step(
    "insecure-skip-tls-verify skips verification for the API server's host only",
    async () => {
      const o = await load(["--kubeconfig=/kc"], {
        "/kc": kubeconfig("server: 'https://api.example:6443', insecure-skip-tls-verify: true"),
      });
      const perms = computePermissions(o);
      assert.deepEqual(perms.unsafelyIgnoreCertificateErrors, ["api.example"]);
      assert.equal(
        permissionFlags(perms).at(-1),
        "--unsafely-ignore-certificate-errors=api.example",
      );
    },
  );
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
  assert.throws(
    () =>
      permissionFlags({
        read: [],
        write: [],
        net: [],
        env: [],
        unsafelyIgnoreCertificateErrors: [""],
      }),
    RangeError,
  );
});

const PROBE = new URL("./_net_probe.ts", import.meta.url).pathname;

/** Runs the net probe fixture under exactly `flags`; one output line per URL. */
async function probeUnder(flags: string[], urls: string[]): Promise<string[]> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--no-prompt", ...flags, PROBE, ...urls],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stderr = new TextDecoder().decode(out.stderr);
  assert.equal(out.code, 0, `deno refused the flags: ${stderr}`);
  return new TextDecoder().decode(out.stdout).trim().split("\n");
}

Deno.test("computePermissions() brackets IPv6 node IPs, and Deno starts with the flags", async (t) => {
  const cases: [string, string[]][] = [
    ["::1", ["[::1]"]],
    ["10.0.0.5,fd00::5", ["10.0.0.5", "[fd00::5]"]],
  ];
  for (const [nodeIP, want] of cases) {
    await t.step(nodeIP, async () => {
      const perms = computePermissions(await load([`--node-ip=${nodeIP}`]));
      for (const host of want) assert.ok(perms.net.includes(host), `${host} in ${perms.net}`);
      // Before: "ipv6 addresses must be enclosed in square brackets" and no start.
      const lines = await probeUnder(permissionFlags(perms), []);
      assert.deepEqual(lines, [""]);
    });
  }
});

Deno.test("computePermissions() grants the pod network's IPv4 ranges, never an IPv6 one", async () => {
  const config = { "/k.yaml": HEAD + "podCIDR: 10.244.3.0/24\n" };
  const net = (args: string[]) => load(args, config).then((o) => computePermissions(o).net);
  assert.ok((await net([])).includes("10.88.0.0/16"));
  assert.equal((await net(["--config=/k.yaml"])).at(-1), "10.244.3.0/24");
  const dual = await net(["--pod-network-cidr=10.1.0.0/16,fd00:1::/64"]);
  assert.ok(dual.includes("10.1.0.0/16"));
  assert.ok(!dual.some((e) => e.includes("fd00")), "Deno 2.9.6 cannot parse an IPv6 range");
  assert.ok(!(await net(["--pod-network-cidr="])).some((e) => /\/\d+$/.test(e)));
});

Deno.test("a fetch to a pod IP inside --pod-network-cidr is permitted, and one outside refused", async () => {
  // Loopback stands in for the pod network: 127.0.0.2 is inside 127.0.0.0/24,
  // 127.0.1.2 outside (and outside the always-granted 127.0.0.1).
  const ac = new AbortController();
  const server = Deno.serve(
    { hostname: "127.0.0.2", port: 0, signal: ac.signal, onListen: () => {} },
    () => new Response("ok"),
  );
  try {
    const perms = computePermissions(
      await load(["--pod-network-cidr=127.0.0.0/24", "--read-only-port=0"]),
    );
    const port = server.addr.port;
    const lines = await probeUnder(permissionFlags(perms), [
      `http://127.0.0.2:${port}/`,
      `http://127.0.1.2:${port}/`,
    ]);
    assert.deepEqual(lines, ["permitted 200", "refused NotCapable"]);
  } finally {
    ac.abort();
    await server.finished;
  }
});

Deno.test("computePermissions() grants read of /var/log only where /logs/ is served", async () => {
  const reads = async (args: string[], config = "") =>
    computePermissions(await load(["--config=/k.yaml", ...args], { "/k.yaml": HEAD + config }))
      .read.includes("/var/log");
  assert.equal(await reads([]), false, "enableSystemLogHandler is off by default");
  assert.equal(await reads(["--read-only-port=10255"], "enableSystemLogHandler: true\n"), false);
  assert.equal(
    await reads(
      ["--read-only-port=10255", "--local-debugging-handlers"],
      "enableSystemLogHandler: true\n",
    ),
    true,
    "served on the read-only port",
  );
  assert.equal(
    await reads(
      ["--read-only-port=10255", "--local-debugging-handlers"],
      "enableSystemLogHandler: true\nenableDebuggingHandlers: false\n",
    ),
    false,
    "not without the debugging handlers",
  );
});
