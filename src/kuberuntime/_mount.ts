/**
 * The default tmpfs mount helpers behind `emptyDir.medium: Memory`, the only
 * place this folder runs a host command.
 *
 * @module
 */

/**
 * Mounts a tmpfs at `path`, sized `sizeBytes` when given.
 *
 * Requires `--allow-run=mount` and root (CAP_SYS_ADMIN).
 */
export async function mountTmpfs(path: string, sizeBytes?: number): Promise<void> {
  const args = ["-t", "tmpfs"];
  if (sizeBytes !== undefined) args.push("-o", `size=${sizeBytes}`);
  args.push("tmpfs", path);
  const out = await new Deno.Command("mount", { args, stdout: "null", stderr: "piped" }).output();
  if (!out.success) {
    const err = new TextDecoder().decode(out.stderr).trim();
    throw new Error(`mount -t tmpfs failed for '${path}': ${err || `exit ${out.code}`}`);
  }
}

/**
 * Unmounts `path`.
 *
 * Requires `--allow-run=umount` and root.
 */
export async function unmount(path: string): Promise<void> {
  const out = await new Deno.Command("umount", { args: [path], stdout: "null", stderr: "piped" })
    .output();
  if (!out.success) {
    const err = new TextDecoder().decode(out.stderr).trim();
    throw new Error(`umount failed for '${path}': ${err || `exit ${out.code}`}`);
  }
}

/**
 * Whether `path` is a mount point, from /proc/self/mountinfo.
 *
 * Requires `--allow-read=/proc/self/mountinfo`.
 */
export async function isMountPoint(path: string): Promise<boolean> {
  let text: string;
  try {
    text = await Deno.readTextFile("/proc/self/mountinfo");
  } catch {
    return false;
  }
  const clean = path.replace(/\/+$/, "");
  return text.split("\n").some((line) => {
    const field = line.split(" ")[4];
    return field !== undefined && field.replace(/\\040/g, " ") === clean;
  });
}
