/**
 * Decoding a kubeconfig document the way client-go's clientcmd reads the
 * `--kubeconfig` file: the current context, the cluster and user it names,
 * relative paths resolved against the kubeconfig's folder, and the checks
 * clientcmd makes (one auth method, a key with a certificate, data and file
 * not both set, no CA with insecure-skip-tls-verify). Pure: no file is read
 * here (see kubeconfig.ts).
 *
 * Unknown fields are ignored, as clientcmd's lenient decoding does; fields of
 * the chosen user or cluster that denolet cannot honour (exec, auth-provider,
 * basic auth, impersonation, tls-server-name, proxy-url) are refused by name
 * instead of being silently dropped.
 *
 * @module
 */

import { dirname, isAbsolute, resolve } from "../util/posix_path.ts";
import { parse } from "yaml";
import { errText } from "../util/err_text.ts";
import { hasAliasCycle, KUBE_YAML_OPTIONS } from "../util/kube_yaml.ts";

/** A problem at one field of the kubeconfig; kubeconfig.ts adds the file name. */
export class FieldProblem extends Error {
  /** The field path (`users[0].user.token`), "" for the document as a whole. */
  readonly field: string;
  /** What is wrong with it. */
  readonly problem: string;

  constructor(field: string, problem: string) {
    super(field === "" ? problem : `${field}: ${problem}`);
    this.name = "FieldProblem";
    this.field = field;
    this.problem = problem;
  }
}

/** PEM or token material given inline (`*-data`, `token`) or as a file path. */
export type Material =
  | { field: string; data: string }
  | { field: string; path: string };

/** The current context's cluster and user, decoded but not yet read from disk. */
export interface KubeconfigSpec {
  context: string;
  cluster: string;
  /** "" for a context without a user: requests are anonymous. */
  user: string;
  /** `cluster.server`, normalized (scheme, host and port, path prefix, no trailing `/`). */
  server: string;
  insecureSkipTLSVerify: boolean;
  certificateAuthority?: Material;
  clientCertificate?: Material;
  clientKey?: Material;
  /** The static `token`. */
  token?: string;
  /** `tokenFile`, absolute, with its field. */
  tokenFile?: { field: string; path: string };
}

type Obj = Record<string, unknown>;

function isObject(v: unknown): v is Obj {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Comma: Deno's allow-lists cannot hold it (same reason as the agent's path flags). */
const COMMA = "a path with a comma cannot be granted (Deno's allow-lists are comma-separated)";

/** Fields of the chosen user that would change who the agent is; denolet refuses them. */
const UNSUPPORTED_USER_FIELDS: readonly [string, string][] = [
  [
    "exec",
    "exec credential plugins are not supported (use token, tokenFile or a client certificate)",
  ],
  [
    "auth-provider",
    "auth providers are not supported (use token, tokenFile or a client certificate)",
  ],
  ["username", "basic auth is not supported (use token, tokenFile or a client certificate)"],
  ["password", "basic auth is not supported (use token, tokenFile or a client certificate)"],
  ["as", "impersonation is not supported"],
  ["as-uid", "impersonation is not supported"],
  ["as-groups", "impersonation is not supported"],
  ["as-user-extra", "impersonation is not supported"],
];

/** Fields of the chosen cluster that Deno's fetch cannot honour. */
const UNSUPPORTED_CLUSTER_FIELDS: readonly [string, string][] = [
  ["tls-server-name", "not supported (Deno's fetch cannot set the TLS server name)"],
  ["proxy-url", "not supported (denolet connects to the API server directly)"],
];

function isSet(v: unknown): boolean {
  if (v === undefined || v === null || v === "" || v === false) return false;
  if (Array.isArray(v)) return v.length > 0;
  if (isObject(v)) return Object.keys(v).length > 0;
  return true;
}

function str(obj: Obj, key: string, field: string): string | undefined {
  const v = obj[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "string") {
    throw new FieldProblem(field === "" ? key : `${field}.${key}`, "not a string");
  }
  return v === "" ? undefined : v;
}

