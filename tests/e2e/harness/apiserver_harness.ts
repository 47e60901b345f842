/**
 * Starts a private etcd and kube-apiserver in a temp dir on loopback (free
 * ports) for the e2e tests, the way ../shared/ENVIRONMENT.md runs them: a CA
 * and serving certificate for 127.0.0.1, token auth (an `admin` in
 * `system:masters`, each node as `system:node:<name>` in `system:nodes`),
 * `--authorization-mode=Node,RBAC`, the NodeRestriction admission plugin and
 * a service-account key pair. Writes a kubeconfig per identity, and stops
 * (by PID) and removes everything it started.
 *
 * The kube-apiserver binary is built once by scripts/kube_apiserver_deps.sh
 * and cached under `/var/cache/denolet/kube-apiserver-<source version>/`
 * (`DENOLET_CACHE_DIR` moves the cache, `DENOLET_KUBE_APISERVER` names a
 * binary). When a binary is missing, {@linkcode startApiServer} returns the
 * reason as a string, so a test module can register its tests as ignored
 * and say why, loudly (`registerSkippedE2E` of containerd_harness.ts with peer "kube-apiserver").
 *
 * Needs `--allow-run` (sh, etcd, kube-apiserver, openssl, kubectl),
 * `--allow-read` / `--allow-write` (the cache dir, the temp dir),
 * `--allow-net=127.0.0.1` and `--allow-env` (the two variables above).
 *
 * @module
 */

import { freePort } from "./agent_process.ts";
import {
  type ApiServerPki,
  makeApiServerPki,
  randomToken,
  tokenAuthCsv,
  tokenKubeconfig,
  type TokenUser,
} from "./_apiserver_files.ts";
import { DaemonProcess, run } from "./_daemon_process.ts";
import { apiServerUnavailableReason } from "./_kube_apiserver_binary.ts";

export { apiServerUnavailableReason, findKubeApiServer } from "./_kube_apiserver_binary.ts";

/** Options for {@linkcode startApiServer}. */
export interface StartApiServerOptions {
  /** Nodes that get a `system:node:<name>` token and kubeconfig. @default ["e2e-node"] */
  nodeNames?: readonly string[];
  /** How long to wait for etcd's /health and the server's /readyz, ms. @default 90_000 */
  readyTimeoutMs?: number;
  /** Stops everything when aborted. */
  signal?: AbortSignal;
}

/** A running private kube-apiserver + etcd. */
export interface ApiServerHarness {
  /** The temp dir holding the PKI, etcd's data, the kubeconfigs and the logs. */
  readonly dir: string;
  /** `https://127.0.0.1:<port>`. */
  readonly server: string;
  /** The CA that signed the serving certificate (and the kubelet client certificate: a node agent's --client-ca-file). */
  readonly caFile: string;
  /** A kubeconfig of `admin` (group `system:masters`). */
  readonly adminKubeconfig: string;
  /** The node names that have an identity. */
  readonly nodeNames: readonly string[];
  /** The kube-apiserver's version (`kube-apiserver --version`). */
  readonly version: string;
  /** ms from the last kube-apiserver launch to /readyz `ok` and the system namespaces present. */
  readonly readyMs: number;
  /** PIDs of the running daemons (-1 when stopped). */
  readonly apiServerPid: number;
  readonly etcdPid: number;
  /** Log files. */
  readonly apiServerLog: string;
  readonly etcdLog: string;
  /** The kubeconfig of `system:node:<nodeName>` (a bearer token). */
  nodeKubeconfig(nodeName: string): string;
  /** `kubectl --kubeconfig=<admin> ...args`; resolves with stdout, rejects with stderr. */
  kubectl(args: readonly string[]): Promise<string>;
  /** Stops kube-apiserver (SIGTERM by PID, then SIGKILL); etcd keeps the data. */
  stopApiServer(): Promise<void>;
  /** Starts kube-apiserver again on the same port, dirs and data; waits for /readyz. */
  startApiServer(): Promise<void>;
  /** {@linkcode stopApiServer} then {@linkcode startApiServer}. */
  restart(): Promise<void>;
  /** Stops both daemons and removes the temp dir. Idempotent. */
  stop(): Promise<void>;
}

