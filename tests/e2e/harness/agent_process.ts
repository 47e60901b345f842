/**
 * Runs the REAL agent as a child process, the way users run it: the command
 * line comes from `buildRunCommand` (scripts/run.ts), so the child gets
 * exactly the scoped `--allow-*` flags computed from its own flags and config
 * file, never -A. Its stdout and stderr are collected into a bounded
 * in-memory log that tests search ({@linkcode AgentProcess.waitForLog}) and
 * print on failure; its read-only port (`/pods`) and healthz port are read
 * from the same options the agent parses.
 *
 * Also: {@linkcode freePort} for loopback ports, {@linkcode waitFor} for
 * bounded polls of real state, and {@linkcode writeAgentConfig} for the
 * KubeletConfiguration file the e2e tests use.
 *
 * Needs `--allow-run` (deno), `--allow-read` (config file, deno binary),
 * `--allow-net=127.0.0.1` (free ports, the agent's HTTP ports) and
 * `--allow-write` ({@linkcode writeAgentConfig}).
 *
 * @module
 */

import { buildRunCommand } from "../../../scripts/run.ts";
import { loadKubeletOptions } from "../../../src/options/mod.ts";

/** Options for {@linkcode startAgent}. */
export interface StartAgentOptions {
  /** Stops the agent (SIGTERM, then SIGKILL) when aborted. */
  signal?: AbortSignal;
  /** Most bytes of output kept; older output is dropped. @default 4_194_304 */
  maxLogBytes?: number;
  /** The deno binary. @default Deno.execPath() */
  denoPath?: string;
  /** How long {@linkcode AgentProcess.stop} waits after SIGTERM before SIGKILL, ms. @default 10_000 */
  stopTimeoutMs?: number;
}

/** A plain HTTP answer. */
export interface HttpAnswer {
  status: number;
  body: string;
}

/** The agent running as a child process. */
export interface AgentProcess {
  /** The child's PID. */
  readonly pid: number;
  /** The full command line it was started with (deno, run, flags, main.ts, args). */
  readonly command: readonly string[];
  /** Settles when the process has exited. */
  readonly status: Promise<Deno.CommandStatus>;
  /** True once the process has exited. */
  readonly exited: boolean;
  /** The output collected so far (stdout and stderr, in arrival order; bounded). */
  log(): string;
  /** The last `lines` lines of the output. */
  logTail(lines?: number): string;
  /**
   * Resolves with the first match of `pattern` in the output (already seen or
   * arriving within `timeoutMs`); rejects on timeout or when the process exits
   * without a match, with the log tail in the message.
   */
  waitForLog(pattern: RegExp, timeoutMs: number): Promise<RegExpMatchArray>;
  /** GET `path` on the read-only port; parses the JSON body; throws unless 2xx. */
  getJson<T = unknown>(path: string): Promise<T>;
  /** GET `path` on the read-only port as text (e.g. `/metrics`); any status is an answer. */
  getReadOnly(path: string): Promise<HttpAnswer>;
  /** GET `path` on the healthz port (e.g. `/healthz`); any status is an answer. */
  get(path: string): Promise<HttpAnswer>;
  /** SIGTERM, wait (bounded), then SIGKILL. Idempotent. */
  stop(): Promise<Deno.CommandStatus>;
  /** SIGKILL, to simulate a crash. Idempotent. */
  kill(): Promise<Deno.CommandStatus>;
}

/**
 * Polls the agent's `/healthz` until it answers `status` (a refused connection
 * counts as -1), within `timeoutMs`; the timeout message quotes the last answer.
 */
export async function waitForHealthz(
  agent: AgentProcess,
  status: number,
  options: { timeoutMs: number; details?: () => string },
): Promise<void> {
  let last = "";
  await waitFor(async () => {
    let res: { status: number; body: string };
    try {
      res = await agent.get("/healthz");
    } catch (e) {
      res = { status: -1, body: String(e) };
    }
    last = `${res.status} ${res.body.trim()}`;
    return res.status === status;
  }, {
    what: `/healthz ${status}`,
    timeoutMs: options.timeoutMs,
    intervalMs: 500,
    details: () => `last answer: ${last}\n${options.details?.() ?? ""}`,
  });
}

/** Whether an HTTP server answers on 127.0.0.1:`port` (any status) within `timeoutMs`. */
export async function portAnswers(port: number, timeoutMs = 1000): Promise<boolean> {
  try {
    const res = await fetch(`http://127.0.0.1:${port}/`, {
      signal: AbortSignal.timeout(timeoutMs),
    });
    await res.body?.cancel();
    return true;
  } catch {
    return false;
  }
}

