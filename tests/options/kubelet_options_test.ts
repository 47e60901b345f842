import assert from "node:assert/strict";
import {
  type KubeletOptions,
  loadKubeletOptions,
  type LoadOptions,
} from "../../src/options/kubelet_options.ts";
import { OptionsError } from "../../src/options/options_error.ts";

const HEAD = "apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\n";

/** Loads with in-memory files; `files` maps absolute path → text. */
function fakeIO(files: Record<string, string> = {}): LoadOptions {
  return {
    hostname: () => "Host-A",
    cwd: () => "/work",
    readTextFile: (p) =>
      p in files ? Promise.resolve(files[p]) : Promise.reject(new Deno.errors.NotFound(p)),
    readDir: (dir) =>
      Promise.resolve(
        Object.keys(files)
          .filter((p) => p.startsWith(`${dir}/`) && !p.slice(dir.length + 1).includes("/"))
          .map((p) => ({ name: p.slice(dir.length + 1), isDirectory: false })),
      ),
  };
}

async function load(args: string[], files: Record<string, string> = {}): Promise<KubeletOptions> {
  const r = await loadKubeletOptions(args, fakeIO(files));
  assert.equal(r.kind, "run");
  return (r as { options: KubeletOptions }).options;
}

Deno.test("loadKubeletOptions() without flags gives the kubelet defaults (legacy mode)", async () => {
  const o = await load([]);
  assert.deepEqual(o, {
    configFile: undefined,
    configDir: undefined,
    kubeconfig: undefined,
    standalone: true,
    hostnameOverride: undefined,
    nodeName: "host-a",
    nodeIP: undefined,
    podCIDR: "",
    rootDir: "/var/lib/kubelet",
    maxPods: 110,
    containerRuntimeEndpoint: "unix:///run/containerd/containerd.sock",
    imageServiceEndpoint: "unix:///run/containerd/containerd.sock",
    embeddedRuntime: false,
    runtimeSocketPath: "/run/containerd/containerd.sock",
    imageSocketPath: "/run/containerd/containerd.sock",
    runtimeRequestTimeout: 120_000,
    staticPodPath: "",
    fileCheckFrequency: 20_000,
    staticPodURL: "",
    staticPodURLHeader: {},
    httpCheckFrequency: 20_000,
    syncFrequency: 60_000,
    podLogsDir: "/var/log/pods",
    serializeImagePulls: true,
    maxParallelImagePulls: null,
    registryPullQPS: 5,
    registryBurst: 10,
    imageGCHighThresholdPercent: 85,
    imageGCLowThresholdPercent: 80,
    imageMinimumGCAge: 120_000,
    minimumGCAge: 0,
    maxPerPodContainerCount: 1,
    maxContainerCount: -1,
    address: "127.0.0.1", // safer than the kubelet's 0.0.0.0
    readOnlyPort: 10255,
    healthzPort: 10248,
    healthzBindAddress: "127.0.0.1",
    podNetworkCIDRs: ["10.88.0.0/16"],
    allowHostPaths: [],
    logging: { format: "text", verbosity: 0 },
  });
});

Deno.test("loadKubeletOptions() turns the read-only port off by default with --config", async () => {
  const o = await load(["--config=/etc/k.yaml"], { "/etc/k.yaml": HEAD });
  assert.equal(o.readOnlyPort, 0);
  assert.equal(o.configFile, "/etc/k.yaml");
  const explicit = await load(["--config=/etc/k.yaml", "--read-only-port=10255"], {
    "/etc/k.yaml": HEAD,
  });
  assert.equal(explicit.readOnlyPort, 10255);
});

Deno.test("loadKubeletOptions() applies defaults < config < drop-ins < flags", async () => {
  const files = {
    "/etc/k.yaml": HEAD +
      "maxPods: 10\nregistryBurst: 3\nregistryPullQPS: 7\nsyncFrequency: 10s\n" +
      "logging:\n  format: json\n  verbosity: 3\n",
    "/etc/k.d/10.conf": HEAD + "maxPods: 20\nregistryBurst: 4\n",
    "/etc/k.d/20.conf": HEAD + "maxPods: 30\n",
  };
  const o = await load(
    ["--config", "/etc/k.yaml", "--config-dir", "/etc/k.d", "--max-pods=40", "--v=5"],
    files,
  );
  assert.equal(o.maxPods, 40); // flag
  assert.equal(o.registryBurst, 4); // drop-in
  assert.equal(o.registryPullQPS, 7); // config file
  assert.equal(o.syncFrequency, 10_000); // config file
  assert.equal(o.imageGCHighThresholdPercent, 85); // default
  assert.deepEqual(o.logging, { format: "json", verbosity: 5 });
});

