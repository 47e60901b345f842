/**
 * Starts a private containerd (CRI plugin on) in a temp dir for the e2e tests,
 * imports the local busybox image, and stops everything it started: tasks,
 * shims, mounts, the daemon and the temp dir.
 *
 * When containerd cannot run here, {@linkcode startContainerd} returns the
 * reason as a string, so a test module can register its tests as ignored and
 * say why, loudly.
 *
 * Needs `--allow-run` (containerd, ctr, tar, umount, sh, ps, cat), `--allow-read` and
 * `--allow-write` (temp dir, /proc), `--allow-net` (the unix socket) and
 * `--allow-env` (grpc-js).
 *
 * @module
 */

import * as grpc from "@grpc/grpc-js";
import { buildBusyboxImage, BUSYBOX_IMAGE_NAME } from "./busybox_image.ts";

/** Options for {@linkcode startContainerd}. */
export interface StartContainerdOptions {
  /** Stops the daemon when aborted. */
  signal?: AbortSignal;
  /** Build and import the busybox image (also the sandbox image). @default true */
  importBusybox?: boolean;
  /** How long to wait for the CRI socket to answer, in ms. @default 20_000 */
  readyTimeoutMs?: number;
  /**
   * Give the runtime a pod network (a CNI bridge + host-local conflist on
   * {@linkcode E2E_POD_NETWORK}, Debian's containernetworking-plugins), so its
   * NetworkReady condition is true, as a cluster node's must be. @default false
   */
  podNetwork?: boolean;
}

/** The pod network of a harness with `podNetwork` (inside the agent's default pod network grant). */
export const E2E_POD_NETWORK = "10.88.0.0/16";

/** Where Debian's containernetworking-plugins put the CNI plugins (the config's bin_dir). */
const CNI_BIN_DIR = "/usr/lib/cni";

function cniConflist(): string {
  return JSON.stringify({
    cniVersion: "1.0.0",
    name: "denolet-e2e",
    plugins: [{
      type: "bridge",
      bridge: "denolet-e2e0",
      isGateway: true,
      ipMasq: false,
      ipam: { type: "host-local", ranges: [[{ subnet: E2E_POD_NETWORK }]] },
    }, { type: "loopback" }],
  });
}

/** A running private containerd. */
export interface ContainerdHarness {
  /** Path of the gRPC unix socket. */
  readonly socketPath: string;
  /** The CRI endpoint, `unix://<socketPath>`. */
  readonly endpoint: string;
  /** The temp dir holding config, root, state, socket and log. */
  readonly dir: string;
  /** containerd's root dir. */
  readonly root: string;
  /** containerd's state dir. */
  readonly state: string;
  /** The daemon's log file. */
  readonly logPath: string;
  /** Name of the imported busybox image (the sandbox image too). */
  readonly image: string;
  /** PID of the current daemon (changes on restart); -1 when it is not running. */
  readonly pid: number;
  /** Runs `ctr -a <socket> -n <namespace> ...args` and returns its stdout. */
  ctr(args: string[], namespace?: string): Promise<string>;
  /** Imports an OCI/docker image tar into the k8s.io namespace. */
  importImage(tarPath: string): Promise<void>;
  /** Kills the daemon (SIGKILL) without touching shims or containers. */
  kill(): Promise<void>;
  /** Stops the daemon by PID and starts it again on the same dirs. */
  restart(): Promise<void>;
  /** Stops tasks, shims, mounts and the daemon, and removes the temp dir. Idempotent. */
  stop(): Promise<void>;
}

async function run(
  cmd: string,
  args: string[],
): Promise<{ ok: boolean; out: string; err: string }> {
  try {
    const res = await new Deno.Command(cmd, { args, stdout: "piped", stderr: "piped" }).output();
    const dec = new TextDecoder();
    return { ok: res.success, out: dec.decode(res.stdout), err: dec.decode(res.stderr).trim() };
  } catch (e) {
    return { ok: false, out: "", err: e instanceof Error ? e.message : String(e) };
  }
}

