import assert from "node:assert/strict";
import { loadKubeletOptions } from "../../src/options/kubelet_options.ts";
import { OptionsError } from "../../src/options/options_error.ts";
import { fakeIO, HEAD, load } from "./_helpers.ts";

Deno.test("the authentication and authorization blocks, with relative paths against the config file", async () => {
  const o = await load(["--config=/etc/denolet/k.yaml"], {
    "/etc/denolet/k.yaml": HEAD +
      "port: 10260\ntlsCertFile: pki/k.crt\ntlsPrivateKeyFile: pki/k.key\n" +
      "tlsMinVersion: VersionTLS13\ntlsCipherSuites: [TLS_AES_128_GCM_SHA256]\n" +
      "authentication:\n  x509: {clientCAFile: ca.crt}\n  webhook: {enabled: false, cacheTTL: 1m}\n" +
      "  anonymous: {enabled: true}\n" +
      "authorization:\n  mode: AlwaysAllow\n  webhook: {cacheAuthorizedTTL: 1m, cacheUnauthorizedTTL: 5s}\n" +
      "enableDebuggingHandlers: false\nenableSystemLogHandler: true\n" +
      "streamingConnectionIdleTimeout: 30m\n",
  });
  assert.deepEqual(o.server, {
    enabled: true,
    port: 10260,
    tlsCertFile: "/etc/denolet/pki/k.crt",
    tlsPrivateKeyFile: "/etc/denolet/pki/k.key",
    tlsMinVersion: "VersionTLS13",
    tlsCipherSuites: ["TLS_AES_128_GCM_SHA256"],
    clientCAFile: "/etc/denolet/ca.crt",
    tokenWebhook: false,
    tokenWebhookCacheTTL: 60_000,
    anonymous: true,
    authorizationMode: "AlwaysAllow",
    authorizedTTL: 60_000,
    unauthorizedTTL: 5_000,
    streamingConnectionIdleTimeout: 1_800_000,
    debuggingHandlers: false,
    systemLogHandler: true,
  });
  const flags = await load([
    "--client-ca-file=/ca.pem",
    "--anonymous-auth=true",
    "--authorization-mode=AlwaysAllow",
    "--tls-cipher-suites=A,B",
    "--tls-cipher-suites=C",
  ]);
  assert.equal(flags.server.clientCAFile, "/ca.pem");
  assert.equal(flags.server.anonymous, true);
  assert.deepEqual(flags.server.tlsCipherSuites, ["A", "B", "C"]);
});

Deno.test("server settings: bad values and unknown block fields are one line", async (t) => {
  const cases: [string[], Record<string, string>, RegExp][] = [
    [["--port=0"], {}, /flag --port: must be a port between 1 and 65535/],
    [["--tls-cert-file=/a.crt"], {}, /--tls-cert-file and --tls-private-key-file go together/],
    [["--tls-min-version=VersionTLS11"], {}, /must be "VersionTLS12" or "VersionTLS13"/],
    [["--authorization-mode=RBAC"], {}, /must be "Webhook" or "AlwaysAllow"/],
    [
      ["--config=/k.yaml"],
      { "/k.yaml": HEAD + "authentication:\n  webhook: {enable: true}\n" },
      /unknown field "authentication.webhook.enable" in config file '\/k.yaml'/,
    ],
    [
      ["--config=/k.yaml"],
      { "/k.yaml": HEAD + "authorization: Webhook\n" },
      /field authorization in '\/k.yaml': not a mapping/,
    ],
  ];
  for (const [args, files, want] of cases) {
    await t.step(args.join(" "), async () => {
      await assert.rejects(() => loadKubeletOptions(args, fakeIO(files)), (e) => {
        assert.ok(e instanceof OptionsError);
        assert.match(e.message, want);
        return true;
      });
    });
  }
});

Deno.test("localDebuggingHandlers is allowed only on a read-only port bound to loopback", async (t) => {
  await t.step("off by default; on with the flag on 127.0.0.1 or ::1", async () => {
    assert.equal((await load([])).localDebuggingHandlers, false);
    assert.equal((await load(["--local-debugging-handlers"])).localDebuggingHandlers, true);
    const v6 = await load(["--local-debugging-handlers", "--address=::1"]);
    assert.equal(v6.localDebuggingHandlers, true);
    const field = await load(["--config=/k.yaml"], {
      "/k.yaml": HEAD + "readOnlyPort: 10255\nlocalDebuggingHandlers: true\n",
    });
    assert.equal(field.localDebuggingHandlers, true);
  });
  await t.step("refused with one line naming the fields on a non-loopback address", async () => {
    await assert.rejects(
      () => load(["--local-debugging-handlers", "--address=0.0.0.0"]),
      (e: unknown) =>
        e instanceof OptionsError &&
        e.message ===
          "invalid value true for flag --local-debugging-handlers: the read-only port has no " +
            'authentication: address must be 127.0.0.1 or ::1, not "0.0.0.0" (--address)',
    );
  });
  await t.step("refused when the read-only port is off", async () => {
    await assert.rejects(
      () => load(["--config=/k.yaml"], { "/k.yaml": HEAD + "localDebuggingHandlers: true\n" }),
      (e: unknown) =>
        e instanceof OptionsError && /localDebuggingHandlers/.test(e.message) &&
        /readOnlyPort 0, default/.test(e.message),
    );
  });
});
