/**
 * The files the machine info reader (machine_info.ts) reads. Their own module,
 * so that the permission computation (src/options/permissions.ts), which
 * start.sh's short-lived print step runs, can name them without loading the
 * reader and the Node modules it uses.
 *
 * @module
 */

/** Paths the machine info reader reads. */
export const MACHINE_FILES = {
  machineId: "/etc/machine-id",
  dbusMachineId: "/var/lib/dbus/machine-id",
  productUuid: "/sys/class/dmi/id/product_uuid",
  bootId: "/proc/sys/kernel/random/boot_id",
  osRelease: "/etc/os-release",
  pidMax: "/proc/sys/kernel/pid_max",
  threadsMax: "/proc/sys/kernel/threads-max",
  loadavg: "/proc/loadavg",
  route: "/proc/net/route",
} as const;
