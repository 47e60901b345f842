import assert from "node:assert/strict";
import {
  goArch,
  localAddressTowards,
  MACHINE_FILES,
  MachineInfoReader,
  type MachineInfoReaderOptions,
} from "../../src/nodestatus/machine_info.ts";
import type { Logger } from "../../src/util/logger.ts";

const OS_RELEASE = `NAME="Debian GNU/Linux"
PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"
VERSION_ID="12"
`;

const ROUTE = `Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT
eth0\t0000A8C0\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0
eth0\t00000000\t0100A8C0\t0003\t0\t0\t100\t00000000\t0\t0\t0
`;

const FILES: Record<string, string> = {
  [MACHINE_FILES.machineId]: "0123456789abcdef0123456789abcdef\n",
  [MACHINE_FILES.productUuid]: "4C4C4544-0042-3510-8052-B4C04F4E3232\n",
  [MACHINE_FILES.bootId]: "681b7f72-2a9a-4b85-ae66-c8c7091094a9\n",
  [MACHINE_FILES.osRelease]: OS_RELEASE,
  [MACHINE_FILES.pidMax]: "4194304\n",
  [MACHINE_FILES.threadsMax]: "192726\n",
  [MACHINE_FILES.loadavg]: "0.46 0.28 0.50 2/412 19408\n",
  [MACHINE_FILES.route]: ROUTE,
};

function recordingLogger(): Logger & { warnings: string[]; infos: string[] } {
  const warnings: string[] = [];
  const infos: string[] = [];
  return {
    warnings,
    infos,
    debug() {},
    info(message) {
      infos.push(message);
    },
    warn(message) {
      warnings.push(message);
    },
    error() {},
  };
}

function reader(
  files: Record<string, string>,
  extra: Partial<MachineInfoReaderOptions> = {},
): { reader: MachineInfoReader; warnings: string[]; infos: string[]; reads: string[] } {
  const logger = recordingLogger();
  const reads: string[] = [];
  const r = new MachineInfoReader("/var/lib/denolet", {
    readTextFile: (path) => {
      reads.push(path);
      return path in files
        ? Promise.resolve(files[path])
        : Promise.reject(new Deno.errors.NotFound(`No such file or directory: '${path}'`));
    },
    systemMemoryInfo: () => ({ total: 16331456 * 1024, available: 8165728 * 1024 }),
    statfs: (path) => {
      assert.equal(path, "/var/lib/denolet");
      return Promise.resolve({
        bsize: 4096,
        blocks: 25_000_000,
        bavail: 5_000_000,
        files: 6_000_000,
        ffree: 5_000_000,
      });
    },
    networkInterfaces: () => [
      { name: "lo", family: "IPv4", address: "127.0.0.1" },
      { name: "docker0", family: "IPv4", address: "172.17.0.1" },
      { name: "eth0", family: "IPv6", address: "fe80::1" },
      { name: "eth0", family: "IPv4", address: "192.168.0.7" },
    ],
    osRelease: () => "6.1.0-18-amd64",
    hardwareConcurrency: 4,
    arch: "x86_64",
    os: "linux",
    logger,
    ...extra,
  });
  return { reader: r, warnings: logger.warnings, infos: logger.infos, reads };
}

Deno.test("MachineInfoReader.machineInfo() reads every field from the machine's files", async () => {
  const { reader: r, warnings } = reader(FILES);
  assert.deepEqual(await r.machineInfo(), {
    numCores: 4,
    memoryCapacityBytes: 16331456 * 1024,
    machineID: "0123456789abcdef0123456789abcdef",
    systemUUID: "4C4C4544-0042-3510-8052-B4C04F4E3232",
    bootID: "681b7f72-2a9a-4b85-ae66-c8c7091094a9",
    kernelVersion: "6.1.0-18-amd64",
    osImage: "Debian GNU/Linux 12 (bookworm)",
    operatingSystem: "linux",
    architecture: "amd64",
  });
  assert.deepEqual(warnings, []);
});

Deno.test("MachineInfoReader.usage() reads available memory, statfs of the root dir and the task counts", async () => {
  const { reader: r } = reader(FILES);
  assert.deepEqual(await r.usage(), {
    memoryAvailableBytes: 8165728 * 1024,
    rootFs: {
      capacityBytes: 4096 * 25_000_000,
      availableBytes: 4096 * 5_000_000,
      inodes: 6_000_000,
      inodesFree: 5_000_000,
    },
    // min(pid_max, threads-max), and loadavg's total of tasks
    pids: { max: 192726, running: 412 },
  });
});

Deno.test("MachineInfoReader.machineInfo() falls back to /var/lib/dbus/machine-id", async () => {
  const files: Record<string, string> = { ...FILES, [MACHINE_FILES.dbusMachineId]: "fedcba\n" };
  delete files[MACHINE_FILES.machineId];
  const { reader: r, warnings } = reader(files);
  assert.equal((await r.machineInfo()).machineID, "fedcba");
  assert.deepEqual(warnings, []);
});

