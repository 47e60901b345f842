/**
 * Replaces a file's content so that a reader sees the old content or the new,
 * never a part: the text goes to a temp file beside it (a name of its own, so
 * concurrent writers do not share one), which is then renamed over the file.
 *
 * @module
 */

/**
 * Writes `text` to `path` atomically, with `mode` when given (applied with
 * chmod too, so the umask does not narrow it). The temp file is removed when
 * a step fails, and the error is thrown.
 *
 * Requires `--allow-write` of `path`'s directory.
 */
export async function writeTextFileAtomically(
  path: string,
  text: string,
  mode?: number,
): Promise<void> {
  const temp = `${path}.${crypto.randomUUID()}.tmp`;
  try {
    await Deno.writeTextFile(temp, text, mode === undefined ? {} : { mode });
    if (mode !== undefined) await Deno.chmod(temp, mode);
    await Deno.rename(temp, path);
  } catch (e) {
    await Deno.remove(temp).catch(() => {});
    throw e;
  }
}
