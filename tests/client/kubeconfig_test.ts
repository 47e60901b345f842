import assert from "node:assert/strict";
import { KubeconfigError, loadKubeconfig } from "../../src/client/kubeconfig.ts";
import { b64, testPki } from "./_certs.ts";
import { rejection } from "./_rejection.ts";

const KC = "/etc/k/kubeconfig";

/** A reader of in-memory files; a missing one is NotFound. */
function files(map: Record<string, string>) {
  const reads: string[] = [];
  return {
    reads,
    readTextFile: (p: string) => {
      reads.push(p);
      return p in map ? Promise.resolve(map[p]) : Promise.reject(new Deno.errors.NotFound(p));
    },
  };
}

/** A kubeconfig with one context `c` of cluster `c` and user `u`. */
function kubeconfig(cluster: string, user: string, head = "current-context: c\n"): string {
  return "apiVersion: v1\nkind: Config\n" + head +
    "contexts:\n- name: c\n  context: {cluster: c, user: u, namespace: ignored}\n" +
    `clusters:\n- name: c\n  cluster:\n${indent(cluster)}` +
    `users:\n- name: u\n  user:\n${indent(user)}`;
}

function indent(fields: string): string {
  return fields === ""
    ? "    {}\n"
    : fields.split("\n").filter((l) => l !== "").map((l) => `    ${l}\n`).join("");
}

const pki = await testPki();

Deno.test("loadKubeconfig() takes the current context's server, CA data and token", async () => {
  const other = kubeconfig(
    `server: https://10.0.0.1:6443\ncertificate-authority-data: ${b64(pki.ca)}`,
    "token: abc",
  );
  const text = other.replace(
    "contexts:\n",
    "contexts:\n- name: other\n  context: {cluster: x, user: other}\n",
  ) +
    "- name: other\n  user:\n    exec: {command: aws}\n";
  const io = files({ [KC]: text });
  const kc = await loadKubeconfig(KC, io);
  assert.deepEqual(kc, {
    path: KC,
    context: "c",
    cluster: "c",
    user: "u",
    server: "https://10.0.0.1:6443",
    certificateAuthority: pki.ca,
    insecureSkipTLSVerify: false,
    clientCertificate: undefined,
    clientKey: undefined,
    token: "abc",
    tokenFile: undefined,
    files: [KC],
  });
  assert.deepEqual(io.reads, [KC], "only the kubeconfig is read");
});

Deno.test("loadKubeconfig() resolves relative paths against the kubeconfig's folder", async () => {
  const io = files({
    [KC]: kubeconfig(
      "server: https://api.example:6443\ncertificate-authority: pki/ca.crt",
      "client-certificate: ../shared/client.crt\nclient-key: /abs/client.key\ntokenFile: token",
    ),
    "/etc/k/pki/ca.crt": pki.ca,
    "/etc/shared/client.crt": pki.clientCert,
    "/abs/client.key": pki.clientKey,
    "/etc/k/token": "  secret-token\n",
  });
  const kc = await loadKubeconfig(KC, io);
  assert.equal(kc.certificateAuthority, pki.ca);
  assert.equal(kc.clientCertificate, pki.clientCert);
  assert.equal(kc.clientKey, pki.clientKey);
  assert.equal(kc.token, "secret-token");
  assert.equal(kc.tokenFile, "/etc/k/token");
  assert.deepEqual(kc.files, [
    KC,
    "/etc/k/pki/ca.crt",
    "/etc/shared/client.crt",
    "/abs/client.key",
    "/etc/k/token",
  ]);
});

