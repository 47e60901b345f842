/**
 * The machine as the node status shows it: the Deno I/O edge of
 * src/nodestatus. {@linkcode MachineInfoReader.machineInfo} reads what does
 * not change while the agent runs (cores, memory, machine and boot IDs,
 * kernel, OS image, architecture), once at start;
 * {@linkcode MachineInfoReader.usage} reads what does (available memory, the
 * root directory's filesystem, PIDs) for each status;
 * {@linkcode MachineInfoReader.hostIP} finds the node's IPv4 address. Every
 * read is injectable, so tests use fixtures. What cannot be read leaves its
 * field empty (or the value undefined) and is warned about once; nothing
 * here throws.
 *
 * Deno lets a program read /proc and /sys only when every permission is granted (a
 * sandbox rule; `--allow-read=/proc/...` is not enough), so under the
 * agent's scoped permissions memory comes from `Deno.systemMemoryInfo()`
 * (the same MemTotal / MemAvailable), and boot_id, the PID files and
 * /proc/net/route stay unread: nodeInfo.bootID is empty, pid.available is not
 * observed, and the host IP is the local address towards the API server
 * (`hostIPProbe`) or the first non-bridge IPv4 address.
 *
 * Permissions (with the default readers): `--allow-sys=systemMemoryInfo,
 * osRelease,networkInterfaces,statfs`; `--allow-read` of /etc/machine-id,
 * /var/lib/dbus/machine-id, /etc/os-release and the root directory (statfs).
 *
 * @module
 */

import { statfs as nodeStatfs } from "node:fs/promises";
import { errText } from "../util/err_text.ts";
import { type Logger, nullLogger } from "../util/logger.ts";
import { firstLine, integerFile, loadavgTasks, osReleasePrettyName } from "./_proc_parse.ts";
import { defaultRouteIP, fallbackHostIP, type InterfaceAddress } from "./host_ip.ts";
import { MACHINE_FILES } from "./machine_files.ts";

export { MACHINE_FILES };

/** What the node reports about its machine that does not change while the agent runs. */
export interface MachineInfo {
  /** Logical CPUs. */
  numCores: number;
  /** MemTotal in bytes; 0 when it cannot be read. */
  memoryCapacityBytes: number;
  /** /etc/machine-id (or /var/lib/dbus/machine-id); "" when neither can be read. */
  machineID: string;
  /** /sys/class/dmi/id/product_uuid; "" when it cannot be read (it is often root-only). */
  systemUUID: string;
  /** /proc/sys/kernel/random/boot_id; "" when it cannot be read. */
  bootID: string;
  /** `uname -r`. */
  kernelVersion: string;
  /** /etc/os-release PRETTY_NAME. */
  osImage: string;
  /** Go's GOOS: `linux`. */
  operatingSystem: string;
  /** Go's GOARCH: `amd64`, `arm64`. */
  architecture: string;
}

/** A filesystem's size and free space. */
export interface FsUsage {
  capacityBytes: number;
  /** Bytes available to unprivileged users. */
  availableBytes: number;
  inodes: number;
  inodesFree: number;
}

/** What changes while the agent runs; each field is undefined when it cannot be read. */
export interface MachineUsage {
  /** MemAvailable, in bytes. */
  memoryAvailableBytes?: number;
  /** The filesystem of the root directory (nodefs). */
  rootFs?: FsUsage;
  /** The most tasks the kernel allows (min of pid_max and threads-max) and how many run. */
  pids?: { max: number; running: number };
}

/** The fields of `statfs(2)` the reader uses. */
export interface StatfsResult {
  bsize: number;
  blocks: number;
  bavail: number;
  files: number;
  ffree: number;
}

/** The fields of `Deno.systemMemoryInfo()` the reader uses, in bytes. */
export interface MemoryInfo {
  total: number;
  available: number;
}