Deno.test("loadKubeletOptions() reads every supported config field", async () => {
  const o = await load(["--config=/etc/k.json"], {
    "/etc/k.json": JSON.stringify({
      apiVersion: "kubelet.config.k8s.io/v1beta1",
      kind: "KubeletConfiguration",
      containerRuntimeEndpoint: "unix:///run/crio/crio.sock",
      imageServiceEndpoint: "unix:///run/images.sock",
      runtimeRequestTimeout: "30s",
      staticPodPath: "manifests",
      staticPodURL: "http://127.0.0.1:8080/pods",
      staticPodURLHeader: { Authorization: ["Bearer t"] },
      fileCheckFrequency: "5s",
      httpCheckFrequency: "6s",
      syncFrequency: "7s",
      podLogsDir: "/srv/logs",
      maxPods: 50,
      imageGCHighThresholdPercent: 90,
      imageGCLowThresholdPercent: 70,
      imageMinimumGCAge: "1h",
      maxParallelImagePulls: 3,
      registryPullQPS: 0,
      registryBurst: 1,
      healthzPort: 0,
      healthzBindAddress: "::1",
      readOnlyPort: 10255,
      address: "127.0.0.1",
      logging: { format: "json", verbosity: 1 },
    }),
  });
  assert.equal(o.containerRuntimeEndpoint, "unix:///run/crio/crio.sock");
  assert.equal(o.runtimeSocketPath, "/run/crio/crio.sock");
  assert.equal(o.imageSocketPath, "/run/images.sock");
  assert.equal(o.runtimeRequestTimeout, 30_000);
  assert.equal(o.staticPodPath, "/etc/manifests");
  assert.equal(o.staticPodURL, "http://127.0.0.1:8080/pods");
  assert.deepEqual(o.staticPodURLHeader, { Authorization: ["Bearer t"] });
  assert.deepEqual(
    [o.fileCheckFrequency, o.httpCheckFrequency, o.syncFrequency],
    [5_000, 6_000, 7_000],
  );
  assert.equal(o.podLogsDir, "/srv/logs");
  assert.equal(o.maxPods, 50);
  assert.deepEqual([o.imageGCHighThresholdPercent, o.imageGCLowThresholdPercent], [90, 70]);
  assert.equal(o.imageMinimumGCAge, 3_600_000);
  assert.equal(o.maxParallelImagePulls, 3);
  assert.equal(o.serializeImagePulls, false); // derived from maxParallelImagePulls >= 2
  assert.deepEqual([o.registryPullQPS, o.registryBurst], [0, 1]);
  assert.deepEqual([o.healthzPort, o.healthzBindAddress], [0, "::1"]);
  assert.deepEqual([o.readOnlyPort, o.address], [10255, "127.0.0.1"]);
  assert.deepEqual(o.logging, { format: "json", verbosity: 1 });
});

Deno.test("loadKubeletOptions() keeps serializeImagePulls true for maxParallelImagePulls 1", async () => {
  const o = await load(["--config=/k.yaml"], { "/k.yaml": HEAD + "maxParallelImagePulls: 1\n" });
  assert.equal(o.serializeImagePulls, true);
});

Deno.test("loadKubeletOptions() resolves relative flag paths against the working dir", async () => {
  const files = { "/work/conf/k.yaml": HEAD + "staticPodPath: pods\npodLogsDir: logs\n" };
  const o = await load(["--config=conf/k.yaml", "--root-dir=state", "--kubeconfig=kc"], files);
  assert.equal(o.configFile, "/work/conf/k.yaml");
  assert.equal(o.staticPodPath, "/work/conf/pods"); // relative to the config file
  assert.equal(o.podLogsDir, "/work/conf/logs");
  assert.equal(o.rootDir, "/work/state");
  assert.equal(o.kubeconfig, "/work/kc");
  assert.equal(o.standalone, false);
  const flag = await load(["--pod-manifest-path", "./m"]);
  assert.equal(flag.staticPodPath, "/work/m");
});

