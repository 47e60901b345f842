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
 * Whether `path` is a mount point: its filesystem (`stat().dev`) differs from
 * its parent's, which is true of every tmpfs denolet mounts. (Deno 2.9.6 opens
 * /proc/self/mountinfo only when every permission is granted, so the agent cannot read it: a
 * check through it would always say "no" and stack a new tmpfs at every sync.)
 *
 * Requires `--allow-read` on `path` and its parent.
 */
export async function isMountPoint(path: string): Promise<boolean> {
  const clean = path.replace(/\/+$/, "");
  const parent = clean.slice(0, clean.lastIndexOf("/")) || "/";
  try {
    const [own, up] = await Promise.all([Deno.stat(clean), Deno.stat(parent)]);
    return own.dev !== null && up.dev !== null && own.dev !== up.dev;
  } catch {
    return false;
  }
}