/** Options of {@linkcode MachineInfoReader}: the readers (the Deno ones by default). */
export interface MachineInfoReaderOptions {
  /** @default Deno.readTextFile */
  readTextFile?: (path: string) => Promise<string>;
  /** @default Deno.systemMemoryInfo */
  systemMemoryInfo?: () => MemoryInfo;
  /** @default node:fs/promises statfs */
  statfs?: (path: string) => Promise<StatfsResult>;
  /** @default Deno.networkInterfaces */
  networkInterfaces?: () => InterfaceAddress[];
  /** @default Deno.osRelease */
  osRelease?: () => string;
  /**
   * The local address the kernel routes towards the API server (see
   * {@linkcode localAddressTowards}), asked when /proc/net/route cannot be
   * read; its answer is kept for `hostIPProbeTtlMs`. @default none
   */
  hostIPProbe?: () => Promise<string | undefined>;
  /** @default 600_000 */
  hostIPProbeTtlMs?: number;
  /** For the probe's cache. @default Date.now */
  now?: () => number;
  /** @default navigator.hardwareConcurrency */
  hardwareConcurrency?: number;
  /** Deno's arch name (`x86_64`, `aarch64`). @default Deno.build.arch */
  arch?: string;
  /** @default Deno.build.os */
  os?: string;
  /** Where what cannot be read is warned about, once each. @default nullLogger */
  logger?: Logger;
}

const GO_ARCH: Readonly<Record<string, string>> = { x86_64: "amd64", aarch64: "arm64" };

/** Deno's arch name as Go's GOARCH (`x86_64` → `amd64`, `aarch64` → `arm64`). */
export function goArch(arch: string): string {
  return GO_ARCH[arch] ?? arch;
}

/**
 * The local IP address of a TCP connection to `hostname:port` (the API
 * server): the address the kernel's routes choose for reaching it. The
 * connection is closed at once. Needs `--allow-net=<hostname>:<port>`.
 */
export async function localAddressTowards(
  hostname: string,
  port: number,
  connect: (o: { hostname: string; port: number }) => Promise<Deno.Conn> = Deno.connect,
): Promise<string | undefined> {
  const conn = await connect({ hostname, port });
  try {
    const addr = conn.localAddr;
    return addr.transport === "tcp" ? addr.hostname : undefined;
  } finally {
    conn.close();
  }
}

/** Reads the machine's facts for the node status. */
export class MachineInfoReader {
  #rootDir: string;
  #o: MachineInfoReaderOptions;
  #read: (path: string) => Promise<string>;
  #logger: Logger;
  #warned = new Set<string>();
  #probed?: { ip: string; at: number };

  /** @param rootDir the agent's root directory, whose filesystem is the node's ephemeral storage */
  constructor(rootDir: string, options: MachineInfoReaderOptions = {}) {
    this.#rootDir = rootDir;
    this.#o = options;
    this.#read = options.readTextFile ?? ((p) => Deno.readTextFile(p));
    this.#logger = options.logger ?? nullLogger;
  }