/** Synchronous {@linkcode run}, for cleanup from an `unload` handler. */
function runSync(cmd: string, args: string[]): { ok: boolean; out: string } {
  try {
    const res = new Deno.Command(cmd, { args, stdout: "piped", stderr: "null" }).outputSync();
    return { ok: res.success, out: new TextDecoder().decode(res.stdout) };
  } catch {
    return { ok: false, out: "" };
  }
}

async function which(bin: string): Promise<boolean> {
  return (await run("sh", ["-c", `command -v ${bin}`])).ok;
}

function configToml(dir: string, image: string): string {
  return `version = 2
root = "${dir}/root"
state = "${dir}/state"
disabled_plugins = [
  "io.containerd.internal.v1.opt",
  "io.containerd.snapshotter.v1.btrfs",
  "io.containerd.snapshotter.v1.zfs",
  "io.containerd.snapshotter.v1.devmapper",
  "io.containerd.snapshotter.v1.aufs",
  "io.containerd.tracing.processor.v1.otlp",
]

[grpc]
  address = "${dir}/containerd.sock"

[ttrpc]
  address = "${dir}/containerd.sock.ttrpc"

[plugins."io.containerd.grpc.v1.cri"]
  restrict_oom_score_adj = true
  sandbox_image = "${image}"
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "/usr/lib/cni"
    conf_dir = "${dir}/cni/net.d"
`;
}

/** One unary call to RuntimeService/Version with an empty request (no descriptor needed). */
function criVersionAnswers(socketPath: string, timeoutMs: number): Promise<boolean> {
  const client = new grpc.Client(`unix://${socketPath}`, grpc.credentials.createInsecure());
  return new Promise<boolean>((resolve) => {
    client.makeUnaryRequest(
      "/runtime.v1.RuntimeService/Version",
      (b: Uint8Array) => Buffer.from(b),
      (b: Buffer) => b,
      new Uint8Array(0),
      { deadline: Date.now() + timeoutMs },
      (err) => {
        client.close();
        resolve(!err);
      },
    );
  });
}

function delay(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

function alive(pid: number): boolean {
  try {
    Deno.kill(pid, "SIGCONT");
    return true;
  } catch {
    return false;
  }
}

function killQuietly(pid: number): void {
  try {
    Deno.kill(pid, "SIGKILL");
  } catch { /* gone */ }
}

/**
 * PIDs of containerd shims whose command line names our socket. Uses `ps`,
 * since Deno reads /proc only when every permission is granted.
 */
function shimPids(socketPath: string): number[] {
  const { out } = runSync("ps", ["-eww", "-o", "pid=,args="]);
  return out.split("\n")
    .map((line) => line.trim().split(/\s+/))
    .filter((argv) => argv[1]?.includes("containerd-shim") && argv.includes(socketPath))
    .map((argv) => Number(argv[0]));
}

function unescapeMount(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_, o) => String.fromCharCode(parseInt(o, 8)));
}

/** Mount points under `dir`, deepest first (mountinfo read through `cat`, see shimPids). */
function mountsUnder(dir: string): string[] {
  const { out } = runSync("cat", ["/proc/self/mountinfo"]);
  return out.split("\n").map((l) => unescapeMount(l.split(" ")[4] ?? ""))
    .filter((m) => m.startsWith(`${dir}/`))
    .sort((a, b) => b.length - a.length);
}

class Harness implements ContainerdHarness {
  /** Whether launch() writes the CNI conflist. */
  podNetwork = false;
  readonly dir: string;
  readonly socketPath: string;
  readonly endpoint: string;
  readonly root: string;
  readonly state: string;
  readonly logPath: string;
  readonly image: string;
  readonly #configPath: string;
  readonly #readyTimeoutMs: number;
  #child?: Deno.ChildProcess;
  #stopped = false;

  constructor(dir: string, image: string, readyTimeoutMs: number) {
    this.dir = dir;
    this.socketPath = `${dir}/containerd.sock`;
    this.endpoint = `unix://${this.socketPath}`;
    this.root = `${dir}/root`;
    this.state = `${dir}/state`;
    this.logPath = `${dir}/containerd.log`;
    this.image = image;
    this.#configPath = `${dir}/config.toml`;
    this.#readyTimeoutMs = readyTimeoutMs;
  }

