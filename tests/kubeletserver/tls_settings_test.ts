import assert from "node:assert/strict";
import { nodeTlsVersion, tlsServerSettings } from "../../src/kubeletserver/tls_settings.ts";

const RSA_SUITES = [
  "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
  "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
  "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
];

Deno.test("nodeTlsVersion() maps the kubelet's tlsMinVersion names", () => {
  assert.equal(nodeTlsVersion(""), "TLSv1.2");
  assert.equal(nodeTlsVersion("VersionTLS12"), "TLSv1.2");
  assert.equal(nodeTlsVersion("VersionTLS13"), "TLSv1.3");
  assert.throws(() => nodeTlsVersion("VersionTLS10"), /speaks only TLS 1\.2 and 1\.3/);
  assert.throws(() => nodeTlsVersion("VersionTLS11"), /speaks only TLS 1\.2 and 1\.3/);
  assert.throws(
    () => nodeTlsVersion("TLSv1.2"),
    /"TLSv1\.2": must be VersionTLS12 or VersionTLS13/,
  );
});

Deno.test("tlsServerSettings() accepts cipher suite lists the server honours", () => {
  assert.deepEqual(tlsServerSettings(undefined, undefined, "rsa"), { minVersion: "TLSv1.2" });
  assert.deepEqual(tlsServerSettings("", [], "ec"), { minVersion: "TLSv1.2" });
  // The common hardening list (CIS) holds the suites the server offers, and more.
  const cis = [
    "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
    "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
    "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305",
    "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
    "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305",
    "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
    "TLS_RSA_WITH_AES_256_GCM_SHA384",
    "TLS_RSA_WITH_AES_128_GCM_SHA256",
  ];
  assert.deepEqual(tlsServerSettings("VersionTLS12", cis, "rsa"), { minVersion: "TLSv1.2" });
  assert.deepEqual(tlsServerSettings("VersionTLS12", cis, "ec"), { minVersion: "TLSv1.2" });
  assert.deepEqual(tlsServerSettings("", RSA_SUITES, "rsa"), { minVersion: "TLSv1.2" });
  // With TLS 1.3 only, the list does not apply (as in Go).
  assert.deepEqual(tlsServerSettings("VersionTLS13", ["TLS_RSA_WITH_AES_128_CBC_SHA"], "rsa"), {
    minVersion: "TLSv1.3",
  });
});

Deno.test("tlsServerSettings() refuses a list the server cannot keep to, naming what is missing", () => {
  assert.throws(
    () => tlsServerSettings("", ["TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"], "rsa"),
    (e: Error) => {
      assert.ok(e instanceof RangeError);
      assert.match(e.message, /Cannot honour tlsCipherSuites/);
      assert.match(
        e.message,
        /TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384, TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256/,
      );
      assert.match(e.message, /RSA certificate/);
      assert.ok(!e.message.includes("\n"));
      return true;
    },
  );
  assert.throws(
    () => tlsServerSettings("", RSA_SUITES, "ec"),
    /TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256/,
  );
});

Deno.test("tlsServerSettings() refuses a cipher suite name Go does not know", () => {
  assert.throws(
    () => tlsServerSettings("VersionTLS13", ["ECDHE-RSA-AES128-GCM-SHA256"], "rsa"),
    /cipher suite ECDHE-RSA-AES128-GCM-SHA256 not supported or doesn't exist/,
  );
});
