/**
 * Test PKI made with `openssl` in a temp dir: a CA, a server certificate for
 * 127.0.0.1 / localhost signed by it, a client certificate for
 * `system:node:n1` (group `system:nodes`), and a second, unrelated CA.
 *
 * @module
 */

import assert from "node:assert/strict";

/** PEM texts and the files they are in. */
export interface TestPki {
  dir: string;
  ca: string;
  serverCert: string;
  serverKey: string;
  clientCert: string;
  clientKey: string;
  otherCa: string;
  /** dir + file name: ca.crt, server.crt, server.key, client.crt, client.key, other-ca.crt */
  file(name: string): string;
  [Symbol.asyncDispose](): Promise<void>;
}

async function openssl(dir: string, args: string[]): Promise<void> {
  const out = await new Deno.Command("openssl", { args, cwd: dir, stdout: "null", stderr: "piped" })
    .output();
  assert.ok(out.success, `openssl ${args[0]}: ${new TextDecoder().decode(out.stderr)}`);
}

const EC = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"];

async function ca(dir: string, name: string, cn: string): Promise<void> {
  await openssl(dir, [
    "req",
    "-x509",
    ...EC,
    "-keyout",
    `${name}.key`,
    "-out",
    `${name}.crt`,
    "-days",
    "2",
    "-subj",
    `/CN=${cn}`,
  ]);
}

async function signed(dir: string, name: string, subj: string, ext: string): Promise<void> {
  await openssl(dir, [
    "req",
    ...EC,
    "-keyout",
    `${name}.key`,
    "-out",
    `${name}.csr`,
    "-subj",
    subj,
  ]);
  await Deno.writeTextFile(`${dir}/${name}.ext`, ext);
  await openssl(dir, [
    "x509",
    "-req",
    "-in",
    `${name}.csr`,
    "-CA",
    "ca.crt",
    "-CAkey",
    "ca.key",
    "-CAcreateserial",
    "-out",
    `${name}.crt`,
    "-days",
    "2",
    "-extfile",
    `${name}.ext`,
  ]);
}

/** Makes the PKI in a new temp dir; `await using` removes it. */
export async function makeTestPki(): Promise<TestPki> {
  const dir = await Deno.makeTempDir({ prefix: "denolet_client_pki_" });
  await ca(dir, "ca", "denolet-test-ca");
  await ca(dir, "other-ca", "other-ca");
  await signed(
    dir,
    "server",
    "/CN=127.0.0.1",
    "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n",
  );
  await signed(dir, "client", "/O=system:nodes/CN=system:node:n1", "extendedKeyUsage=clientAuth\n");
  const read = (f: string) => Deno.readTextFile(`${dir}/${f}`);
  return {
    dir,
    ca: await read("ca.crt"),
    serverCert: await read("server.crt"),
    serverKey: await read("server.key"),
    clientCert: await read("client.crt"),
    clientKey: await read("client.key"),
    otherCa: await read("other-ca.crt"),
    file: (name) => `${dir}/${name}`,
    async [Symbol.asyncDispose]() {
      await Deno.remove(dir, { recursive: true });
    },
  };
}

/** base64 of `text`, as kubeconfig `*-data` fields hold it. */
export function b64(text: string): string {
  return btoa(text);
}

let shared: Promise<TestPki> | undefined;

/** One PKI per test module (made on first use), removed when the module unloads. */
export function testPki(): Promise<TestPki> {
  shared ??= makeTestPki().then((pki) => {
    globalThis.addEventListener("unload", () => Deno.removeSync(pki.dir, { recursive: true }));
    return pki;
  });
  return shared;
}