/** Ports below Linux's default ephemeral range (32768-60999), where {@linkcode freePort} picks. */
const TEST_PORTS = { first: 20_000, last: 32_000 };
/** Ports handed out in this process: never twice. */
const handedOut = new Set<number>();

/**
 * A free TCP port on 127.0.0.1 for a daemon a test starts. Picked at random
 * BELOW the kernel's ephemeral range and checked by a listen: a port from
 * `listen(0)` is an ephemeral one, which the kernel may give to any outgoing
 * connection (kubectl's, the agent's) before the daemon binds it — that made
 * etcd fail now and then with "address already in use". Needs `--allow-net`.
 */
export function freePort(): number {
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = TEST_PORTS.first +
      Math.floor(Math.random() * (TEST_PORTS.last - TEST_PORTS.first + 1));
    if (handedOut.has(port)) continue;
    try {
      Deno.listen({ hostname: "127.0.0.1", port }).close();
    } catch {
      continue;
    }
    handedOut.add(port);
    return port;
  }
  throw new Error("No free test port between 20000 and 32000 on 127.0.0.1");
}

/** Options for {@linkcode waitFor}. */
export interface WaitForOptions {
  /** Give up after this long, ms. @default 30_000 */
  timeoutMs?: number;
  /** Pause between polls, ms. @default 250 */
  intervalMs?: number;
  /** What is awaited, for the timeout message. @default "condition" */
  what?: string;
  /** Extra text for the timeout message, e.g. the agent's log tail. @default none */
  details?: () => string;
}

/**
 * Polls `fn` until it returns a truthy value and resolves with it. A throwing
 * poll counts as "not yet" (its error is quoted on timeout). Rejects after
 * `timeoutMs`. Real time: for e2e tests that wait on real processes only.
 */
export async function waitFor<T>(
  fn: () => T | undefined | null | false | Promise<T | undefined | null | false>,
  options: WaitForOptions = {},
): Promise<T> {
  const timeoutMs = options.timeoutMs ?? 30_000;
  const intervalMs = options.intervalMs ?? 250;
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (true) {
    try {
      const value = await fn();
      if (value) return value;
      lastError = undefined;
    } catch (e) {
      lastError = e;
    }
    if (Date.now() >= deadline) {
      const why = lastError === undefined
        ? ""
        : ` (last error: ${lastError instanceof Error ? lastError.message : String(lastError)})`;
      const details = options.details ? `\n${options.details()}` : "";
      throw new Error(
        `Timed out after ${timeoutMs} ms waiting for ${
          options.what ?? "condition"
        }${why}${details}`,
      );
    }
    await new Promise((r) =>
      setTimeout(r, Math.min(intervalMs, Math.max(1, deadline - Date.now())))
    );
  }
}

/** Fields of the KubeletConfiguration file {@linkcode writeAgentConfig} writes. */
export interface AgentConfig {
  /** `podLogsDir`. */
  podLogsDir: string;
  /** `readOnlyPort` (on `address: 127.0.0.1`). */
  readOnlyPort: number;
  /** `healthzPort` (on `healthzBindAddress: 127.0.0.1`). */
  healthzPort: number;
  /** `fileCheckFrequency`. @default "1s" */
  fileCheckFrequency?: string;
  /** More top-level fields. @default {} */
  extra?: Record<string, unknown>;
}

/** Writes a KubeletConfiguration (JSON, which is YAML) to `path`. Needs `--allow-write`. */
export async function writeAgentConfig(path: string, config: AgentConfig): Promise<void> {
  const doc = {
    apiVersion: "kubelet.config.k8s.io/v1beta1",
    kind: "KubeletConfiguration",
    podLogsDir: config.podLogsDir,
    address: "127.0.0.1",
    readOnlyPort: config.readOnlyPort,
    healthzBindAddress: "127.0.0.1",
    healthzPort: config.healthzPort,
    fileCheckFrequency: config.fileCheckFrequency ?? "1s",
    ...(config.extra ?? {}),
  };
  await Deno.writeTextFile(path, JSON.stringify(doc, null, 2) + "\n");
}

/** Keeps the newest `max` bytes (roughly: UTF-16 length) of appended text. */
class BoundedLog {
  #text = "";
  #dropped = false;
  readonly #max: number;
  readonly #listeners = new Set<() => void>();

  constructor(max: number) {
    this.#max = max;
  }

