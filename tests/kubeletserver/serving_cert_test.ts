import assert from "node:assert/strict";
import { X509Certificate } from "node:crypto";
import { FakeClock } from "../../src/util/clock.ts";
import { loadServingCert, RENEW_BEFORE_MS } from "../../src/kubeletserver/serving_cert.ts";
import { makeTestPki } from "../client/_certs.ts";

const DAY = 24 * 3600_000;

function certs(pem: string): X509Certificate[] {
  return (pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [])
    .map((b) => new X509Certificate(b));
}

async function tempDir(): Promise<{ dir: string } & AsyncDisposable> {
  const dir = await Deno.makeTempDir({ prefix: "denolet_kubeletserver_cert_" });
  return { dir, [Symbol.asyncDispose]: () => Deno.remove(dir, { recursive: true }) };
}

Deno.test("loadServingCert() makes the kubelet's self-signed pair for the node's names and IPs", async () => {
  await using tmp = await tempDir();
  const clock = new FakeClock(Date.UTC(2027, 0, 10, 12, 0, 0));
  const certDir = `${tmp.dir}/pki`;
  const s = await loadServingCert({
    certDir,
    hostname: "node-a",
    ips: ["10.0.0.5", "fd00::0:5"],
    dnsNames: ["node-a.example"],
    clock,
  });
  assert.equal(s.selfSigned, true);
  assert.equal(s.keyType, "rsa");
  assert.equal(s.certFile, `${certDir}/kubelet.crt`);
  assert.equal(s.keyFile, `${certDir}/kubelet.key`);
  assert.equal(await Deno.readTextFile(s.certFile), s.cert);
  assert.equal(await Deno.readTextFile(s.keyFile), s.key);
  assert.equal((await Deno.stat(s.keyFile)).mode! & 0o777, 0o600);
  assert.equal((await Deno.stat(s.certFile)).mode! & 0o777, 0o644);

  const [leaf, ca] = certs(s.cert);
  const seconds = Math.floor(clock.now() / 1000);
  assert.equal(leaf.subject, `CN=node-a@${seconds}`);
  assert.equal(ca.subject, `CN=node-a-ca@${seconds}`);
  assert.equal(leaf.issuer, ca.subject);
  assert.ok(leaf.verify(ca.publicKey), "the serving cert is signed by the CA that follows it");
  assert.equal(ca.ca, true);
  assert.equal(leaf.ca, false);
  assert.equal(leaf.checkHost("node-a"), "node-a");
  assert.equal(leaf.checkHost("node-a.example"), "node-a.example");
  assert.equal(leaf.checkIP("10.0.0.5"), "10.0.0.5");
  assert.ok(leaf.checkIP("fd00::5"));
  assert.equal(leaf.checkHost("other"), undefined);
  // Valid from an hour ago for one year.
  assert.equal(leaf.validFromDate.getTime(), clock.now() - 3600_000);
  assert.equal(leaf.validToDate.getTime(), clock.now() - 3600_000 + 365 * DAY);
  assert.equal(s.notAfter, leaf.validToDate.getTime());
  assert.equal(
    (leaf.publicKey.asymmetricKeyDetails as { modulusLength: number }).modulusLength,
    2048,
  );
});

Deno.test("loadServingCert() reuses the kept pair while it is valid and for the same names", async () => {
  await using tmp = await tempDir();
  const clock = new FakeClock(Date.UTC(2027, 0, 10));
  const opts = { certDir: tmp.dir, hostname: "10.0.0.7", ips: ["127.0.0.1"], clock };
  const first = await loadServingCert(opts);
  assert.ok(certs(first.cert)[0].checkIP("10.0.0.7"), "an IP hostname is an IP SAN");
  clock.set(clock.now() + 300 * DAY);
  const again = await loadServingCert({ ...opts, ips: ["127.0.0.1", "127.0.0.1"] });
  assert.equal(again.cert, first.cert);
  assert.equal(again.key, first.key);
  assert.equal(again.selfSigned, true);
});