Deno.test("loadKubeletOptions() resolves drop-in paths against the drop-in dir", async () => {
  const o = await load(["--config-dir=/etc/k.d"], {
    "/etc/k.d/a.conf": HEAD + "staticPodPath: ../manifests\n",
  });
  assert.equal(o.staticPodPath, "/etc/manifests");
  assert.equal(o.readOnlyPort, 10255); // no --config: legacy defaults
});

Deno.test("loadKubeletOptions() names the node from --hostname-override or the OS, lower-cased", async () => {
  assert.equal((await load([])).nodeName, "host-a");
  const o = await load(["--hostname-override", "Worker-7"]);
  assert.equal(o.nodeName, "worker-7");
  assert.equal(o.hostnameOverride, "Worker-7");
  let asked = false;
  await loadKubeletOptions(["--hostname-override=n"], {
    ...fakeIO(),
    hostname: () => {
      asked = true;
      return "x";
    },
  });
  assert.equal(asked, false, "the OS hostname is not read when overridden");
});

Deno.test("loadKubeletOptions() uses the embedded runtime socket in the root dir", async () => {
  const o = await load(["--container-runtime-endpoint=embedded", "--root-dir=/tmp/d"]);
  assert.equal(o.embeddedRuntime, true);
  assert.equal(o.imageServiceEndpoint, "embedded");
  assert.equal(o.runtimeSocketPath, "/tmp/d/embedded-cri.sock");
  assert.equal(o.imageSocketPath, "/tmp/d/embedded-cri.sock");
});

Deno.test("loadKubeletOptions() returns help and version results without loading files", async () => {
  const help = await loadKubeletOptions(["--config=/missing.yaml", "--help"], fakeIO());
  assert.equal(help.kind, "help");
  const h = await loadKubeletOptions(["-h"], fakeIO());
  assert.equal(h.kind, "help");
  const version = await loadKubeletOptions(["--version"], fakeIO());
  assert.deepEqual(version, { kind: "version", text: "denolet v0.1.0 (kubelet-compatible v1.35)" });
});

Deno.test("loadKubeletOptions() passes on warnings for deprecated flags and ignored fields", async () => {
  const r = await loadKubeletOptions(
    ["--config=/k.yaml", "--pod-infra-container-image=pause"],
    fakeIO({ "/k.yaml": HEAD + "failSwapOn: false\n" }),
  );
  assert.equal(r.kind, "run");
  if (r.kind !== "run") return;
  assert.equal(r.warnings.length, 2);
  assert.match(r.warnings[0], /failSwapOn/);
  assert.match(r.warnings[1], /pod-infra-container-image/);
});