Deno.test("loadKubeconfig() reads client-certificate-data / client-key-data and YAML 1.1 booleans", async (t) => {
  await t.step("inline client certificate", async () => {
    const io = files({
      [KC]: kubeconfig(
        `server: https://127.0.0.1:6443\ncertificate-authority-data: |\n  ${
          b64(pki.ca).replace(/(.{64})/g, "$1\n  ")
        }`,
        `client-certificate-data: ${b64(pki.clientCert)}\nclient-key-data: ${b64(pki.clientKey)}`,
      ),
    });
    const kc = await loadKubeconfig(KC, io);
    assert.equal(kc.certificateAuthority, pki.ca, "base64 split over lines decodes");
    assert.equal(kc.clientCertificate, pki.clientCert);
    assert.equal(kc.clientKey, pki.clientKey);
    assert.equal(kc.token, undefined);
  });
  await t.step("insecure-skip-tls-verify: yes", async () => {
    const kc = await loadKubeconfig(
      KC,
      files({
        [KC]: kubeconfig("server: 127.0.0.1:6443\ninsecure-skip-tls-verify: yes", "token: t"),
      }),
    );
    assert.equal(kc.insecureSkipTLSVerify, true);
    assert.equal(kc.server, "https://127.0.0.1:6443", "host:port with TLS settings is https");
  });
});

Deno.test("loadKubeconfig() normalizes the server URL as client-go does", async (t) => {
  const cases: [string, string, string][] = [
    ["host:port without TLS settings is http", "server: 127.0.0.1:8080", "http://127.0.0.1:8080"],
    [
      "path prefix kept, trailing slash dropped",
      "server: https://lb.example/k8s/c1/",
      "https://lb.example/k8s/c1",
    ],
    ["default port stays implicit", "server: https://lb.example:443", "https://lb.example"],
    ["IPv6", "server: 'https://[fd00::1]:6443'", "https://[fd00::1]:6443"],
  ];
  for (const [name, cluster, want] of cases) {
    await t.step(name, async () => {
      const kc = await loadKubeconfig(KC, files({ [KC]: kubeconfig(cluster, "") }));
      assert.equal(kc.server, want);
    });
  }
});

Deno.test("loadKubeconfig() with token and tokenFile keeps the token and re-reads the file later", async () => {
  const io = files({
    [KC]: kubeconfig("server: http://127.0.0.1:8080", "token: static\ntokenFile: t"),
  });
  const kc = await loadKubeconfig(KC, io);
  assert.equal(kc.token, "static");
  assert.equal(kc.tokenFile, "/etc/k/t");
  assert.deepEqual(kc.files, [KC, "/etc/k/t"], "granted even though not read at load");
  assert.deepEqual(io.reads, [KC]);
});

Deno.test("loadKubeconfig() with a context that names no user is anonymous", async () => {
  const text = "current-context: c\ncontexts:\n- name: c\n  context: {cluster: c}\n" +
    "clusters:\n- name: c\n  cluster: {server: 'http://127.0.0.1:8080'}\n";
  const kc = await loadKubeconfig(KC, files({ [KC]: text }));
  assert.equal(kc.user, "");
  assert.equal(kc.token, undefined);
  assert.equal(kc.clientCertificate, undefined);
});

