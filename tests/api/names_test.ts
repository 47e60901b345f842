import assert from "node:assert/strict";
import {
  dns1123LabelProblem,
  isCIdentifier,
  isDns1123Label,
  isDns1123Subdomain,
  isEnvVarName,
  isIanaSvcName,
  isLabelValue,
  isQualifiedName,
} from "../../src/api/names.ts";

function table(
  name: string,
  check: (value: string) => boolean,
  valid: string[],
  invalid: string[],
): void {
  Deno.test(`${name}() accepts valid and rejects invalid names`, async (t) => {
    for (const value of valid) {
      await t.step(`accepts '${value.slice(0, 40)}'`, () => assert.equal(check(value), true));
    }
    for (const value of invalid) {
      await t.step(`rejects '${value.slice(0, 40)}'`, () => assert.equal(check(value), false));
    }
  });
}

table(
  "isDns1123Label",
  isDns1123Label,
  ["a", "abc", "a-b", "a1", "1a", "0", "a".repeat(63), "nginx-1"],
  ["", "A", "a_b", "-a", "a-", "a.b", "a b", "a".repeat(64), "ä"],
);

table(
  "isDns1123Subdomain",
  isDns1123Subdomain,
  ["a", "a.b", "my-pod.node-1", "a-b.c-d.e", "a".repeat(253), `${"a".repeat(63)}.b`],
  ["", "A", "a..b", ".a", "a.", "a_b", "-a.b", "a.-b", "a".repeat(254), "a/b"],
);

table(
  "isIanaSvcName",
  isIanaSvcName,
  ["http", "h2c", "metrics-1", "a", "a-b-c", "a".repeat(15)],
  ["", "80", "1-2", "HTTP", "a--b", "-a", "a-", "a_b", "a".repeat(16)],
);

table(
  "isEnvVarName",
  isEnvVarName,
  // Kubernetes 1.35 relaxed rule: printable ASCII except '='.
  ["A", "_A", "a.b", "MY_VAR", "my-var", "-x", ".a", "A1", "1ABC", "A B", ".", "..", "A$", "~"],
  ["", "A=B", "=", "a\nb", "tab\there", "ä", "\u007f"],
);

table(
  "isCIdentifier",
  isCIdentifier,
  ["A", "_", "a_b", "A1"],
  ["", "1A", "a-b", "a.b"],
);

table(
  "isQualifiedName",
  isQualifiedName,
  ["app", "app.kubernetes.io/name", "kubernetes.io/config.source", "a_b", "A.b-c"],
  ["", "/a", "a/", "a/b/c", "-a", "Example.com/a", "a".repeat(64), "x/" + "a".repeat(64)],
);

table(
  "isLabelValue",
  isLabelValue,
  ["", "v1", "a.b_c-d", "A"],
  ["-a", "a-", "a b", "a".repeat(64)],
);

Deno.test("dns1123LabelProblem() says why a name is refused", () => {
  assert.equal(dns1123LabelProblem("ok"), undefined);
  assert.match(dns1123LabelProblem("a".repeat(64)) ?? "", /no more than 63 characters \(has 64\)/);
  assert.match(dns1123LabelProblem("Bad") ?? "", /lowercase/);
  assert.equal(dns1123LabelProblem(""), "must not be empty");
});
