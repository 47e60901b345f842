/**
 * One daemon the e2e harnesses start (etcd, kube-apiserver): its output
 * appended to a log file, stopped by its own PID (SIGTERM, bounded wait,
 * then SIGKILL), startable again with the same command line.
 *
 * Needs `--allow-run` (sh and the daemon) and `--allow-read` (the log).
 *
 * @module
 */

/** Runs `cmd args` to completion; never throws. */
export async function run(
  cmd: string,
  args: readonly string[],
): Promise<{ ok: boolean; out: string; err: string }> {
  try {
    const res = await new Deno.Command(cmd, { args: [...args], stdout: "piped", stderr: "piped" })
      .output();
    const dec = new TextDecoder();
    return { ok: res.success, out: dec.decode(res.stdout), err: dec.decode(res.stderr).trim() };
  } catch (e) {
    return { ok: false, out: "", err: e instanceof Error ? e.message : String(e) };
  }
}

/** Whether `bin` is on PATH. */
export async function which(bin: string): Promise<boolean> {
  return (await run("sh", ["-c", 'command -v "$1"', "sh", bin])).ok;
}

/** A daemon whose stdout and stderr go to `logPath`. */
export class DaemonProcess {
  #child?: Deno.ChildProcess;
  #exitCode?: number;

  constructor(
    readonly command: string,
    readonly args: readonly string[],
    readonly logPath: string,
    readonly stopTimeoutMs = 10_000,
  ) {}

  /** The running daemon's PID, -1 when it is not running. */
  get pid(): number {
    return this.#child?.pid ?? -1;
  }

  /** Spawns the daemon (the shell execs it, so the PID is the daemon's own). */
  async start(): Promise<void> {
    if (this.#child) throw new Error(`${this.command} is already running (pid ${this.pid})`);
    await Deno.writeTextFile(this.logPath, `--- start ${new Date().toISOString()}\n`, {
      append: true,
    });
    const child = new Deno.Command("sh", {
      args: [
        "-c",
        'log=$1; shift; exec "$@" >>"$log" 2>&1',
        "sh",
        this.logPath,
        this.command,
        ...this.args,
      ],
      stdin: "null",
      stdout: "null",
      stderr: "null",
    }).spawn();
    this.#child = child;
    this.#exitCode = undefined;
    child.status.then((s) => {
      if (this.#child === child) this.#exitCode = s.code;
    });
  }

  /** Throws, with the log tail, when the daemon has exited since it was started. */
  throwIfExited(): void {
    if (this.#exitCode !== undefined) {
      throw new Error(`${this.command} exited with code ${this.#exitCode}: ${this.logTail()}`);
    }
  }

  /**
   * Polls `ready` every `intervalMs` until it returns true (a throw counts as
   * "not yet"). Rejects at once, with the log tail, when the daemon exits, and
   * after `timeoutMs` with the last poll error and the log tail.
   */
  async waitUntil(
    ready: () => Promise<boolean>,
    options: { what: string; timeoutMs: number; intervalMs: number },
  ): Promise<void> {
    const deadline = Date.now() + options.timeoutMs;
    let last = "";
    while (true) {
      this.throwIfExited();
      try {
        if (await ready()) return;
        last = "";
      } catch (e) {
        last = ` (last error: ${e instanceof Error ? e.message : String(e)})`;
      }
      this.throwIfExited();
      if (Date.now() >= deadline) {
        throw new Error(
          `Timed out after ${options.timeoutMs} ms waiting for ${options.what}${last}; ` +
            `log: ${this.logTail()}`,
        );
      }
      await new Promise((r) => setTimeout(r, options.intervalMs));
    }
  }

  /** The last lines of the log, joined with " | ". */
  logTail(lines = 8): string {
    try {
      return Deno.readTextFileSync(this.logPath).trim().split("\n").slice(-lines).join(" | ");
    } catch {
      return "<no log>";
    }
  }

  /** SIGTERM by PID, wait up to stopTimeoutMs, then SIGKILL. Idempotent. */
  async stop(): Promise<void> {
    const child = this.#child;
    if (!child) return;
    this.#child = undefined;
    try {
      child.kill("SIGTERM");
    } catch { /* already gone */ }
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timedOut = await Promise.race([
      child.status.then(() => false),
      new Promise<boolean>((r) => timer = setTimeout(() => r(true), this.stopTimeoutMs)),
    ]);
    clearTimeout(timer);
    if (timedOut) {
      try {
        child.kill("SIGKILL");
      } catch { /* gone */ }
      await child.status;
    }
  }

  /** SIGKILL by PID without waiting (for an `unload` handler). */
  killSync(): void {
    const child = this.#child;
    this.#child = undefined;
    try {
      child?.kill("SIGKILL");
    } catch { /* gone */ }
  }
}