Deno.test("loadKubeletOptions() reports bad values as one line naming flag or field", async (t) => {
  const cases: [string[], Record<string, string>, string][] = [
    [
      ["--image-gc-high-threshold", "90x"],
      {},
      'invalid value "90x" for flag --image-gc-high-threshold: not an integer',
    ],
    [
      ["--image-gc-low-threshold=90"],
      {},
      "invalid value 90 for flag --image-gc-low-threshold: must not be above the high threshold (85, default)",
    ],
    [
      ["--image-gc-high-threshold=50", "--image-gc-low-threshold=60"],
      {},
      "invalid value 60 for flag --image-gc-low-threshold: must not be above the high threshold (50, --image-gc-high-threshold)",
    ],
    [
      ["--config=/k.yaml"],
      { "/k.yaml": HEAD + "imageGCHighThresholdPercent: 50\n" },
      "invalid value 50 for field imageGCHighThresholdPercent in '/k.yaml': must not be below the low threshold (80, default)",
    ],
    [
      ["--image-gc-high-threshold=101"],
      {},
      "invalid value 101 for flag --image-gc-high-threshold: must be between 0 and 100",
    ],
    [
      ["--config=/k.yaml"],
      { "/k.yaml": HEAD + "imageGCLowThresholdPercent: -1\n" },
      "invalid value -1 for field imageGCLowThresholdPercent in '/k.yaml': must be between 0 and 100",
    ],
    [
      ["--container-runtime-endpoint=tcp://127.0.0.1:1234"],
      {},
      'invalid value "tcp://127.0.0.1:1234" for flag --container-runtime-endpoint: only unix:// endpoints (or "embedded") are supported',
    ],
    [
      ["--container-runtime-endpoint=unix://run/c.sock"],
      {},
      'invalid value "unix://run/c.sock" for flag --container-runtime-endpoint: the socket path must be absolute (unix:///path/to.sock)',
    ],
    [
      ["--image-service-endpoint=/run/c.sock"],
      {},
      'invalid value "/run/c.sock" for flag --image-service-endpoint: only unix:// endpoints (or "embedded") are supported',
    ],
    [
      ["--sync-frequency=-1s"],
      {},
      'invalid value "-1s" for flag --sync-frequency: must be greater than 0',
    ],
    [
      ["--runtime-request-timeout=0"],
      {},
      'invalid value "0s" for flag --runtime-request-timeout: must be greater than 0',
    ],
    [
      ["--minimum-image-ttl-duration=-2m"],
      {},
      'invalid value "-2m0s" for flag --minimum-image-ttl-duration: must not be negative',
    ],
    [
      ["--minimum-container-ttl-duration=-1s"],
      {},
      'invalid value "-1s" for flag --minimum-container-ttl-duration: must not be negative',
    ],
    [["--max-pods=0"], {}, "invalid value 0 for flag --max-pods: must be at least 1"],
    [
      ["--healthz-port=70000"],
      {},
      "invalid value 70000 for flag --healthz-port: must be a port between 0 and 65535",
    ],
    [
      ["--read-only-port=-1"],
      {},
      "invalid value -1 for flag --read-only-port: must be a port between 0 and 65535",
    ],
    [["--registry-qps=-1"], {}, "invalid value -1 for flag --registry-qps: must not be negative"],
    [
      ["--registry-burst=-1"],
      {},
      "invalid value -1 for flag --registry-burst: must not be negative",
    ],
    [
      ["--logging-format=xml"],
      {},
      'invalid value "xml" for flag --logging-format: must be "text" or "json"',
    ],
    [["--v=-1"], {}, "invalid value -1 for flag --v: must not be negative"],
    [
      ["--address=localhost"],
      {},
      'invalid value "localhost" for flag --address: not an IP address',
    ],
    [
      ["--healthz-bind-address=1.2.3"],
      {},
      'invalid value "1.2.3" for flag --healthz-bind-address: not an IP address',
    ],
    [
      ["--node-ip=10.0.0.1,fd00::1,10.0.0.2"],
      {},
      'invalid value "10.0.0.1,fd00::1,10.0.0.2" for flag --node-ip: not an IP address (or a dual-stack pair ip4,ip6)',
    ],
    [
      ["--manifest-url=not a url"],
      {},
      'invalid value "not a url" for flag --manifest-url: not a URL',
    ],
    [
      ["--manifest-url=ftp://x/pods"],
      {},
      'invalid value "ftp://x/pods" for flag --manifest-url: must be an http:// or https:// URL',
    ],
    [
      ["--config=/k.yaml", "--serialize-image-pulls"],
      { "/k.yaml": HEAD + "maxParallelImagePulls: 2\n" },
      "invalid value 2 for field maxParallelImagePulls in '/k.yaml': must be 1 unless serializeImagePulls is false (--serialize-image-pulls)",
    ],
    [
      ["--config=/k.yaml"],
      { "/k.yaml": HEAD + "maxParallelImagePulls: 0\n" },
      "invalid value 0 for field maxParallelImagePulls in '/k.yaml': must be at least 1",
    ],
    [
      ["--config=/k.yaml"],
      { "/k.yaml": HEAD + "maxPods: ten\n" },
      `invalid value "ten" for field maxPods in '/k.yaml': not an integer`,
    ],
    [
      ["--config=/k.yaml"],
      { "/k.yaml": HEAD + "syncFrequency: 60\n" },
      `invalid value 60 for field syncFrequency in '/k.yaml': not a duration string (e.g. "20s", "1m30s")`,
    ],
    [
      ["--config=/k.yaml"],
      { "/k.yaml": HEAD + "syncFrequency: 1x\n" },
      `invalid value "1x" for field syncFrequency in '/k.yaml': not a duration (e.g. 20s, 1m30s)`,
    ],
    [
      ["--config=/k.yaml"],
      { "/k.yaml": HEAD + "serializeImagePulls: 'no'\n" },
      `invalid value "no" for field serializeImagePulls in '/k.yaml': not a boolean (true or false)`,
    ],
    [
      ["--config=/k.yaml"],
      { "/k.yaml": HEAD + "staticPodURLHeader:\n  A: b\n" },
      `invalid value {"A":"b"} for field staticPodURLHeader in '/k.yaml': header "A" is not a list of strings`,
    ],
    [
      ["--config=/k.yaml"],
      { "/k.yaml": HEAD + "logging:\n  format: xml\n" },
      `invalid value "xml" for field logging.format in '/k.yaml': must be "text" or "json"`,
    ],
    [
      ["--config=/k.yaml", "--config-dir=/k.d"],
      { "/k.yaml": HEAD, "/k.d/a.conf": HEAD + "healthzPort: 99999\n" },
      "invalid value 99999 for field healthzPort in '/k.d/a.conf': must be a port between 0 and 65535",
    ],
    [["--config="], {}, 'invalid value "" for flag --config: empty'],
    [
      ["--hostname-override=bad_name"],
      {},
      'invalid node name "bad_name" (from --hostname-override): must be a lower-case DNS-1123 subdomain',
    ],
    [["--root-dir="], {}, 'invalid value "" for flag --root-dir: must not be empty'],
    [
      ["--root-dir=/var/lib/a,b"],
      {},
      'invalid value "/var/lib/a,b" for flag --root-dir: a path with a comma cannot be granted (Deno\'s allow-lists are comma-separated)',
    ],
    [
      ["--pod-manifest-path=/etc/k8s,old"],
      {},
      'invalid value "/etc/k8s,old" for flag --pod-manifest-path: a path with a comma cannot be granted (Deno\'s allow-lists are comma-separated)',
    ],
    [
      ["--container-runtime-endpoint=unix:///run/a,b.sock"],
      {},
      'invalid value "unix:///run/a,b.sock" for flag --container-runtime-endpoint: a path with a comma cannot be granted (Deno\'s allow-lists are comma-separated)',
    ],
    [
      ["--config=/etc/a,b.yaml"],
      {},
      'invalid value "/etc/a,b.yaml" for flag --config: a path with a comma cannot be granted (Deno\'s allow-lists are comma-separated)',
    ],
    [
      ["--config=/k.yaml"],
      { "/k.yaml": HEAD + "podLogsDir: /var/log/a,b\n" },
      "invalid value \"/var/log/a,b\" for field podLogsDir in '/k.yaml': a path with a comma cannot be granted (Deno's allow-lists are comma-separated)",
    ],
    [
      ["--pod-network-cidr=10.88.0.0"],
      {},
      'invalid value "10.88.0.0" for flag --pod-network-cidr: not a CIDR (e.g. 10.88.0.0/16)',
    ],
    [
      ["--pod-network-cidr=10.88.0.0/40"],
      {},
      'invalid value "10.88.0.0/40" for flag --pod-network-cidr: prefix length out of range',
    ],
    [
      ["--config=/k.yaml"],
      { "/k.yaml": HEAD + "podCIDR: pods\n" },
      "invalid value \"pods\" for field podCIDR in '/k.yaml': not a CIDR (e.g. 10.88.0.0/16)",
    ],
    [
      ["--allow-host-path=etc/kubernetes"],
      {},
      'invalid value ["etc/kubernetes"] for flag --allow-host-path: "etc/kubernetes" is not an absolute path',
    ],
  ];
  for (const [args, files, message] of cases) {
    await t.step(message, async () => {
      await assert.rejects(() => loadKubeletOptions(args, fakeIO(files)), (e) => {
        assert.ok(e instanceof OptionsError, String(e));
        assert.equal(e.message, message);
        assert.ok(!e.message.includes("\n"));
        return true;
      });
    });
  }
});