Deno.test("MachineInfoReader: what cannot be read gives empty fields and one warning each, never a throw", async () => {
  const notCapable = (what: string) =>
    new Deno.errors.NotCapable(`Requires sys access to "${what}"`);
  const { reader: r, warnings } = reader({}, {
    systemMemoryInfo: () => {
      throw notCapable("systemMemoryInfo");
    },
    statfs: () => Promise.reject(notCapable("statfs")),
    networkInterfaces: () => {
      throw notCapable("networkInterfaces");
    },
    osRelease: () => {
      throw notCapable("osRelease");
    },
  });
  const info = await r.machineInfo();
  assert.deepEqual(info, {
    numCores: 4,
    memoryCapacityBytes: 0,
    machineID: "",
    systemUUID: "",
    bootID: "",
    kernelVersion: "",
    osImage: "",
    operatingSystem: "linux",
    architecture: "amd64",
  });
  assert.deepEqual(await r.usage(), {});
  assert.equal(await r.hostIP(), "127.0.0.1");
  const first = [...warnings];
  // product_uuid is optional (often root-only): no warning for it.
  assert.equal(first.some((w) => w.includes("product_uuid")), false);
  for (
    const what of [
      "systemMemoryInfo",
      "/etc/machine-id",
      "boot_id",
      "/etc/os-release",
      "osRelease",
      "/var/lib/denolet",
      "pid_max",
      "/proc/loadavg",
      "/proc/net/route",
      "networkInterfaces",
    ]
  ) {
    assert.equal(first.filter((w) => w.includes(what)).length, 1, `one warning about ${what}`);
  }
  // Reading again warns no more.
  await r.machineInfo();
  await r.usage();
  await r.hostIP();
  assert.deepEqual(warnings, first);
});

Deno.test("MachineInfoReader: /proc and /sys refused by Deno's sandbox give one info line, not a warning per file", async () => {
  const sandbox: MachineInfoReaderOptions["readTextFile"] = (path) =>
    /^\/(proc|sys)\//.test(path)
      ? Promise.reject(new Deno.errors.NotCapable(`Requires all access to "${path}"`))
      : Promise.resolve(FILES[path] ?? "");
  const { reader: r, warnings, infos } = reader(FILES, { readTextFile: sandbox });
  const info = await r.machineInfo();
  assert.equal(info.bootID, "");
  assert.equal(info.machineID, "0123456789abcdef0123456789abcdef");
  assert.equal((await r.usage()).pids, undefined);
  assert.equal(await r.hostIP(), "192.168.0.7"); // eth0 is no bridge: docker0 is skipped
  assert.deepEqual(warnings, []);
  assert.equal(infos.length, 1);
  assert.match(infos[0], /Deno reads \/proc and \/sys only with every permission granted/);
});

Deno.test("MachineInfoReader.hostIP() asks the probe when the route table is unreadable, and keeps its answer for the TTL", async () => {
  let now = 0;
  let answers = 0;
  const files: Record<string, string> = { ...FILES };
  delete files[MACHINE_FILES.route];
  const { reader: r } = reader(files, {
    hostIPProbe: () => Promise.resolve(`10.0.0.${++answers}`),
    hostIPProbeTtlMs: 600_000,
    now: () => now,
  });
  assert.equal(await r.hostIP(), "10.0.0.1");
  now = 599_999;
  assert.equal(await r.hostIP(), "10.0.0.1");
  now = 600_000;
  assert.equal(await r.hostIP(), "10.0.0.2");
});

Deno.test("localAddressTowards() is the local end of a TCP connection, closed at once", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  try {
    const ip = await localAddressTowards("127.0.0.1", (listener.addr as Deno.NetAddr).port);
    assert.equal(ip, "127.0.0.1");
    (await listener.accept()).close();
  } finally {
    listener.close();
  }
});

Deno.test("MachineInfoReader.hostIP() is the IPv4 address of the default route's interface", async () => {
  const { reader: r } = reader(FILES);
  assert.equal(await r.hostIP(), "192.168.0.7");
});

Deno.test("goArch names Deno's architectures as Go does", () => {
  assert.equal(goArch("x86_64"), "amd64");
  assert.equal(goArch("aarch64"), "arm64");
  assert.equal(goArch("riscv64"), "riscv64");
});

Deno.test("MachineInfoReader with the real Deno readers reads this machine", async () => {
  const r = new MachineInfoReader(Deno.cwd());
  const info = await r.machineInfo();
  assert.ok(info.numCores >= 1);
  assert.ok(info.memoryCapacityBytes > 0);
  // Deno opens /proc files only when every permission is granted: under `deno task test`'s
  // scoped flags (as under the agent's) the boot ID stays empty.
  const procReadable = await Deno.readTextFile("/proc/sys/kernel/random/boot_id").then(
    () => true,
    () => false,
  );
  assert.match(info.bootID, procReadable ? /^[0-9a-f-]{36}$/ : /^$/);
  const usage = await r.usage();
  assert.ok(usage.rootFs && usage.rootFs.capacityBytes > 0);
  assert.match(await r.hostIP(), /^\d+\.\d+\.\d+\.\d+$/);
});