  get pid(): number {
    return this.#child?.pid ?? -1;
  }

  /** Starts the daemon and waits for its CRI service; returns an error reason or undefined. */
  async launch(): Promise<string | undefined> {
    await Deno.mkdir(`${this.dir}/cni/net.d`, { recursive: true });
    if (this.podNetwork) {
      await Deno.writeTextFile(`${this.dir}/cni/net.d/10-denolet-e2e.conflist`, cniConflist());
    }
    await Deno.writeTextFile(this.#configPath, configToml(this.dir, this.image));
    // exec keeps the shell's PID, so the PID we hold is containerd's own.
    const child = new Deno.Command("sh", {
      args: ["-c", `exec containerd --config '${this.#configPath}' >>'${this.logPath}' 2>&1`],
      stdin: "null",
      stdout: "null",
      stderr: "null",
    }).spawn();
    this.#child = child;
    let exited = false;
    child.status.then(() => exited = true);
    const deadline = Date.now() + this.#readyTimeoutMs;
    while (Date.now() < deadline) {
      if (exited) return `containerd exited at startup (log: ${await this.#logTail()})`;
      try {
        await Deno.lstat(this.socketPath);
        if (await criVersionAnswers(this.socketPath, 1000)) return undefined;
      } catch { /* socket not there yet */ }
      await delay(50);
    }
    const tail = await this.#logTail();
    return `containerd did not answer on ${this.socketPath} within ${this.#readyTimeoutMs} ms (log: ${tail})`;
  }

  async #logTail(): Promise<string> {
    try {
      return (await Deno.readTextFile(this.logPath)).trim().split("\n").slice(-5).join(" | ");
    } catch {
      return "<no log>";
    }
  }

  async ctr(args: string[], namespace = "k8s.io"): Promise<string> {
    const res = await run("ctr", ["-a", this.socketPath, "-n", namespace, ...args]);
    if (!res.ok) throw new Error(`Cannot run 'ctr ${args.join(" ")}': ${res.err}`);
    return res.out;
  }

  async importImage(tarPath: string): Promise<void> {
    await this.ctr(["images", "import", tarPath]);
  }

  async #stopDaemon(sig: Deno.Signal): Promise<void> {
    const child = this.#child;
    if (!child) return;
    this.#child = undefined;
    try {
      child.kill(sig);
    } catch { /* already gone */ }
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timedOut = await Promise.race([
      child.status.then(() => false),
      new Promise<boolean>((r) => timer = setTimeout(() => r(true), 5000)),
    ]);
    clearTimeout(timer);
    if (timedOut) {
      killQuietly(child.pid);
      await child.status;
    }
  }

  async kill(): Promise<void> {
    await this.#stopDaemon("SIGKILL");
  }

  async restart(): Promise<void> {
    await this.#stopDaemon("SIGTERM");
    const reason = await this.launch();
    if (reason) throw new Error(`Cannot restart containerd: ${reason}`);
  }

  /** Kills every task's process and deletes the task, in every namespace (sync). */
  #killTasksSync(): void {
    if (!this.#child) return;
    const ctr = (ns: string, args: string[]) =>
      runSync("ctr", ["-a", this.socketPath, "-n", ns, ...args]);
    const listed = ctr("default", ["namespaces", "ls", "-q"]);
    const namespaces = listed.ok ? listed.out.split("\n").filter(Boolean) : ["k8s.io"];
    for (const ns of namespaces) {
      const lines = ctr(ns, ["tasks", "ls"]).out.split("\n").slice(1).filter(Boolean);
      for (const line of lines) {
        const [id, pid] = line.trim().split(/\s+/);
        if (Number(pid) > 0) killQuietly(Number(pid));
        ctr(ns, ["tasks", "delete", "-f", id]);
      }
    }
  }

  /** Kills our shims, waits for them (bounded), unmounts what is left and removes the dir. */
  #cleanupSync(): void {
    const shims = shimPids(this.socketPath);
    shims.forEach(killQuietly);
    const deadline = Date.now() + 2000;
    while (shims.some(alive) && Date.now() < deadline) { /* SIGKILL is quick */ }
    for (const mount of mountsUnder(this.dir)) runSync("umount", ["-l", mount]);
    try {
      Deno.removeSync(this.dir, { recursive: true });
    } catch { /* already gone */ }
    globalThis.removeEventListener("unload", this.#onUnload);
  }

  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    try {
      this.#killTasksSync();
    } finally {
      await this.#stopDaemon("SIGTERM");
      this.#cleanupSync();
    }
  }

  /**
   * Safety net when a test run ends without {@linkcode stop} (e.g. the test
   * was filtered out): kills everything synchronously on `unload`.
   */
  readonly #onUnload = (): void => {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#killTasksSync();
    if (this.#child) killQuietly(this.#child.pid);
    this.#child = undefined;
    this.#cleanupSync();
  };

  /** Registers the `unload` safety net. */
  guardUnload(): void {
    globalThis.addEventListener("unload", this.#onUnload);
  }
}

