import assert from "node:assert/strict";
import { loadKubeletOptions } from "../../src/options/kubelet_options.ts";
import { OptionsError } from "../../src/options/options_error.ts";
import { fakeIO, HEAD } from "./_helpers.ts";

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
    [["--kube-api-qps=-1"], {}, "invalid value -1 for flag --kube-api-qps: must not be negative"],
    [
      ["--config=/k.yaml"],
      { "/k.yaml": HEAD + "kubeAPIBurst: -5\n" },
      "invalid value -5 for field kubeAPIBurst in '/k.yaml': must not be negative",
    ],
    [
      ["--config=/k.yaml"],
      { "/k.yaml": HEAD + "maxConcurrentPodStarts: -1\n" },
      "invalid value -1 for field maxConcurrentPodStarts in '/k.yaml': must not be negative",
    ],
    [
      ["--config=/k.yaml"],
      { "/k.yaml": HEAD + "podStartRamp: fast\n" },
      `invalid value "fast" for field podStartRamp in '/k.yaml': must be one of "firstAlone", "doubling", "none"`,
    ],
    [["--kubeconfig=/etc/kc"], {}, "Cannot load kubeconfig '/etc/kc': file not found"],
    [
      ["--kubeconfig=/etc/kc"],
      { "/etc/kc": "current-context: c\ncontexts: [{name: c, context: {cluster: x}}]\n" },
      `Cannot load kubeconfig '/etc/kc': contexts[0].context.cluster: no cluster named "x" in clusters`,
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
      ["--address=fe80::1%eth0"],
      {},
      'invalid value "fe80::1%eth0" for flag --address: not an IP address',
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
      { "/k.yaml": HEAD + "staticPodPath: yes\n" },
      `invalid value true for field staticPodPath in '/k.yaml': not a string`,
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