function bool(obj: Obj, key: string, field: string): boolean {
  const v = obj[key];
  if (v === undefined || v === null) return false;
  if (typeof v !== "boolean") throw new FieldProblem(`${field}.${key}`, "not a boolean");
  return v;
}

/** The named entries of `clusters`, `contexts` or `users`, with their list index. */
function namedList(doc: Obj, list: string, inner: string): Map<string, { at: string; body: Obj }> {
  const v = doc[list];
  const out = new Map<string, { at: string; body: Obj }>();
  if (v === undefined || v === null) return out;
  if (!Array.isArray(v)) throw new FieldProblem(list, "not a list");
  v.forEach((entry, i) => {
    const at = `${list}[${i}]`;
    if (!isObject(entry)) throw new FieldProblem(at, "not a mapping");
    const name = entry.name;
    if (name !== undefined && name !== null && typeof name !== "string") {
      throw new FieldProblem(`${at}.name`, "not a string");
    }
    if (!name) throw new FieldProblem(`${at}.name`, "not set");
    if (out.has(name)) {
      throw new FieldProblem(`${at}.name`, `duplicate name ${JSON.stringify(name)}`);
    }
    const body = entry[inner] ?? {};
    if (!isObject(body)) throw new FieldProblem(`${at}.${inner}`, "not a mapping");
    out.set(name, { at: `${at}.${inner}`, body });
  });
  return out;
}

/** Decodes base64 `*-data` (whitespace allowed, as Go's decoder allows newlines). */
function base64Text(value: string, field: string): string {
  try {
    return new TextDecoder().decode(
      Uint8Array.from(atob(value.replace(/\s+/g, "")), (c) => c.charCodeAt(0)),
    );
  } catch {
    throw new FieldProblem(field, "not valid base64");
  }
}

/** `file` or `file-data` of one PEM item: at most one of them. */
function material(
  obj: Obj,
  at: string,
  key: string,
  base: string,
): Material | undefined {
  const path = str(obj, key, at);
  const data = str(obj, `${key}-data`, at);
  if (path !== undefined && data !== undefined) {
    throw new FieldProblem(`${at}.${key}-data`, `cannot be set together with ${key}`);
  }
  if (data !== undefined) {
    const field = `${at}.${key}-data`;
    return { field, data: base64Text(data, field) };
  }
  if (path === undefined) return undefined;
  return { field: `${at}.${key}`, path: resolvePath(path, base, `${at}.${key}`) };
}

function resolvePath(path: string, base: string, field: string): string {
  const abs = isAbsolute(path) ? path : resolve(base, path);
  if (abs.includes(",")) throw new FieldProblem(field, COMMA);
  return abs;
}

/**
 * The server URL as client-go takes it: a URL, or `host:port` (https when TLS
 * material or insecure-skip-tls-verify is set, else http).
 */
function serverUrl(value: string | undefined, field: string, tls: boolean): string {
  if (value === undefined) throw new FieldProblem(field, "not set");
  const text = value.includes("://") ? value : `${tls ? "https" : "http"}://${value}`;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new FieldProblem(field, `${JSON.stringify(value)} is not a URL or host:port`);
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    throw new FieldProblem(field, `${JSON.stringify(value)} is not an http or https URL`);
  }
  if (url.username !== "" || url.password !== "" || url.search !== "" || url.hash !== "") {
    throw new FieldProblem(
      field,
      `${JSON.stringify(value)} must not have userinfo, a query or a fragment`,
    );
  }
  return `${url.protocol}//${url.host}${url.pathname.replace(/\/+$/, "")}`;
}

function parseDocument(text: string): Obj {
  let doc: unknown;
  try {
    doc = parse(text, { ...KUBE_YAML_OPTIONS, prettyErrors: true });
  } catch (e) {
    throw new FieldProblem("", `not valid YAML: ${errText(e).split("\n")[0].trim()}`);
  }
  if (hasAliasCycle(doc)) throw new FieldProblem("", "an alias refers to a node that contains it");
  if (doc === null || doc === undefined) throw new FieldProblem("", "the file is empty");
  if (!isObject(doc)) throw new FieldProblem("", "not a mapping of fields");
  return doc;
}