Deno.test("loadKubeletOptions() asks for --hostname-override when the hostname is unavailable", async () => {
  await assert.rejects(
    () =>
      loadKubeletOptions([], {
        ...fakeIO(),
        hostname: () => {
          throw new Error("denied");
        },
      }),
    {
      name: "OptionsError",
      message: "Cannot determine the node name: denied; pass --hostname-override",
    },
  );
});

Deno.test("loadKubeletOptions() reads a real config file and drop-in dir from disk", async () => {
  const dir = await Deno.makeTempDir({ prefix: "denolet-options-" });
  try {
    await Deno.writeTextFile(`${dir}/config.yaml`, HEAD + "staticPodPath: manifests\nmaxPods: 5\n");
    await Deno.mkdir(`${dir}/conf.d`);
    await Deno.writeTextFile(`${dir}/conf.d/a.conf`, HEAD + "maxPods: 6\n");
    const r = await loadKubeletOptions(
      [`--config=${dir}/config.yaml`, `--config-dir=${dir}/conf.d`, "--hostname-override=n1"],
    );
    assert.equal(r.kind, "run");
    if (r.kind !== "run") return;
    assert.equal(r.options.staticPodPath, `${dir}/manifests`);
    assert.equal(r.options.maxPods, 6);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("loadKubeletOptions() says where a relative --root-dir went, in one warning", async () => {
  const r = await loadKubeletOptions(["--root-dir=.denolet/root"], fakeIO());
  assert.equal(r.kind, "run");
  if (r.kind !== "run") return;
  assert.equal(r.options.rootDir, "/work/.denolet/root");
  assert.deepEqual(r.warnings, [
    '--root-dir ".denolet/root" is relative: using "/work/.denolet/root" (resolved against the working directory)',
  ]);
  const absolute = await loadKubeletOptions(["--root-dir=/srv/denolet"], fakeIO());
  assert.deepEqual(absolute.kind === "run" && absolute.warnings, []);
});

Deno.test("loadKubeletOptions() picks the pod network from --pod-network-cidr, else podCIDR, else 10.88.0.0/16", async () => {
  const files = { "/k.yaml": HEAD + "podCIDR: 10.244.1.0/24\n" };
  assert.deepEqual((await load([])).podNetworkCIDRs, ["10.88.0.0/16"]);
  const fromConfig = await load(["--config=/k.yaml"], files);
  assert.deepEqual([fromConfig.podCIDR, fromConfig.podNetworkCIDRs], [
    "10.244.1.0/24",
    ["10.244.1.0/24"],
  ]);
  assert.deepEqual((await load(["--pod-cidr=10.1.0.0/16"])).podNetworkCIDRs, ["10.1.0.0/16"]);
  const flag = await load(
    ["--config=/k.yaml", "--pod-network-cidr=10.0.0.0/8, 172.16.0.0/12"],
    files,
  );
  assert.deepEqual(flag.podNetworkCIDRs, ["10.0.0.0/8", "172.16.0.0/12"]);
  assert.deepEqual((await load(["--pod-network-cidr="])).podNetworkCIDRs, []);
});

Deno.test("loadKubeletOptions() warns that an IPv6 pod network cannot be granted", async () => {
  const r = await loadKubeletOptions(["--pod-network-cidr=10.88.0.0/16,fd00:88::/64"], fakeIO());
  assert.equal(r.kind, "run");
  if (r.kind !== "run") return;
  assert.deepEqual(r.options.podNetworkCIDRs, ["10.88.0.0/16", "fd00:88::/64"]);
  assert.deepEqual(r.warnings, [
    "pod network fd00:88::/64 (--pod-network-cidr) is not granted: Deno's --allow-net cannot grant an IPv6 range, so probes and hooks to those pod IPs will be refused",
  ]);
});

Deno.test("loadKubeletOptions() collects --allow-host-path lists, repeatable", async () => {
  const o = await load([
    "--allow-host-path=/etc/kubernetes,/var/lib/etcd",
    "--allow-host-path",
    "/srv",
  ]);
  assert.deepEqual(o.allowHostPaths, ["/etc/kubernetes", "/var/lib/etcd", "/srv"]);
});