class Harness implements ApiServerHarness {
  readonly server: string;
  readonly caFile: string;
  readonly adminKubeconfig: string;
  readonly apiServerLog: string;
  readonly etcdLog: string;
  version = "";
  readyMs = -1;
  readonly #etcd: DaemonProcess;
  readonly #apiserver: DaemonProcess;
  readonly #etcdPort: number;
  readonly #adminToken: string;
  readonly #readyTimeoutMs: number;
  #stopped = false;

  constructor(
    readonly dir: string,
    readonly nodeNames: readonly string[],
    readonly binary: string,
    readonly pki: ApiServerPki,
    readyTimeoutMs: number,
  ) {
    const apiPort = freePort();
    const clientPort = freePort();
    const peerPort = freePort();
    this.#etcdPort = clientPort;
    this.server = `https://127.0.0.1:${apiPort}`;
    this.caFile = pki.caCert;
    this.adminKubeconfig = `${dir}/admin.kubeconfig`;
    this.apiServerLog = `${dir}/kube-apiserver.log`;
    this.etcdLog = `${dir}/etcd.log`;
    this.#adminToken = randomToken();
    this.#readyTimeoutMs = readyTimeoutMs;
    const peer = `http://127.0.0.1:${peerPort}`;
    const client = `http://127.0.0.1:${clientPort}`;
    this.#etcd = new DaemonProcess("etcd", [
      "--name=e2e",
      `--data-dir=${dir}/etcd`,
      `--listen-client-urls=${client}`,
      `--advertise-client-urls=${client}`,
      `--listen-peer-urls=${peer}`,
      `--initial-advertise-peer-urls=${peer}`,
      `--initial-cluster=e2e=${peer}`,
      "--log-level=warn",
    ], this.etcdLog);
    this.#apiserver = new DaemonProcess(binary, [
      `--etcd-servers=${client}`,
      "--bind-address=127.0.0.1",
      `--secure-port=${apiPort}`,
      "--advertise-address=127.0.0.1",
      "--insecure-port=0",
      `--tls-cert-file=${pki.servingCert}`,
      `--tls-private-key-file=${pki.servingKey}`,
      `--client-ca-file=${pki.caCert}`,
      `--token-auth-file=${dir}/tokens.csv`,
      "--authorization-mode=Node,RBAC",
      "--enable-admission-plugins=NodeRestriction",
      "--disable-admission-plugins=ServiceAccount",
      "--endpoint-reconciler-type=none",
      "--service-cluster-ip-range=10.0.0.0/24",
      "--allow-privileged=true",
      "--service-account-issuer=https://kubernetes.default.svc",
      `--service-account-key-file=${pki.serviceAccountPub}`,
      `--service-account-signing-key-file=${pki.serviceAccountKey}`,
      `--cert-dir=${dir}/cert-dir`,
      "--profiling=false",
      // How it calls a node agent's API (kubectl logs, top, proxy): its client certificate,
      // the node's InternalIP; the agent's self-signed serving certificate is not verified,
      // as kube-apiserver does without --kubelet-certificate-authority.
      `--kubelet-client-certificate=${pki.kubeletClientCert}`,
      `--kubelet-client-key=${pki.kubeletClientKey}`,
      "--kubelet-preferred-address-types=InternalIP",
    ], this.apiServerLog);
  }

  get apiServerPid(): number {
    return this.#apiserver.pid;
  }

  get etcdPid(): number {
    return this.#etcd.pid;
  }

  nodeKubeconfig(nodeName: string): string {
    if (!this.nodeNames.includes(nodeName)) {
      throw new RangeError(`No identity for node '${nodeName}' (have: ${this.nodeNames})`);
    }
    return `${this.dir}/node-${nodeName}.kubeconfig`;
  }

  /** Writes the token file and the kubeconfigs. */
  async writeIdentities(): Promise<void> {
    const users: TokenUser[] = [
      { user: "admin", groups: ["system:masters"], token: this.#adminToken },
      ...this.nodeNames.map((n) => ({
        user: `system:node:${n}`,
        groups: ["system:nodes"],
        token: randomToken(),
      })),
    ];
    await Deno.writeTextFile(`${this.dir}/tokens.csv`, tokenAuthCsv(users), { mode: 0o600 });
    const write = (path: string, u: TokenUser) =>
      Deno.writeTextFile(path, tokenKubeconfig(this.server, this.caFile, u.user, u.token), {
        mode: 0o600,
      });
    await write(this.adminKubeconfig, users[0]);
    for (const [i, n] of this.nodeNames.entries()) {
      await write(this.nodeKubeconfig(n), users[i + 1]);
    }
  }

  async launch(): Promise<void> {
    const v = await run(this.binary, ["--version"]);
    this.version = v.out.trim();
    await this.writeIdentities();
    await this.#etcd.start();
    await this.#etcd.waitUntil(async () => {
      const res = await fetch(`http://127.0.0.1:${this.#etcdPort}/health`);
      return (await res.json()).health === "true";
    }, { what: "etcd /health", timeoutMs: this.#readyTimeoutMs, intervalMs: 100 });
    await this.startApiServer();
  }

  async startApiServer(): Promise<void> {
    const started = performance.now();
    await this.#apiserver.start();
    const ca = await Deno.readTextFile(this.caFile);
    const client = Deno.createHttpClient({ caCerts: [ca] });
    const get = async (path: string) => {
      const res = await fetch(`${this.server}${path}`, {
        client,
        headers: { Authorization: `Bearer ${this.#adminToken}` },
      });
      return { status: res.status, body: (await res.text()).trim() };
    };
    const api = this.#apiserver;
    const timeoutMs = this.#readyTimeoutMs;
    try {
      await api.waitUntil(async () => (await get("/readyz")).body === "ok", {
        what: `kube-apiserver ${this.server}/readyz`,
        timeoutMs,
        intervalMs: 200,
      });
      // The bootstrap controller creates the system namespaces just after the server starts.
      for (const ns of ["default", "kube-node-lease"]) {
        await api.waitUntil(async () => (await get(`/api/v1/namespaces/${ns}`)).status === 200, {
          what: `namespace ${ns}`,
          timeoutMs,
          intervalMs: 100,
        });
      }
    } finally {
      client.close();
    }
    this.readyMs = Math.round(performance.now() - started);
  }

  async stopApiServer(): Promise<void> {
    await this.#apiserver.stop();
  }

  async restart(): Promise<void> {
    await this.stopApiServer();
    await this.startApiServer();
  }

  async kubectl(args: readonly string[]): Promise<string> {
    const res = await run("kubectl", [
      `--kubeconfig=${this.adminKubeconfig}`,
      `--cache-dir=${this.dir}/kubectl-cache`,
      ...args,
    ]);
    if (!res.ok) throw new Error(`kubectl ${args.join(" ")} failed: ${res.err}`);
    return res.out;
  }

  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    globalThis.removeEventListener("unload", this.#onUnload);
    try {
      await this.#apiserver.stop();
      await this.#etcd.stop();
    } finally {
      await Deno.remove(this.dir, { recursive: true }).catch(() => {});
    }
  }

  /** Safety net when the test run ends without stop(): kills both by PID, removes the dir. */
  readonly #onUnload = (): void => {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#apiserver.killSync();
    this.#etcd.killSync();
    try {
      Deno.removeSync(this.dir, { recursive: true });
    } catch { /* already gone */ }
  };

  guardUnload(): void {
    globalThis.addEventListener("unload", this.#onUnload);
  }
}

/**
 * Starts etcd and kube-apiserver under a new temp dir and waits for /readyz
 * and the system namespaces. Returns the running harness, or a string saying
 * why they are unavailable (a binary missing, a failed start); in that case
 * nothing is left running.
 */
export async function startApiServer(
  options: StartApiServerOptions = {},
): Promise<ApiServerHarness | string> {
  const found = await apiServerUnavailableReason();
  if (typeof found === "string") return found;
  const dir = await Deno.makeTempDir({ prefix: "denolet-apiserver-" });
  let harness: Harness | undefined;
  try {
    const pki = await makeApiServerPki(dir);
    harness = new Harness(
      dir,
      options.nodeNames ?? ["e2e-node"],
      found.binary,
      pki,
      options.readyTimeoutMs ?? 90_000,
    );
    harness.guardUnload();
    await harness.launch();
  } catch (e) {
    if (harness) await harness.stop();
    else await Deno.remove(dir, { recursive: true }).catch(() => {});
    return `cannot start kube-apiserver + etcd: ${e instanceof Error ? e.message : String(e)}`;
  }
  const h = harness;
  options.signal?.addEventListener("abort", () => void h.stop(), { once: true });
  return h;
}