type UserAuth = Pick<KubeconfigSpec, "clientCertificate" | "clientKey" | "token" | "tokenFile">;

function decodeUser(user: { at: string; body: Obj }, base: string): UserAuth {
  const { at, body } = user;
  for (const [key, why] of UNSUPPORTED_USER_FIELDS) {
    if (isSet(body[key])) throw new FieldProblem(`${at}.${key}`, why);
  }
  const clientCertificate = material(body, at, "client-certificate", base);
  const clientKey = material(body, at, "client-key", base);
  if (clientCertificate && !clientKey) {
    throw new FieldProblem(`${at}.client-key`, "not set (client-certificate needs a key)");
  }
  if (clientKey && !clientCertificate) {
    throw new FieldProblem(`${at}.client-certificate`, "not set (client-key needs a certificate)");
  }
  const token = str(body, "token", at);
  const tokenPath = str(body, "tokenFile", at);
  const tokenFile = tokenPath === undefined
    ? undefined
    : { field: `${at}.tokenFile`, path: resolvePath(tokenPath, base, `${at}.tokenFile`) };
  return { clientCertificate, clientKey, token, tokenFile };
}

/**
 * Decodes the kubeconfig `text` read from `path` (absolute) and picks the
 * current context's cluster and user.
 *
 * @throws {FieldProblem} naming the field at fault, e.g.
 * `users[0].user.client-key: not set (client-certificate needs a key)`.
 */
export function decodeKubeconfig(text: string, path: string): KubeconfigSpec {
  const doc = parseDocument(text);
  const base = dirname(path);
  const current = str(doc, "current-context", "");
  const clusters = namedList(doc, "clusters", "cluster");
  const contexts = namedList(doc, "contexts", "context");
  const users = namedList(doc, "users", "user");
  if (current === undefined) throw new FieldProblem("current-context", "not set");
  const context = contexts.get(current);
  if (!context) {
    throw new FieldProblem(
      "current-context",
      `no context named ${JSON.stringify(current)} in contexts`,
    );
  }
  const clusterName = str(context.body, "cluster", context.at);
  if (clusterName === undefined) throw new FieldProblem(`${context.at}.cluster`, "not set");
  const cluster = clusters.get(clusterName);
  if (!cluster) {
    throw new FieldProblem(
      `${context.at}.cluster`,
      `no cluster named ${JSON.stringify(clusterName)} in clusters`,
    );
  }
  const userName = str(context.body, "user", context.at) ?? "";
  const user = userName === "" ? undefined : users.get(userName);
  if (userName !== "" && !user) {
    throw new FieldProblem(
      `${context.at}.user`,
      `no user named ${JSON.stringify(userName)} in users`,
    );
  }

  const c = cluster.body;
  for (const [key, why] of UNSUPPORTED_CLUSTER_FIELDS) {
    if (isSet(c[key])) throw new FieldProblem(`${cluster.at}.${key}`, why);
  }
  const insecureSkipTLSVerify = bool(c, "insecure-skip-tls-verify", cluster.at);
  const certificateAuthority = material(c, cluster.at, "certificate-authority", base);
  if (insecureSkipTLSVerify && certificateAuthority) {
    throw new FieldProblem(
      `${cluster.at}.insecure-skip-tls-verify`,
      "cannot be combined with a certificate-authority (as in client-go)",
    );
  }
  const auth: UserAuth = user ? decodeUser(user, base) : {};
  const tls = certificateAuthority !== undefined || auth.clientCertificate !== undefined ||
    insecureSkipTLSVerify;
  const server = serverUrl(str(c, "server", cluster.at), `${cluster.at}.server`, tls);
  return {
    context: current,
    cluster: clusterName,
    user: userName,
    server,
    insecureSkipTLSVerify,
    certificateAuthority,
    ...auth,
  };
}
