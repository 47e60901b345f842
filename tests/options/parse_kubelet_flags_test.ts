import assert from "node:assert/strict";
import { OptionsError } from "../../src/options/options_error.ts";
import { parseHeaderText, parseKubeletFlags } from "../../src/options/parse_kubelet_flags.ts";

Deno.test("parseKubeletFlags() accepts --flag value and --flag=value", () => {
  const { values, setBy } = parseKubeletFlags([
    "--max-pods",
    "20",
    "--pod-manifest-path=/etc/kubernetes/manifests",
    "--sync-frequency=1m30s",
    "--hostname-override",
    "Node-1",
  ]);
  assert.deepEqual(values, {
    maxPods: 20,
    staticPodPath: "/etc/kubernetes/manifests",
    syncFrequency: 90_000,
    hostnameOverride: "Node-1",
  });
  assert.equal(setBy.get("maxPods"), "--max-pods");
  assert.equal(setBy.get("staticPodPath"), "--pod-manifest-path");
});

Deno.test("parseKubeletFlags() reads booleans as --flag or --flag=true|false", async (t) => {
  const cases: [string[], boolean][] = [
    [["--serialize-image-pulls"], true],
    [["--serialize-image-pulls=true"], true],
    [["--serialize-image-pulls=false"], false],
    [["--serialize-image-pulls=0"], false],
    [["--serialize-image-pulls=T"], true],
    [["--serialize-image-pulls=false", "--serialize-image-pulls"], true],
  ];
  for (const [args, want] of cases) {
    await t.step(args.join(" "), () => {
      assert.equal(parseKubeletFlags(args).values.serializeImagePulls, want);
    });
  }
});

Deno.test("parseKubeletFlags() does not let a boolean take the next argument", () => {
  assert.throws(
    () => parseKubeletFlags(["--serialize-image-pulls", "false"]),
    { name: "OptionsError", message: /unexpected argument "false"/ },
  );
});

Deno.test("parseKubeletFlags() keeps the last value of a repeated flag", () => {
  assert.equal(parseKubeletFlags(["--max-pods=1", "--max-pods=2"]).values.maxPods, 2);
});

Deno.test("parseKubeletFlags() appends repeated --manifest-url-header values in order", () => {
  const { values } = parseKubeletFlags([
    "--manifest-url-header",
    "Authorization:Bearer abc,X-Trace:1",
    "--manifest-url-header=X-Trace:2",
    "--manifest-url-header",
    "Accept: application/yaml",
  ]);
  assert.deepEqual(values.staticPodURLHeader, {
    Authorization: ["Bearer abc"],
    "X-Trace": ["1", "2"],
    Accept: ["application/yaml"],
  });
});

Deno.test("parseHeaderText() splits on the first colon and rejects bad pairs", () => {
  const into: Record<string, string[]> = {};
  parseHeaderText("a:b:c,,d:", into);
  assert.deepEqual(into, { a: ["b:c"], d: [""] });
  assert.throws(() => parseHeaderText("nocolon", {}), TypeError);
  assert.throws(() => parseHeaderText(":v", {}), TypeError);
});

Deno.test("parseKubeletFlags() accepts -h, -v and underscores in names", () => {
  assert.deepEqual(parseKubeletFlags(["-h"]).values, { help: true });
  assert.deepEqual(parseKubeletFlags(["-v", "4"]).values, { verbosity: 4 });
  assert.deepEqual(parseKubeletFlags(["--v=2"]).values, { verbosity: 2 });
  assert.deepEqual(parseKubeletFlags(["--max_pods=3"]).values, { maxPods: 3 });
});

Deno.test("parseKubeletFlags() warns once for --pod-infra-container-image and ignores it", () => {
  const { values, warnings } = parseKubeletFlags([
    "--pod-infra-container-image=registry.k8s.io/pause:3.9",
    "--pod-infra-container-image=x",
  ]);
  assert.equal(warnings.length, 1);
  assert.match(warnings[0], /--pod-infra-container-image is deprecated and ignored/);
  assert.equal(values.podInfraContainerImage, "x");
});

Deno.test("parseKubeletFlags() reports each bad command line as one line", async (t) => {
  const cases: [string[], string][] = [
    [["--foo"], "unknown flag: --foo"],
    [["--foo=1"], "unknown flag: --foo"],
    [["-x"], "unknown shorthand flag: 'x' in -x"],
    [["--max-pods"], "flag needs an argument: --max-pods"],
    [["manifests/"], 'unexpected argument "manifests/": denolet takes no positional arguments'],
    [["--", "x"], 'unexpected argument "x": denolet takes no positional arguments'],
    [
      ["--image-gc-high-threshold", "90x"],
      'invalid value "90x" for flag --image-gc-high-threshold: not an integer',
    ],
    [["--max-pods=99999999999"], 'invalid value "99999999999" for flag --max-pods: out of range'],
    [["--max-pods=1.5"], 'invalid value "1.5" for flag --max-pods: not an integer'],
    [
      ["--sync-frequency=10"],
      'invalid value "10" for flag --sync-frequency: not a duration (e.g. 20s, 1m30s)',
    ],
    [
      ["--serialize-image-pulls=maybe"],
      'invalid value "maybe" for flag --serialize-image-pulls: not a boolean (true or false)',
    ],
    [
      ["--manifest-url-header=novalue"],
      'invalid value "novalue" for flag --manifest-url-header: malformed pair "novalue", expected key:value',
    ],
  ];
  for (const [args, message] of cases) {
    await t.step(args.join(" "), () => {
      assert.throws(() => parseKubeletFlags(args), (e) => {
        assert.ok(e instanceof OptionsError);
        assert.equal(e.message, message);
        assert.ok(!e.message.includes("\n"));
        return true;
      });
    });
  }
});

Deno.test("parseKubeletFlags() returns nothing for no arguments and stops at a bare --", () => {
  assert.deepEqual(parseKubeletFlags([]).values, {});
  assert.deepEqual(parseKubeletFlags(["--max-pods=4", "--"]).values, { maxPods: 4 });
});
