import assert from "node:assert/strict";
import { loadKubeletOptions } from "../../src/options/kubelet_options.ts";
import { fakeIO, HEAD, load } from "./_helpers.ts";

Deno.test("loadKubeletOptions() without flags gives the kubelet defaults (legacy mode)", async () => {
  // kubeletConfiguration (the /configz view) has its own tests (tests/kubeletserver/configz_test.ts).
  const { kubeletConfiguration: _, ...o } = await load([]);
  assert.deepEqual(o, {
    configFile: undefined,
    configDir: undefined,
    kubeconfig: undefined,
    standalone: true,
    apiServer: undefined,
    kubeAPIQPS: 50,
    kubeAPIBurst: 100,
    hostnameOverride: undefined,
    nodeName: "host-a",
    nodeIP: undefined,
    podCIDR: "",
    rootDir: "/var/lib/kubelet",
    maxPods: 110,
    registerNode: true,
    nodeLabels: {},
    registerWithTaints: [],
    nodeStatusUpdateFrequency: 10_000,
    nodeStatusReportFrequency: 300_000,
    nodeLeaseDurationSeconds: 40,
    eventRecordQPS: 50,
    eventBurst: 100,
    systemReserved: {},
    kubeReserved: {},
    evictionHard: {
      "memory.available": "100Mi",
      "nodefs.available": "10%",
      "nodefs.inodesFree": "5%",
      "imagefs.available": "15%",
      "imagefs.inodesFree": "5%",
    },
    configMapAndSecretChangeDetectionStrategy: "Watch",
    server: {
      enabled: true,
      port: 10250,
      tlsCertFile: undefined,
      tlsPrivateKeyFile: undefined,
      tlsMinVersion: "",
      tlsCipherSuites: [],
      clientCAFile: undefined,
      tokenWebhook: true,
      tokenWebhookCacheTTL: 120_000,
      anonymous: false,
      authorizationMode: "Webhook",
      authorizedTTL: 300_000,
      unauthorizedTTL: 30_000,
      streamingConnectionIdleTimeout: 14_400_000,
      debuggingHandlers: true,
      systemLogHandler: false, // the kubelet's default is true
    },
    containerRuntimeEndpoint: "unix:///run/containerd/containerd.sock",
    imageServiceEndpoint: "unix:///run/containerd/containerd.sock",
    embeddedRuntime: false,
    runtimeSocketPath: "/run/containerd/containerd.sock",
    imageSocketPath: "/run/containerd/containerd.sock",
    runtimeRequestTimeout: 120_000,
    plegRelistPeriod: 1000,
    staticPodPath: "",
    fileCheckFrequency: 20_000,
    staticPodURL: "",
    staticPodURLHeader: {},
    httpCheckFrequency: 20_000,
    syncFrequency: 60_000,
    parallelContainerStarts: true,
    maxConcurrentPodStarts: 0,
    podStartRamp: "firstAlone",
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
    localDebuggingHandlers: false,
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

Deno.test("loadKubeletOptions() reads parallelContainerStarts, maxConcurrentPodStarts and podStartRamp (denolet only)", async () => {
  const files = {
    "/etc/k.yaml": HEAD +
      "parallelContainerStarts: false\nmaxConcurrentPodStarts: 4\npodStartRamp: none\n",
  };
  const fromConfig = await load(["--config=/etc/k.yaml"], files);
  assert.equal(fromConfig.parallelContainerStarts, false);
  assert.equal(fromConfig.maxConcurrentPodStarts, 4);
  assert.equal(fromConfig.podStartRamp, "none");
  const flag = await load(["--config=/etc/k.yaml", "--parallel-container-starts=true"], files);
  assert.equal(flag.parallelContainerStarts, true, "the flag wins");
  assert.equal(
    (await load(["--parallel-container-starts=false"], {})).parallelContainerStarts,
    false,
  );
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

Deno.test("loadKubeletOptions() takes the config file's YAML 1.1 booleans and octals", async () => {
  const o = await load(["--config=/k.yaml"], {
    "/k.yaml": HEAD + "serializeImagePulls: no\nmaxPods: 0110\npodCIDR: '10.1.0.0/16'\n",
  });
  assert.equal(o.serializeImagePulls, false);
  assert.equal(o.maxPods, 72);
  assert.equal(o.podCIDR, "10.1.0.0/16");
});

Deno.test("loadKubeletOptions() resolves relative flag paths against the working dir", async () => {
  const files = {
    "/work/conf/k.yaml": HEAD + "staticPodPath: pods\npodLogsDir: logs\n",
    "/work/kc": "current-context: c\ncontexts: [{name: c, context: {cluster: c}}]\n" +
      "clusters: [{name: c, cluster: {server: 'http://127.0.0.1:8080'}}]\n",
  };
  const o = await load(["--config=conf/k.yaml", "--root-dir=state", "--kubeconfig=kc"], files);
  assert.equal(o.configFile, "/work/conf/k.yaml");
  assert.equal(o.staticPodPath, "/work/conf/pods"); // relative to the config file
  assert.equal(o.podLogsDir, "/work/conf/logs");
  assert.equal(o.rootDir, "/work/state");
  assert.equal(o.kubeconfig, "/work/kc");
  assert.equal(o.standalone, false);
  assert.deepEqual(o.apiServer, {
    server: "http://127.0.0.1:8080",
    files: ["/work/kc"],
    insecureSkipTLSVerify: false,
  });
  const flag = await load(["--pod-manifest-path", "./m"]);
  assert.equal(flag.staticPodPath, "/work/m");
});

Deno.test("loadKubeletOptions() takes kubeAPIQPS / kubeAPIBurst from the config, flags winning", async () => {
  const files = { "/k.yaml": HEAD + "kubeAPIQPS: 20\nkubeAPIBurst: 40\n" };
  const o = await load(["--config=/k.yaml", "--kube-api-burst=0"], files);
  assert.deepEqual([o.kubeAPIQPS, o.kubeAPIBurst], [20, 0]);
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

Deno.test("loadKubeletOptions() takes --pleg-relist-period (denolet only) and rejects 0", async () => {
  assert.equal((await load(["--pleg-relist-period=250ms"])).plegRelistPeriod, 250);
  await assert.rejects(
    () => load(["--pleg-relist-period=0s"]),
    /plegRelistPeriod|pleg-relist-period/,
  );
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
