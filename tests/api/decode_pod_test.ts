import assert from "node:assert/strict";
import { decodePod } from "../../src/api/decode_pod.ts";

/** A minimal valid pod object; `spec.containers[0]` is extended per case. */
function pod(container: Record<string, unknown> = {}, spec: Record<string, unknown> = {}) {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "web" },
    spec: { containers: [{ name: "main", image: "busybox", ...container }], ...spec },
  };
}

function errorsOf(value: unknown): string[] {
  const result = decodePod(value);
  assert.equal(result.ok, false, "expected a rejection");
  return (result as { errors: { field: string; message: string }[] }).errors
    .map((e) => `${e.field} ${e.message}`);
}

Deno.test("decodePod() rejects values of the wrong JSON type with the field path", async (t) => {
  const cases: [string, unknown, RegExp][] = [
    [
      "a number where a list belongs",
      pod({ volumeMounts: 3.7 }),
      /^spec\.containers\[0\]\.volumeMounts must be a list \(got 3\.7\)$/,
    ],
    [
      "a string where a list belongs",
      pod({ command: "sleep 1" }),
      /^spec\.containers\[0\]\.command must be a list/,
    ],
    [
      "a number where a string belongs",
      pod({ ports: [{ containerPort: 80, name: 80 }] }),
      /^spec\.containers\[0\]\.ports\[0\]\.name must be a string \(got 80\)$/,
    ],
    [
      "a boolean where a string belongs (YAML 1.1 yes)",
      { ...pod(), metadata: { name: true } },
      /^metadata\.name must be a string \(got true; in YAML, unquoted yes/,
    ],
    [
      "a string where a boolean belongs",
      pod({}, { hostNetwork: "yes" }),
      /^spec\.hostNetwork must be a boolean \(got 'yes'\)$/,
    ],
    [
      "a fraction for an integer",
      pod({ ports: [{ containerPort: 80.5 }] }),
      /containerPort must be an integer \(got 80\.5\)/,
    ],
    [
      "an int32 overflow",
      pod({ ports: [{ containerPort: 2 ** 31 }] }),
      /containerPort must be a 32-bit integer \(got 2147483648, out of range\)/,
    ],
    [
      "an int64 overflow",
      pod({}, { terminationGracePeriodSeconds: 1e19 }),
      /terminationGracePeriodSeconds must be a 64-bit integer/,
    ],
    [
      "NaN",
      pod({}, { activeDeadlineSeconds: NaN }),
      /activeDeadlineSeconds must be an integer \(got NaN\)/,
    ],
    [
      "an object where a scalar belongs",
      pod({ image: { name: "x" } }),
      /image must be a string \(got \{"name":"x"\}\)/,
    ],
    [
      "a list where an object belongs",
      pod({ resources: [] }),
      /resources must be an object \(got \[\]\)/,
    ],
    [
      "a bad quantity",
      pod({ resources: { limits: { cpu: "lots" } } }),
      /limits\[cpu\] must be a quantity/,
    ],
    [
      "a boolean for an int-or-string port",
      pod({ livenessProbe: { tcpSocket: { port: true } } }),
      /tcpSocket\.port must be an integer or a string/,
    ],
    [
      "a bad time",
      { ...pod(), metadata: { name: "a", creationTimestamp: "yesterday" } },
      /creationTimestamp must be a time in RFC 3339 form/,
    ],
    [
      "a Map or a buffer (YAML !!set, !!binary)",
      pod({ args: new Set(["a"]) }),
      /args must be a list/,
    ],
  ];
  for (const [what, value, expected] of cases) {
    await t.step(what, () => {
      const errors = errorsOf(value);
      assert.equal(errors.length, 1, errors.join("\n"));
      assert.match(errors[0], expected);
    });
  }
});

Deno.test("decodePod() treats null as unset and null items as zero values", () => {
  const result = decodePod(pod({
    ports: [{ containerPort: 80, name: null }],
    command: ["sh", null],
    volumeMounts: [null],
    workingDir: null,
  }, { hostNetwork: null, nodeSelector: { a: null } }));
  assert.ok(result.ok);
  const container = result.pod.spec!.containers[0];
  assert.deepEqual(container.ports, [{ containerPort: 80 }], "null means unset");
  assert.deepEqual(container.command, ["sh", ""], "a null string item is ''");
  assert.deepEqual(
    container.volumeMounts,
    [{}],
    "a null object item is {}, for validation to judge",
  );
  assert.equal("workingDir" in container, false);
  assert.equal("hostNetwork" in result.pod.spec!, false);
  assert.deepEqual(result.pod.spec!.nodeSelector, { a: "" });
});

Deno.test("decodePod() drops unknown fields and names them, keeps opaque ones as written", () => {
  const value = pod({ imagepullpolicy: "Always" }, {
    affinity: { nodeAffinity: { x: [1, 2] } },
    typo: 1,
  });
  const result = decodePod(value);
  assert.ok(result.ok);
  assert.deepEqual(result.unknownFields, ["spec.containers[0].imagepullpolicy", "spec.typo"]);
  assert.equal("typo" in result.pod.spec!, false);
  assert.deepEqual(result.pod.spec!.affinity, { nodeAffinity: { x: [1, 2] } });
  assert.notEqual(result.pod.spec, value.spec, "a new object");
});

Deno.test("decodePod() never throws, whatever the input", () => {
  const nasty: unknown[] = [
    null,
    "pod",
    [],
    { spec: { containers: "x".repeat(10_000) } },
    { spec: { containers: Array(10_000).fill(null) } },
    { metadata: { labels: { ["__proto__"]: "x" } } },
    JSON.parse('{"spec":{"__proto__":{"hostNetwork":true}}}'),
    { spec: { affinity: JSON.parse("[".repeat(200) + "]".repeat(200)) } },
  ];
  for (const value of nasty) {
    const result = decodePod(value);
    if (!result.ok) {
      assert.ok(result.errors.length <= 100);
      for (const e of result.errors) assert.ok(!/[\n\r]/.test(e.field + e.message));
    }
  }
  const withProto = decodePod(JSON.parse('{"spec":{"__proto__":{"hostNetwork":true}}}'));
  assert.ok(withProto.ok);
  assert.equal(withProto.pod.spec?.hostNetwork, undefined, "no prototype games");
});
