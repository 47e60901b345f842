/**
 * Symlink creation for the atomic writer. Deno grants `Deno.symlink` only to
 * an unscoped `--allow-read` and `--allow-write` (a link's target is resolved
 * only when it is followed), which the agent never has; so when Deno refuses,
 * the links are made by the host's `ln` (POSIX `ln -s`), which needs
 * `--allow-run=ln`. Tests with full permissions take the Deno path; the
 * scoped ones take `ln`. Private to src/volumes.
 *
 * @module
 */

async function ln(args: string[]): Promise<void> {
  let out: Deno.CommandOutput;
  try {
    out = await new Deno.Command("ln", { args, stdout: "null", stderr: "piped" }).output();
  } catch (e) {
    if (e instanceof Deno.errors.NotCapable) {
      throw new Error(
        "Cannot create the symlinks of a configMap, secret, downwardAPI or projected volume: " +
          "Deno allows Deno.symlink only with unscoped --allow-read/--allow-write, so denolet " +
          "runs `ln` and needs --allow-run=ln",
      );
    }
    throw e;
  }
  if (!out.success) {
    const err = new TextDecoder().decode(out.stderr).trim();
    throw new Error(`ln -s failed: ${err || `exit ${out.code}`}`);
  }
}

/**
 * Creates the symlink `path` → `target` (`path` must not exist).
 *
 * Requires `--allow-write` for `path` and either unscoped
 * `--allow-read`/`--allow-write` or `--allow-run=ln`.
 */
export async function symlink(target: string, path: string): Promise<void> {
  try {
    await Deno.symlink(target, path);
    return;
  } catch (e) {
    if (!(e instanceof Deno.errors.NotCapable)) throw e;
  }
  await ln(["-s", "--", target, path]);
  if ((await Deno.readLink(path)) !== target) {
    throw new Error(`ln -s made ${path} point elsewhere than ${JSON.stringify(target)}`);
  }
}

/**
 * Creates `dir/<basename(target)>` → `target` for every target, in one `ln`
 * when Deno refuses symlinks (POSIX `ln -s source... target_dir`). None of
 * the names may exist.
 *
 * Requires what {@linkcode symlink} requires.
 */
export async function symlinksInto(dir: string, targets: string[]): Promise<void> {
  if (targets.length === 0) return;
  const base = (t: string) => t.slice(t.lastIndexOf("/") + 1);
  try {
    for (const t of targets) await Deno.symlink(t, `${dir}/${base(t)}`);
    return;
  } catch (e) {
    if (!(e instanceof Deno.errors.NotCapable)) throw e;
  }
  await ln(["-s", "--", ...targets, `${dir}/`]);
  for (const t of targets) {
    if ((await Deno.readLink(`${dir}/${base(t)}`)) !== t) {
      throw new Error(`ln -s made ${dir}/${base(t)} point elsewhere than ${JSON.stringify(t)}`);
    }
  }
}