/**
 * Why containerd cannot run here (not Linux, a binary or the static busybox
 * missing, not root), or undefined when it can be tried. Cheap: starts nothing.
 */
export async function containerdUnavailableReason(): Promise<string | undefined> {
  if (Deno.build.os !== "linux") return `containerd e2e needs Linux, not ${Deno.build.os}`;
  for (const bin of ["containerd", "runc", "ctr", "containerd-shim-runc-v2", "tar", "ps"]) {
    if (!(await which(bin))) return `'${bin}' not found on PATH (run scripts/e2e_deps.sh)`;
  }
  try {
    const info = await Deno.stat("/bin/busybox");
    if (!info.isFile) return "/bin/busybox is not a file (install busybox-static)";
  } catch {
    return "/bin/busybox is missing (install busybox-static)";
  }
  if (Deno.uid() !== 0) return "containerd e2e needs root";
  return undefined;
}

/**
 * Starts a private containerd under a new temp dir and waits until its CRI
 * service answers. Returns the running harness, or a string saying why
 * containerd is unavailable (missing binaries, not root, failed start); in that
 * case nothing is left running.
 */
export async function startContainerd(
  options: StartContainerdOptions = {},
): Promise<ContainerdHarness | string> {
  const unavailable = await containerdUnavailableReason();
  if (unavailable) return unavailable;

  if (options.podNetwork) {
    for (const plugin of ["bridge", "host-local", "loopback"]) {
      try {
        await Deno.stat(`${CNI_BIN_DIR}/${plugin}`);
      } catch {
        return `the CNI plugin ${CNI_BIN_DIR}/${plugin} is missing (install containernetworking-plugins: scripts/e2e_deps.sh)`;
      }
    }
  }
  const dir = await Deno.makeTempDir({ prefix: "denolet-containerd-" });
  const harness = new Harness(dir, BUSYBOX_IMAGE_NAME, options.readyTimeoutMs ?? 20_000);
  harness.podNetwork = options.podNetwork ?? false;
  harness.guardUnload();
  try {
    const reason = await harness.launch();
    if (reason) {
      await harness.stop();
      return reason;
    }
    if (options.importBusybox ?? true) {
      const image = await buildBusyboxImage(`${dir}/busybox.tar`);
      await harness.importImage(image.path);
    }
  } catch (e) {
    await harness.stop();
    return `cannot set up containerd: ${e instanceof Error ? e.message : String(e)}`;
  }
  options.signal?.addEventListener("abort", () => void harness.stop(), { once: true });
  return harness;
}

/**
 * Registers `names` as ignored tests when containerd cannot run here, with the
 * reason printed loudly and carried in each test's name, so a skipped e2e test
 * is never counted as passed and always says why. `peer` names what could
 * not run (containerd, kube-apiserver).
 */
export function registerSkippedE2E(
  names: readonly string[],
  reason: string,
  peer = "containerd",
): void {
  console.error(`\n!!! E2E SKIPPED: ${peer} unavailable: ${reason}\n`);
  for (const name of names) {
    Deno.test({
      name: `${name} [SKIPPED: ${peer} unavailable: ${reason}]`,
      // Switched off on purpose: the peer cannot run here; the name says why.
      ignore: reason !== "",
      fn() {},
    });
  }
}