  append(chunk: string): void {
    this.#text += chunk;
    if (this.#text.length > this.#max) {
      this.#text = this.#text.slice(this.#text.length - this.#max);
      this.#dropped = true;
    }
    for (const l of [...this.#listeners]) l();
  }

  text(): string {
    return this.#dropped ? `[... older output dropped ...]\n${this.#text}` : this.#text;
  }

  onAppend(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }
}

function connectHost(address: string): string {
  if (address === "0.0.0.0" || address === "") return "127.0.0.1";
  if (address === "::") return "[::1]";
  return address.includes(":") ? `[${address}]` : address;
}

async function fetchText(url: string, timeoutMs: number): Promise<HttpAnswer> {
  const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
  return { status: res.status, body: await res.text() };
}

class ChildAgent implements AgentProcess {
  readonly pid: number;
  readonly command: readonly string[];
  readonly status: Promise<Deno.CommandStatus>;
  #exited = false;
  #stopping?: Promise<Deno.CommandStatus>;
  readonly #child: Deno.ChildProcess;
  readonly #log: BoundedLog;
  readonly #readOnlyBase?: string;
  readonly #healthzBase?: string;
  readonly #stopTimeoutMs: number;
  readonly #pumps: Promise<void>[];

  constructor(
    child: Deno.ChildProcess,
    command: string[],
    log: BoundedLog,
    bases: { readOnly?: string; healthz?: string; stopTimeoutMs: number },
  ) {
    this.#child = child;
    this.pid = child.pid;
    this.command = command;
    this.#log = log;
    this.#readOnlyBase = bases.readOnly;
    this.#healthzBase = bases.healthz;
    this.#stopTimeoutMs = bases.stopTimeoutMs;
    this.#pumps = [this.#pump(child.stdout), this.#pump(child.stderr)];
    this.status = child.status.then(async (s) => {
      this.#exited = true;
      // Let the pipes drain so the last lines are in the log.
      await Promise.race([
        Promise.all(this.#pumps),
        new Promise((r) => setTimeout(r, 1000)),
      ]);
      this.#log.append("");
      globalThis.removeEventListener("unload", this.#onUnload);
      return s;
    });
    globalThis.addEventListener("unload", this.#onUnload);
  }

  get exited(): boolean {
    return this.#exited;
  }

  async #pump(stream: ReadableStream<Uint8Array>): Promise<void> {
    try {
      for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
        this.#log.append(chunk);
      }
    } catch {
      // The pipe closed under us (process killed): nothing more to read.
    }
  }

  log(): string {
    return this.#log.text();
  }

  logTail(lines = 40): string {
    return this.#log.text().trimEnd().split("\n").slice(-lines).join("\n");
  }

  waitForLog(pattern: RegExp, timeoutMs: number): Promise<RegExpMatchArray> {
    return new Promise((resolve, reject) => {
      let settled = false;
      const finish = (err?: Error, match?: RegExpMatchArray) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        unsubscribe();
        if (err) reject(err);
        else resolve(match!);
      };
      const check = () => {
        const m = this.#log.text().match(pattern);
        if (m) finish(undefined, m);
        else if (this.#exited) {
          finish(
            new Error(
              `The agent exited without logging ${pattern}; log tail:\n${this.logTail()}`,
            ),
          );
        }
      };
      const timer = setTimeout(() => {
        finish(
          new Error(
            `Timed out after ${timeoutMs} ms waiting for ${pattern} in the agent log; log tail:\n${this.logTail()}`,
          ),
        );
      }, timeoutMs);
      const unsubscribe = this.#log.onAppend(check);
      check();
    });
  }

  async getReadOnly(path: string): Promise<HttpAnswer> {
    if (!this.#readOnlyBase) throw new TypeError("Cannot GET: the agent's read-only port is off");
    return await fetchText(`${this.#readOnlyBase}${path}`, 5000);
  }

  async getJson<T = unknown>(path: string): Promise<T> {
    const res = await this.getReadOnly(path);
    if (res.status < 200 || res.status >= 300) {
      throw new Error(`GET ${path} on the read-only port answered ${res.status}: ${res.body}`);
    }
    return JSON.parse(res.body) as T;
  }

  async get(path: string): Promise<HttpAnswer> {
    if (!this.#healthzBase) throw new TypeError("Cannot GET: the agent's healthz port is off");
    return await fetchText(`${this.#healthzBase}${path}`, 5000);
  }

  #signal(sig: Deno.Signal): void {
    if (this.#exited) return;
    try {
      this.#child.kill(sig);
    } catch {
      // already gone
    }
  }

  stop(): Promise<Deno.CommandStatus> {
    this.#stopping ??= (async () => {
      this.#signal("SIGTERM");
      let timer: ReturnType<typeof setTimeout> | undefined;
      const timedOut = await Promise.race([
        this.status.then(() => false),
        new Promise<boolean>((r) => timer = setTimeout(() => r(true), this.#stopTimeoutMs)),
      ]);
      clearTimeout(timer);
      if (timedOut) {
        this.#log.append(
          `\n[agent_process] no exit ${this.#stopTimeoutMs} ms after SIGTERM: SIGKILL\n`,
        );
        this.#signal("SIGKILL");
      }
      return await this.status;
    })();
    return this.#stopping;
  }

  kill(): Promise<Deno.CommandStatus> {
    this.#stopping ??= (async () => {
      this.#signal("SIGKILL");
      return await this.status;
    })();
    return this.#stopping;
  }

  /** Safety net when a test run ends without stop(): SIGKILL synchronously. */
  readonly #onUnload = (): void => {
    if (!this.#exited) {
      try {
        Deno.kill(this.pid, "SIGKILL");
      } catch {
        // already gone
      }
    }
  };
}

