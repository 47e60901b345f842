/** Machine facts shared by the node status tests. */

import type { MachineInfo, MachineUsage } from "../../src/nodestatus/machine_info.ts";

/** A 4-core, 16331456 KiB machine. */
export const MACHINE: MachineInfo = {
  numCores: 4,
  memoryCapacityBytes: 16331456 * 1024,
  machineID: "0123456789abcdef0123456789abcdef",
  systemUUID: "4c4c4544-0042-3510-8052-b4c04f4e3232",
  bootID: "681b7f72-2a9a-4b85-ae66-c8c7091094a9",
  kernelVersion: "6.1.0-18-amd64",
  osImage: "Debian GNU/Linux 12 (bookworm)",
  operatingSystem: "linux",
  architecture: "amd64",
};

/** Half the disk free, plenty of memory and PIDs. */
export const USAGE: MachineUsage = {
  memoryAvailableBytes: 8_000_000_000,
  rootFs: {
    capacityBytes: 102_400_000_000,
    availableBytes: 50_000_000_000,
    inodes: 6_000_000,
    inodesFree: 5_000_000,
  },
  pids: { max: 4_194_304, running: 400 },
};
