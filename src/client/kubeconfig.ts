/**
 * Loading the `--kubeconfig` file as kubectl and the kubelet read it: the
 * current context's cluster (`server`, `certificate-authority` /
 * `certificate-authority-data`, `insecure-skip-tls-verify`) and user (`token`,
 * `tokenFile`, `client-certificate` / `-data` + `client-key` / `-data`), with
 * relative paths resolved against the kubeconfig's folder and the files it
 * names read and checked.
 *
 * Only the given file is read: no `KUBECONFIG` merging, no `~/.kube/config`,
 * no in-cluster config (the kubelet's `--kubeconfig` is an explicit path too).
 *
 * Every error is one {@linkcode KubeconfigError} line naming the file and the
 * field, e.g. `Cannot load kubeconfig '/etc/k.conf': users[0].user.client-key:
 * file '/x' not found`.
 *
 * @module
 */

import { resolve } from "../util/posix_path.ts";
import { errText } from "../util/err_text.ts";
import { decodeKubeconfig, FieldProblem, type Material } from "./_kubeconfig_decode.ts";

/** A kubeconfig that cannot be used; the message is one line naming the file and field. */
export class KubeconfigError extends Error {
  /** The kubeconfig file. */
  readonly path: string;
  /** The field at fault (`users[0].user.client-key`), "" for the file as a whole. */
  readonly field: string;

  constructor(path: string, field: string, problem: string) {
    super(`Cannot load kubeconfig '${path}': ${field === "" ? "" : `${field}: `}${problem}`);
    this.name = "KubeconfigError";
    this.path = path;
    this.field = field;
  }
}

/** The API server and the credentials of the kubeconfig's current context. */
export interface Kubeconfig {
  /** The kubeconfig file, absolute. */
  path: string;
  /** `current-context`, and the cluster and user it names ("" when it names no user). */
  context: string;
  cluster: string;
  user: string;
  /** `server`: scheme, host, port and path prefix, no trailing `/` (`https://10.0.0.1:6443`). */
  server: string;
  /** PEM of the CA bundle; undefined: the default roots verify the server. */
  certificateAuthority?: string;
  /** `insecure-skip-tls-verify`: see {@linkcode createApiTransport} for what Deno needs. */
  insecureSkipTLSVerify: boolean;
  /** PEM client certificate chain and key, both or neither. */
  clientCertificate?: string;
  clientKey?: string;
  /** The bearer token: `token`, else the contents of `tokenFile` at load. */
  token?: string;
  /** `tokenFile`, absolute: re-read by the client (at most once a minute), as client-go does. */
  tokenFile?: string;
  /**
   * Every file the client reads: the kubeconfig and the certificate, key and
   * token files it names, absolute (what `--allow-read` must grant).
   */
  files: string[];
}

/** How {@linkcode loadKubeconfig} reads files; tests pass fakes. */
export interface LoadKubeconfigOptions {
  /** @default Deno.readTextFile (needs --allow-read on the kubeconfig and the files it names) */
  readTextFile?: (path: string) => Promise<string>;
}

/** Why a file could not be read: `<subject> not found`, `<subject> cannot be read: ...`. */
function readProblem(subject: string, e: unknown): string {
  if (e instanceof Deno.errors.NotFound) return `${subject} not found`;
  if (e instanceof Deno.errors.PermissionDenied) {
    return `${subject} cannot be read: permission denied`;
  }
  if (e instanceof Deno.errors.IsADirectory) return `${subject} is a directory`;
  return `${subject} cannot be read: ${errText(e).split("\n")[0]}`;
}

const PEM_CHECKS = {
  certificate: /-----BEGIN CERTIFICATE-----/,
  key: /-----BEGIN [A-Z ]*PRIVATE KEY-----/,
};

/**
 * Reads the kubeconfig at `path` (made absolute against the working directory)
 * and the files its current context names.
 *
 * Needs --allow-read on the kubeconfig and on the CA, client certificate, key
 * and token files it names (with the default reader).
 *
 * @throws {KubeconfigError} one line naming the file and the field at fault.
 */
export async function loadKubeconfig(
  path: string,
  options: LoadKubeconfigOptions = {},
): Promise<Kubeconfig> {
  const file = resolve(path);
  const read = options.readTextFile ?? Deno.readTextFile;
  let text: string;
  try {
    text = await read(file);
  } catch (e) {
    throw new KubeconfigError(file, "", readProblem("file", e));
  }
  const files = [file];
  try {
    const spec = decodeKubeconfig(text, file);
    const pem = async (m: Material | undefined, kind: keyof typeof PEM_CHECKS) => {
      if (m === undefined) return undefined;
      const body = "data" in m ? m.data : await readMaterial(m.field, m.path, read, files);
      if (!PEM_CHECKS[kind].test(body)) {
        throw new FieldProblem(
          m.field,
          `${"data" in m ? "data" : `file '${m.path}'`} holds no PEM ${
            kind === "key" ? "private key" : "certificate"
          }`,
        );
      }
      return body;
    };
    const certificateAuthority = await pem(spec.certificateAuthority, "certificate");
    const clientCertificate = await pem(spec.clientCertificate, "certificate");
    const clientKey = await pem(spec.clientKey, "key");
    if (certificateAuthority !== undefined) {
      checkTls(
        { caCerts: [certificateAuthority] },
        spec.certificateAuthority!.field,
        "certificate",
      );
    }
    if (clientCertificate !== undefined && clientKey !== undefined) {
      checkTls(
        { cert: clientCertificate, key: clientKey } as Deno.CreateHttpClientOptions,
        spec.clientKey!.field,
        "client-certificate and client-key",
      );
    }
    let token = spec.token;
    if (spec.tokenFile) {
      if (token === undefined) {
        // As client-go: the file is read at load only when no static token is given.
        token = (await readMaterial(spec.tokenFile.field, spec.tokenFile.path, read, files)).trim();
        if (token === "") {
          throw new FieldProblem(spec.tokenFile.field, `file '${spec.tokenFile.path}' is empty`);
        }
      } else files.push(spec.tokenFile.path);
    }
    return {
      path: file,
      context: spec.context,
      cluster: spec.cluster,
      user: spec.user,
      server: spec.server,
      certificateAuthority,
      insecureSkipTLSVerify: spec.insecureSkipTLSVerify,
      clientCertificate,
      clientKey,
      token,
      tokenFile: spec.tokenFile?.path,
      files: [...new Set(files)],
    };
  } catch (e) {
    if (e instanceof FieldProblem) {
      throw new KubeconfigError(file, e.field, e.problem);
    }
    throw e;
  }
}

/**
 * Lets Deno's TLS stack parse the PEM material now, so a bad CA or a key that
 * does not match its certificate fails at load with the field named, not at
 * the first request.
 */
function checkTls(tls: Deno.CreateHttpClientOptions, field: string, what: string): void {
  try {
    Deno.createHttpClient(tls).close();
  } catch (e) {
    throw new FieldProblem(field, `${what} not usable: ${errText(e).split("\n")[0]}`);
  }
}

async function readMaterial(
  field: string,
  path: string,
  read: (path: string) => Promise<string>,
  files: string[],
): Promise<string> {
  files.push(path);
  try {
    return await read(path);
  } catch (e) {
    throw new FieldProblem(field, readProblem(`file '${path}'`, e));
  }
}