/**
 * Starts the agent with `args` as `deno run <computed permission flags>
 * main.ts <args>` (see scripts/run.ts). The read-only and healthz ports are
 * those the agent will use, read from the same flags and config file.
 *
 * Bad flags start the agent anyway: it reports them itself and exits 1.
 *
 * Needs `--allow-run` for deno and `--allow-read` for the config file.
 */
export async function startAgent(
  args: string[],
  options: StartAgentOptions = {},
): Promise<AgentProcess> {
  const command = await buildRunCommand(args, options.denoPath ?? Deno.execPath());
  let readOnly: string | undefined;
  let healthz: string | undefined;
  try {
    const loaded = await loadKubeletOptions(args, { hostname: Deno.hostname });
    if (loaded.kind === "run") {
      const o = loaded.options;
      if (o.readOnlyPort > 0) readOnly = `http://${connectHost(o.address)}:${o.readOnlyPort}`;
      if (o.healthzPort > 0) {
        healthz = `http://${connectHost(o.healthzBindAddress)}:${o.healthzPort}`;
      }
    }
  } catch {
    // Bad options: the agent will say so itself and exit.
  }
  const log = new BoundedLog(options.maxLogBytes ?? 4 * 1024 * 1024);
  const child = new Deno.Command(command[0], {
    args: command.slice(1),
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const agent = new ChildAgent(child, command, log, {
    readOnly,
    healthz,
    stopTimeoutMs: options.stopTimeoutMs ?? 10_000,
  });
  options.signal?.addEventListener("abort", () => void agent.stop(), { once: true });
  return agent;
}

/** The parts of an API server harness a node agent needs (apiserver_harness.ts). */
export interface NodeIdentitySource {
  nodeKubeconfig(nodeName: string): string;
  /** The CA of the kubelet client certificate the API server presents. */
  readonly caFile: string;
}

/**
 * A node agent joined to `api` as `node`, on the CRI `endpoint`, with its
 * config, logs and root under `dir`, its kubelet API on a free `--port`
 * (returned), the read-only port on a free loopback port and `extraFlags`
 * appended. Needs what {@linkcode startAgent} needs.
 */
export async function startNodeAgent(options: {
  api: NodeIdentitySource;
  node: string;
  endpoint: string;
  dir: string;
  extraFlags?: readonly string[];
}): Promise<{ agent: AgentProcess; port: number }> {
  const { api, node, endpoint, dir } = options;
  const port = freePort();
  await Deno.mkdir(`${dir}/logs`, { recursive: true });
  await writeAgentConfig(`${dir}/kubelet.yaml`, {
    podLogsDir: `${dir}/logs`,
    readOnlyPort: freePort(),
    healthzPort: freePort(),
  });
  const agent = await startAgent([
    `--config=${dir}/kubelet.yaml`,
    `--kubeconfig=${api.nodeKubeconfig(node)}`,
    `--hostname-override=${node}`,
    `--root-dir=${dir}/root`,
    `--container-runtime-endpoint=${endpoint}`,
    "--node-ip=127.0.0.1",
    `--port=${port}`,
    `--client-ca-file=${api.caFile}`,
    ...(options.extraFlags ?? []),
  ]);
  return { agent, port };
}