Deno.test("loadKubeconfig() rejects bad kubeconfigs with one line naming the file and the field", async (t) => {
  const ok = "server: https://127.0.0.1:6443";
  const pre = `Cannot load kubeconfig '${KC}': `;
  const cases: [string, Record<string, string>, string][] = [
    ["missing file", {}, "file not found"],
    ["empty file", { [KC]: "" }, "the file is empty"],
    ["not YAML", { [KC]: "a: [1\n" }, "not valid YAML: "],
    ["not a mapping", { [KC]: "- a\n" }, "not a mapping of fields"],
    ["no current-context", { [KC]: kubeconfig(ok, "", "") }, "current-context: not set"],
    [
      "unknown current-context",
      { [KC]: kubeconfig(ok, "", "current-context: x\n") },
      `current-context: no context named "x" in contexts`,
    ],
    [
      "context without cluster",
      { [KC]: "current-context: c\ncontexts:\n- name: c\n  context: {user: u}\n" },
      "contexts[0].context.cluster: not set",
    ],
    [
      "unknown cluster",
      { [KC]: kubeconfig(ok, "").replace("cluster: c,", "cluster: nope,") },
      `contexts[0].context.cluster: no cluster named "nope" in clusters`,
    ],
    [
      "unknown user",
      { [KC]: kubeconfig(ok, "").replace("user: u,", "user: nope,") },
      `contexts[0].context.user: no user named "nope" in users`,
    ],
    [
      "no server",
      { [KC]: kubeconfig("insecure-skip-tls-verify: true", "") },
      "clusters[0].cluster.server: not set",
    ],
    [
      "bad scheme",
      { [KC]: kubeconfig("server: ftp://h:1", "") },
      `clusters[0].cluster.server: "ftp://h:1" is not an http or https URL`,
    ],
    [
      "server not a string",
      { [KC]: kubeconfig("server: 6443", "") },
      "clusters[0].cluster.server: not a string",
    ],
    [
      "insecure not a boolean",
      { [KC]: kubeconfig(`${ok}\ninsecure-skip-tls-verify: maybe`, "") },
      "clusters[0].cluster.insecure-skip-tls-verify: not a boolean",
    ],
    [
      "CA file missing",
      { [KC]: kubeconfig(`${ok}\ncertificate-authority: ca.crt`, "") },
      "clusters[0].cluster.certificate-authority: file '/etc/k/ca.crt' not found",
    ],
    [
      "CA file and data",
      {
        [KC]: kubeconfig(
          `${ok}\ncertificate-authority: ca.crt\ncertificate-authority-data: eA==`,
          "",
        ),
      },
      "clusters[0].cluster.certificate-authority-data: cannot be set together with certificate-authority",
    ],
    [
      "CA data not base64",
      { [KC]: kubeconfig(`${ok}\ncertificate-authority-data: '%%%'`, "") },
      "clusters[0].cluster.certificate-authority-data: not valid base64",
    ],
    [
      "CA data not PEM",
      { [KC]: kubeconfig(`${ok}\ncertificate-authority-data: ${b64("hello")}`, "") },
      "clusters[0].cluster.certificate-authority-data: data holds no PEM certificate",
    ],
    [
      "CA PEM that does not parse",
      {
        [KC]: kubeconfig(
          `${ok}\ncertificate-authority-data: ${
            b64("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n")
          }`,
          "",
        ),
      },
      "clusters[0].cluster.certificate-authority-data: certificate not usable: invalid peer certificate: BadEncoding",
    ],
    [
      "insecure with a CA",
      {
        [KC]: kubeconfig(
          `${ok}\ninsecure-skip-tls-verify: true\ncertificate-authority-data: ${b64(pki.ca)}`,
          "",
        ),
      },
      "clusters[0].cluster.insecure-skip-tls-verify: cannot be combined with a certificate-authority (as in client-go)",
    ],
    [
      "tls-server-name",
      { [KC]: kubeconfig(`${ok}\ntls-server-name: api`, "") },
      "clusters[0].cluster.tls-server-name: not supported (Deno's fetch cannot set the TLS server name)",
    ],
    [
      "client key file missing",
      {
        [KC]: kubeconfig(ok, "client-certificate: c.crt\nclient-key: /x"),
        "/etc/k/c.crt": pki.clientCert,
      },
      "users[0].user.client-key: file '/x' not found",
    ],
    [
      "certificate without key",
      { [KC]: kubeconfig(ok, `client-certificate-data: ${b64(pki.clientCert)}`) },
      "users[0].user.client-key: not set (client-certificate needs a key)",
    ],
    [
      "key without certificate",
      { [KC]: kubeconfig(ok, `client-key-data: ${b64(pki.clientKey)}`) },
      "users[0].user.client-certificate: not set (client-key needs a certificate)",
    ],
    [
      "key that is not a key",
      {
        [KC]: kubeconfig(
          ok,
          `client-certificate-data: ${b64(pki.clientCert)}\nclient-key-data: ${
            b64(pki.clientCert)
          }`,
        ),
      },
      "users[0].user.client-key-data: data holds no PEM private key",
    ],
    [
      "key of another certificate",
      {
        [KC]: kubeconfig(ok, "client-certificate: c.crt\nclient-key: s.key"),
        "/etc/k/c.crt": pki.clientCert,
        "/etc/k/s.key": pki.serverKey,
      },
      "users[0].user.client-key: client-certificate and client-key not usable: keys may not be consistent: KeyMismatch",
    ],
    [
      "exec plugin",
      { [KC]: kubeconfig(ok, "exec: {command: aws, apiVersion: client.authentication.k8s.io/v1}") },
      "users[0].user.exec: exec credential plugins are not supported (use token, tokenFile or a client certificate)",
    ],
    [
      "basic auth",
      { [KC]: kubeconfig(ok, "username: admin\npassword: x") },
      "users[0].user.username: basic auth is not supported (use token, tokenFile or a client certificate)",
    ],
    [
      "impersonation",
      { [KC]: kubeconfig(ok, "token: t\nas: bob") },
      "users[0].user.as: impersonation is not supported",
    ],
    [
      "token file missing",
      { [KC]: kubeconfig(ok, "tokenFile: /run/t") },
      "users[0].user.tokenFile: file '/run/t' not found",
    ],
    [
      "token file empty",
      { [KC]: kubeconfig(ok, "tokenFile: /run/t"), "/run/t": "\n" },
      "users[0].user.tokenFile: file '/run/t' is empty",
    ],
    [
      "token not a string",
      { [KC]: kubeconfig(ok, "token: [a]") },
      "users[0].user.token: not a string",
    ],
    [
      "path with a comma",
      { [KC]: kubeconfig(ok, "tokenFile: a,b") },
      "users[0].user.tokenFile: a path with a comma cannot be granted (Deno's allow-lists are comma-separated)",
    ],
    [
      "duplicate cluster names",
      {
        [KC]: kubeconfig(ok, "").replace(
          "users:",
          "- name: c\n  cluster: {server: 'http://x'}\nusers:",
        ),
      },
      `clusters[1].name: duplicate name "c"`,
    ],
    [
      "a name YAML 1.1 reads as a boolean",
      { [KC]: kubeconfig(ok, "").replace("- name: u", "- name: y") },
      "users[0].name: not a string",
    ],
    [
      "clusters not a list",
      { [KC]: "current-context: c\nclusters: {c: 1}\n" },
      "clusters: not a list",
    ],
  ];
  for (const [name, fs, want] of cases) {
    await t.step(name, async () => {
      const e = await rejection(loadKubeconfig(KC, files(fs))) as KubeconfigError;
      assert.ok(e instanceof KubeconfigError);
      assert.ok(!e.message.includes("\n"), `one line: ${e.message}`);
      assert.ok(e.message.startsWith(pre + want), `${e.message}\n  wanted: ${pre}${want}`);
      assert.equal(e.path, KC);
    });
  }
});

Deno.test("loadKubeconfig() reads real files with Deno.readTextFile", async () => {
  const dir = await Deno.makeTempDir({ prefix: "denolet_kubeconfig_" });
  try {
    await Deno.writeTextFile(`${dir}/ca.crt`, pki.ca);
    await Deno.writeTextFile(
      `${dir}/kubeconfig`,
      kubeconfig("server: https://127.0.0.1:6443\ncertificate-authority: ca.crt", "token: t"),
    );
    const kc = await loadKubeconfig(`${dir}/kubeconfig`);
    assert.equal(kc.certificateAuthority, pki.ca);
    assert.deepEqual(kc.files, [`${dir}/kubeconfig`, `${dir}/ca.crt`]);
    const missing = await rejection(loadKubeconfig(`${dir}/nope`));
    assert.equal(missing.message, `Cannot load kubeconfig '${dir}/nope': file not found`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