Deno.test("loadServingCert() replaces the kept pair when its names, key or validity no longer fit", async (t) => {
  await using tmp = await tempDir();
  const start = Date.UTC(2027, 0, 10);
  const clock = new FakeClock(start);
  const opts = { certDir: tmp.dir, hostname: "node-b", ips: ["10.0.0.8"], clock };
  let current = await loadServingCert(opts);

  await t.step("a new node IP", async () => {
    const next = await loadServingCert({ ...opts, ips: ["10.0.0.8", "10.0.0.9"] });
    assert.notEqual(next.cert, current.cert);
    assert.ok(certs(next.cert)[0].checkIP("10.0.0.9"));
    current = next;
  });
  await t.step("an IP removed", async () => {
    const next = await loadServingCert(opts);
    assert.notEqual(next.cert, current.cert);
    assert.equal(certs(next.cert)[0].checkIP("10.0.0.9"), undefined);
    current = next;
  });
  await t.step("a renamed host", async () => {
    const next = await loadServingCert({ ...opts, hostname: "node-c" });
    assert.equal(certs(next.cert)[0].checkHost("node-c"), "node-c");
    assert.equal(certs(next.cert)[0].checkHost("node-b"), undefined);
    current = await loadServingCert(opts);
  });
  await t.step("a key that does not match", async () => {
    const pki = await makeTestPki();
    try {
      await Deno.writeTextFile(current.keyFile, pki.clientKey);
      const next = await loadServingCert(opts);
      assert.notEqual(next.cert, current.cert);
      assert.equal(await Deno.readTextFile(current.keyFile), next.key);
      current = next;
    } finally {
      await pki[Symbol.asyncDispose]();
    }
  });
  await t.step("a damaged certificate file", async () => {
    await Deno.writeTextFile(current.certFile, "garbage");
    const next = await loadServingCert(opts);
    assert.equal(certs(next.cert).length, 2);
    current = next;
  });
  await t.step("close to its end", async () => {
    clock.set(current.notAfter - RENEW_BEFORE_MS + 1);
    const next = await loadServingCert(opts);
    assert.notEqual(next.cert, current.cert);
    assert.ok(next.notAfter > current.notAfter);
  });
});

Deno.test("loadServingCert() uses --tls-cert-file and --tls-private-key-file when given", async () => {
  await using pki = await makeTestPki();
  await using tmp = await tempDir();
  const clock = new FakeClock(Date.now());
  const s = await loadServingCert({
    tlsCertFile: pki.file("server.crt"),
    tlsPrivateKeyFile: pki.file("server.key"),
    certDir: `${tmp.dir}/pki`,
    hostname: "node-a",
    clock,
  });
  assert.equal(s.cert, pki.serverCert);
  assert.equal(s.key, pki.serverKey);
  assert.equal(s.selfSigned, false);
  assert.equal(s.keyType, "ec");
  await assert.rejects(Deno.stat(`${tmp.dir}/pki`), Deno.errors.NotFound, "nothing is generated");
});

Deno.test("loadServingCert() refuses given files it cannot use, with one line naming them", async (t) => {
  await using pki = await makeTestPki();
  const clock = new FakeClock(Date.now());
  const base = { certDir: "/nonexistent", hostname: "n", clock };
  const cases: Array<[string, Record<string, string>, RegExp]> = [
    ["a cert without its key", { tlsCertFile: pki.file("server.crt") }, /go together/],
    [
      "an unreadable key",
      { tlsCertFile: pki.file("server.crt"), tlsPrivateKeyFile: pki.file("nope.key") },
      /Cannot read --tls-private-key-file '.*nope\.key'/,
    ],
    [
      "a key of another certificate",
      { tlsCertFile: pki.file("server.crt"), tlsPrivateKeyFile: pki.file("client.key") },
      /Cannot use --tls-cert-file '.*server\.crt' .*does not match/,
    ],
    [
      "a key where the certificate should be",
      { tlsCertFile: pki.file("server.key"), tlsPrivateKeyFile: pki.file("server.key") },
      /no PEM certificate/,
    ],
  ];
  for (const [name, files, re] of cases) {
    await t.step(name, async () => {
      await assert.rejects(loadServingCert({ ...base, ...files }), (e: Error) => {
        assert.match(e.message, re);
        assert.ok(!e.message.includes("\n"), e.message);
        return true;
      });
    });
  }
});

Deno.test("loadServingCert() refuses an alternate IP that is not an IP", async () => {
  await assert.rejects(
    loadServingCert({
      certDir: "/nonexistent",
      hostname: "n",
      ips: ["10.0.0.300"],
      clock: new FakeClock(),
    }),
    /IP "10\.0\.0\.300": not an IP address/,
  );
});
