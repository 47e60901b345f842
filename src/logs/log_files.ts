/**
 * The files one container instance's log is made of: the live file at its
 * CRI log path (`<podLogsDir>/<ns>_<name>_<uid>/<container>/<restartCount>.log`)
 * and the files rotated out of it, named as the kubelet's container log
 * manager names them: `<path>.<20060102-150405>` (UTC time of the rotation),
 * older ones compressed to `<path>.<20060102-150405>.gz`. Files of other
 * names beside them (a `.tmp` of a compression in progress, anything else)
 * are not part of the log.
 *
 * Needs `--allow-read` for the log directory.
 *
 * @module
 */

/** One file of a container's log, oldest first in a list. */
export interface LogFile {
  path: string;
  /** True for a gzip-compressed rotated file. */
  compressed: boolean;
}

const ROTATED = /^(\d{8}-\d{6})(\.gz)?$/;

function split(path: string): { dir: string; base: string } {
  const i = path.lastIndexOf("/");
  return i < 0
    ? { dir: ".", base: path }
    : { dir: path.slice(0, i) || "/", base: path.slice(i + 1) };
}

/**
 * The log files of the instance whose live log is `path`: the rotated ones
 * oldest first, then `path` itself (listed whether or not it exists). When
 * a rotated file exists both plain and compressed (a compression in
 * progress), the plain one is used. A directory that cannot be read gives
 * just `path`.
 */
export async function listLogFiles(path: string): Promise<LogFile[]> {
  const { dir, base } = split(path);
  const rotated = new Map<string, LogFile>();
  try {
    for await (const e of Deno.readDir(dir)) {
      if (!e.isFile || !e.name.startsWith(`${base}.`)) continue;
      const m = ROTATED.exec(e.name.slice(base.length + 1));
      if (!m) continue;
      const compressed = m[2] !== undefined;
      if (compressed && rotated.has(m[1])) continue;
      rotated.set(m[1], { path: `${dir === "/" ? "" : dir}/${e.name}`, compressed });
    }
  } catch {
    // No directory (yet) or no access: the live file alone; opening it reports why.
  }
  const ordered = [...rotated.entries()].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  return [...ordered.map(([, f]) => f), { path, compressed: false }];
}

/**
 * `paths` as log files, oldest first, the last the live one; rotated ones
 * ending in `.gz` are compressed.
 */
export function logFilesOf(paths: readonly string[]): LogFile[] {
  return paths.map((path, i) => ({
    path,
    compressed: i < paths.length - 1 && path.endsWith(".gz"),
  }));
}
