import assert from "node:assert/strict";
import { loadKubeletOptions } from "../../src/options/kubelet_options.ts";
import { OptionsError } from "../../src/options/options_error.ts";
import { fakeIO, HEAD, load } from "./_helpers.ts";

Deno.test("cluster flags: labels, taints, reserved and thresholds parse as the kubelet's", async () => {
  const o = await load([
    "--node-labels=node.kubernetes.io/role=edge,site=berlin",
    "--node-labels=rack=r1",
    "--register-with-taints=dedicated=edge:NoSchedule,gpu:NoExecute",
    "--system-reserved=cpu=100m,memory=100Mi",
    "--kube-reserved=memory=200Mi",
    "--eviction-hard=memory.available<200Mi,nodefs.available<5%",
    "--register-node=false",
    "--node-status-update-frequency=20s",
    "--event-qps=7",
    "--event-burst=9",
  ]);
  assert.deepEqual(o.nodeLabels, { "node.kubernetes.io/role": "edge", site: "berlin", rack: "r1" });
  assert.deepEqual(o.registerWithTaints, [
    { key: "dedicated", value: "edge", effect: "NoSchedule" },
    { key: "gpu", effect: "NoExecute" },
  ]);
  assert.deepEqual(o.systemReserved, { cpu: "100m", memory: "100Mi" });
  assert.deepEqual(o.kubeReserved, { memory: "200Mi" });
  // Given thresholds replace the defaults, as a set evictionHard does in the kubelet.
  assert.deepEqual(o.evictionHard, { "memory.available": "200Mi", "nodefs.available": "5%" });
  assert.equal(o.registerNode, false);
  assert.equal(o.nodeStatusUpdateFrequency, 20_000);
  // An explicit update frequency is also the report frequency (the kubelet's compatibility rule).
  assert.equal(o.nodeStatusReportFrequency, 20_000);
  assert.equal(o.eventRecordQPS, 7);
  assert.equal(o.eventBurst, 9);
});

Deno.test("cluster config fields: taints as objects, maps, report frequency and lease duration", async () => {
  const o = await load(["--config=/k.yaml"], {
    "/k.yaml": HEAD +
      "registerWithTaints:\n- key: a\n  value: b\n  effect: PreferNoSchedule\n" +
      "systemReserved:\n  memory: 1Gi\nevictionHard:\n  memory.available: 50Mi\n" +
      "nodeStatusReportFrequency: 1m\nnodeLeaseDurationSeconds: 60\nregisterNode: true\n",
  });
  assert.deepEqual(o.registerWithTaints, [{ key: "a", value: "b", effect: "PreferNoSchedule" }]);
  assert.deepEqual(o.systemReserved, { memory: "1Gi" });
  assert.deepEqual(o.evictionHard, { "memory.available": "50Mi" });
  assert.equal(o.nodeStatusUpdateFrequency, 10_000);
  assert.equal(o.nodeStatusReportFrequency, 60_000);
  assert.equal(o.nodeLeaseDurationSeconds, 60);
  assert.equal(o.configMapAndSecretChangeDetectionStrategy, "Watch");
  const cached = await load(["--config=/k.yaml"], {
    "/k.yaml": HEAD + "configMapAndSecretChangeDetectionStrategy: Cache\n",
  });
  assert.equal(cached.configMapAndSecretChangeDetectionStrategy, "Cache");
});

Deno.test("cluster settings: bad values are one line naming the flag or field", async (t) => {
  const cases: [string[], Record<string, string>, RegExp][] = [
    [["--node-labels=oops"], {}, /flag --node-labels: malformed pair "oops", expected key=value/],
    [
      ["--node-labels=kubernetes.io/role=x"],
      {},
      /flag --node-labels: label "kubernetes.io\/role" is in the kubernetes.io\/k8s.io namespace/,
    ],
    [["--node-labels=a=b c"], {}, /the value "b c" of label "a" is not a valid label value/],
    [["--register-with-taints=a=b"], {}, /flag --register-with-taints: taint "a=b" has no effect/],
    [["--register-with-taints=a=b:Never"], {}, /taint "a" has effect "Never"/],
    [["--system-reserved=gpu=1"], {}, /flag --system-reserved: "gpu" cannot be reserved/],
    [["--kube-reserved=memory=lots"], {}, /"memory=lots" is not a quantity/],
    [["--eviction-hard=memory.free<1Gi"], {}, /unknown eviction signal "memory.free"/],
    [["--eviction-hard=nodefs.available<120%"], {}, /not a percentage between 0% and 100%/],
    [["--eviction-hard=memory.available<0"], {}, /"memory.available<0" must be positive/],
    [["--event-qps=-1"], {}, /flag --event-qps: must not be negative/],
    [["--node-status-update-frequency=0s"], {}, /must be positive/],
    [
      ["--config=/k.yaml"],
      { "/k.yaml": HEAD + "registerWithTaints: [{key: a}]\n" },
      /field registerWithTaints in '\/k.yaml': item 0 has no string effect/,
    ],
    [
      ["--config=/k.yaml"],
      { "/k.yaml": HEAD + "systemReserved: [1]\n" },
      /field systemReserved in '\/k.yaml': not a mapping of names to strings/,
    ],
    [
      ["--config=/k.yaml"],
      { "/k.yaml": HEAD + "configMapAndSecretChangeDetectionStrategy: Poll\n" },
      /field configMapAndSecretChangeDetectionStrategy in '\/k.yaml': must be "Watch", "Cache" or "Get"/,
    ],
    [
      ["--config=/k.yaml"],
      { "/k.yaml": HEAD + "nodeLeaseDurationSeconds: 0\n" },
      /field nodeLeaseDurationSeconds in '\/k.yaml': must be positive/,
    ],
  ];
  for (const [args, files, want] of cases) {
    await t.step(args.join(" ") + (files["/k.yaml"] ? " (config)" : ""), async () => {
      await assert.rejects(() => loadKubeletOptions(args, fakeIO(files)), (e) => {
        assert.ok(e instanceof OptionsError);
        assert.match(e.message, want);
        assert.ok(!e.message.includes("\n"), "one line");
        return true;
      });
    });
  }
});