  /** The facts that do not change while the agent runs. Never throws. */
  async machineInfo(): Promise<MachineInfo> {
    const o = this.#o;
    const osRelease = await this.#file(MACHINE_FILES.osRelease);
    const cores = o.hardwareConcurrency ?? navigator.hardwareConcurrency;
    return {
      numCores: Number.isInteger(cores) && cores > 0 ? cores : 0,
      memoryCapacityBytes: this.#memory()?.total ?? 0,
      machineID: await this.#machineId(),
      systemUUID: firstLine(await this.#file(MACHINE_FILES.productUuid, true) ?? ""),
      bootID: firstLine(await this.#file(MACHINE_FILES.bootId) ?? ""),
      kernelVersion: this.#sys("osRelease", o.osRelease ?? (() => Deno.osRelease())) ?? "",
      osImage: (osRelease === undefined ? undefined : osReleasePrettyName(osRelease)) ?? "",
      operatingSystem: o.os ?? Deno.build.os,
      architecture: goArch(o.arch ?? Deno.build.arch),
    };
  }

  /** Available memory, the root directory's filesystem and PIDs, now. Never throws. */
  async usage(): Promise<MachineUsage> {
    const out: MachineUsage = {};
    const available = this.#memory()?.available;
    if (available !== undefined) out.memoryAvailableBytes = available;
    try {
      const s = await (this.#o.statfs ?? nodeStatfs)(this.#rootDir);
      out.rootFs = {
        capacityBytes: s.blocks * s.bsize,
        availableBytes: s.bavail * s.bsize,
        inodes: s.files,
        inodesFree: s.ffree,
      };
    } catch (err) {
      this.#warnOnce(this.#rootDir, `cannot be measured (statfs): ${errText(err)}`);
    }
    const maxes: number[] = [];
    for (const path of [MACHINE_FILES.pidMax, MACHINE_FILES.threadsMax]) {
      const text = await this.#file(path);
      const n = text === undefined ? undefined : integerFile(text);
      if (n !== undefined) maxes.push(n);
    }
    const loadavg = await this.#file(MACHINE_FILES.loadavg);
    const running = loadavg === undefined ? undefined : loadavgTasks(loadavg);
    if (maxes.length > 0 && running !== undefined) {
      out.pids = { max: Math.min(...maxes), running };
    }
    return out;
  }

  /**
   * The node's IPv4 address: the default route's interface's (as the kubelet
   * picks it), else the probe's answer, else the first non-bridge IPv4
   * address, else 127.0.0.1. Never throws.
   */
  async hostIP(): Promise<string> {
    const interfaces = this.#sys(
      "networkInterfaces",
      this.#o.networkInterfaces ?? (() => Deno.networkInterfaces()),
    ) ?? [];
    const routes = await this.#file(MACHINE_FILES.route);
    const viaRoute = routes === undefined ? undefined : defaultRouteIP(routes, interfaces);
    if (viaRoute) return viaRoute;
    const probed = await this.#probe();
    return probed ?? fallbackHostIP(interfaces);
  }

  async #probe(): Promise<string | undefined> {
    const probe = this.#o.hostIPProbe;
    if (!probe) return undefined;
    const now = (this.#o.now ?? Date.now)();
    if (this.#probed && now - this.#probed.at < (this.#o.hostIPProbeTtlMs ?? 600_000)) {
      return this.#probed.ip;
    }
    try {
      const ip = await probe();
      if (ip) this.#probed = { ip, at: now };
      return ip;
    } catch (err) {
      this.#warnOnce("the host IP probe", `failed: ${errText(err)}`);
      return this.#probed?.ip;
    }
  }

  #memory(): MemoryInfo | undefined {
    return this.#sys(
      "systemMemoryInfo",
      this.#o.systemMemoryInfo ?? (() => Deno.systemMemoryInfo()),
    );
  }

  /** A `Deno` system call's answer, or undefined (warned once) when it fails. */
  #sys<T>(name: string, call: () => T): T | undefined {
    try {
      return call();
    } catch (err) {
      this.#warnOnce(name, `cannot be called: ${errText(err)}`);
      return undefined;
    }
  }

  async #machineId(): Promise<string> {
    for (const path of [MACHINE_FILES.machineId, MACHINE_FILES.dbusMachineId]) {
      const id = firstLine(await this.#file(path, true) ?? "");
      if (id !== "") return id;
    }
    this.#warnOnce(
      MACHINE_FILES.machineId,
      `and ${MACHINE_FILES.dbusMachineId} cannot be read: nodeInfo.machineID stays empty`,
    );
    return "";
  }

  /** The file's text, or undefined (warned once, unless `quiet`) when it cannot be read. */
  async #file(path: string, quiet = false): Promise<string | undefined> {
    try {
      return await this.#read(path);
    } catch (err) {
      const sandboxed = err instanceof Deno.errors.NotCapable && /^\/(proc|sys)\//.test(path);
      if (quiet || sandboxed) {
        this.#logger.debug(4, "Cannot read machine file", { path, err: errText(err) });
      } else {
        this.#warnOnce(path, `cannot be read: ${errText(err)}`);
      }
      if (sandboxed && !this.#warned.has("/proc")) {
        this.#warned.add("/proc");
        this.#logger.info(
          "Machine info: Deno reads /proc and /sys only with every permission granted; nodeInfo.bootID, " +
            "the PID counts and the default route are left out",
        );
      }
      return undefined;
    }
  }

  #warnOnce(what: string, problem: string): void {
    if (this.#warned.has(what)) return;
    this.#warned.add(what);
    this.#logger.warn(`Machine info: ${what} ${problem}; the node status leaves it out`);
  }
}
