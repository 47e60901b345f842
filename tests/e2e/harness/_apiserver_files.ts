/**
 * The files a private kube-apiserver needs, made in its temp dir: a CA and a
 * serving certificate for 127.0.0.1 / localhost (openssl, EC P-256), the
 * service-account key pair (RSA), the token-auth CSV, and kubeconfigs that
 * name the CA and carry a bearer token.
 *
 * Needs `--allow-run=openssl` and `--allow-write` on the dir.
 *
 * @module
 */

/** One identity of the token-auth file. */
export interface TokenUser {
  /** `admin`, `system:node:<name>`. */
  user: string;
  /** Groups, e.g. `system:masters` or `system:nodes`. */
  groups: string[];
  /** The bearer token (random). */
  token: string;
}

/** The PKI file paths under `<dir>/pki`. */
export interface ApiServerPki {
  caCert: string;
  caKey: string;
  servingCert: string;
  servingKey: string;
  serviceAccountKey: string;
  serviceAccountPub: string;
  /** The client certificate kube-apiserver shows node agents (CN kube-apiserver-kubelet-client, O system:masters). */
  kubeletClientCert: string;
  kubeletClientKey: string;
}

async function openssl(dir: string, args: string[]): Promise<void> {
  const out = await new Deno.Command("openssl", { args, cwd: dir, stdout: "null", stderr: "piped" })
    .output();
  if (!out.success) {
    throw new Error(`openssl ${args[0]} failed: ${new TextDecoder().decode(out.stderr).trim()}`);
  }
}

const EC = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"];

/** Makes the CA, the serving certificate (SAN IP 127.0.0.1) and the service-account keys. */
export async function makeApiServerPki(dir: string): Promise<ApiServerPki> {
  const pki = `${dir}/pki`;
  await Deno.mkdir(pki, { recursive: true });
  const days = ["-days", "2"];
  await openssl(pki, [
    "req",
    "-x509",
    ...EC,
    "-keyout",
    "ca.key",
    "-out",
    "ca.crt",
    ...days,
    "-subj",
    "/CN=denolet-e2e-ca",
  ]);
  await openssl(pki, [
    "req",
    ...EC,
    "-keyout",
    "serving.key",
    "-out",
    "serving.csr",
    "-subj",
    "/CN=kube-apiserver",
  ]);
  await Deno.writeTextFile(
    `${pki}/serving.ext`,
    "subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default\n" +
      "extendedKeyUsage=serverAuth\nkeyUsage=digitalSignature,keyEncipherment\n",
  );
  await openssl(pki, [
    "x509",
    "-req",
    "-in",
    "serving.csr",
    "-CA",
    "ca.crt",
    "-CAkey",
    "ca.key",
    "-CAcreateserial",
    "-out",
    "serving.crt",
    ...days,
    "-extfile",
    "serving.ext",
  ]);
  await openssl(pki, [
    "req",
    ...EC,
    "-keyout",
    "kubelet-client.key",
    "-out",
    "kubelet-client.csr",
    "-subj",
    "/O=system:masters/CN=kube-apiserver-kubelet-client",
  ]);
  await Deno.writeTextFile(
    `${pki}/kubelet-client.ext`,
    "extendedKeyUsage=clientAuth\nkeyUsage=digitalSignature,keyEncipherment\n",
  );
  await openssl(pki, [
    "x509",
    "-req",
    "-in",
    "kubelet-client.csr",
    "-CA",
    "ca.crt",
    "-CAkey",
    "ca.key",
    "-CAcreateserial",
    "-out",
    "kubelet-client.crt",
    ...days,
    "-extfile",
    "kubelet-client.ext",
  ]);
  await openssl(pki, ["genrsa", "-out", "sa.key", "2048"]);
  await openssl(pki, ["rsa", "-in", "sa.key", "-pubout", "-out", "sa.pub"]);
  return {
    caCert: `${pki}/ca.crt`,
    caKey: `${pki}/ca.key`,
    servingCert: `${pki}/serving.crt`,
    servingKey: `${pki}/serving.key`,
    serviceAccountKey: `${pki}/sa.key`,
    serviceAccountPub: `${pki}/sa.pub`,
    kubeletClientCert: `${pki}/kubelet-client.crt`,
    kubeletClientKey: `${pki}/kubelet-client.key`,
  };
}

/** A random bearer token. */
export function randomToken(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** The `--token-auth-file` CSV: `token,user,uid,"group1,group2"` per line. */
export function tokenAuthCsv(users: readonly TokenUser[]): string {
  return users.map((u, i) => `${u.token},${u.user},uid-${i},"${u.groups.join(",")}"\n`).join("");
}

/** A kubeconfig (YAML) for `server` trusting `caFile`, authenticating with `token`. */
export function tokenKubeconfig(
  server: string,
  caFile: string,
  user: string,
  token: string,
): string {
  const q = JSON.stringify;
  return `apiVersion: v1
kind: Config
clusters:
- name: e2e
  cluster:
    server: ${q(server)}
    certificate-authority: ${q(caFile)}
users:
- name: ${q(user)}
  user:
    token: ${q(token)}
contexts:
- name: e2e
  context:
    cluster: e2e
    user: ${q(user)}
current-context: e2e
`;
}
