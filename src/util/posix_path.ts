/**
 * POSIX path helpers with node:path's results (`isAbsolute`, `join`,
 * `resolve`, `dirname`), for the option loading that start.sh's short-lived
 * print step runs.
 *
 * Not node:path itself: importing it loads Deno's `node:process` and the
 * Node compatibility bootstrap, ≈ 28 ms of a start in a step that otherwise
 * takes ≈ 80 ms (measured: a script that only imports node:path and calls
 * `resolve` starts in 61 ms instead of 33). JSR's @std/path cannot be
 * reached here. tests/util/posix_path_test.ts holds these to node:path.
 *
 * @module
 */

/** Whether `path` starts at the root. */
export function isAbsolute(path: string): boolean {
  return path.startsWith("/");
}

/**
 * `path` with `.`, `..` and repeated slashes resolved: `..` above the root
 * stays at the root, leading `..` of a relative path stay. Keeps a trailing
 * slash when `keepTrailing`; an empty result is `.` (`./`) or `/`.
 */
function normalize(path: string, keepTrailing: boolean): string {
  const absolute = isAbsolute(path);
  const out: string[] = [];
  for (const part of path.split("/")) {
    if (part === "" || part === ".") continue;
    if (part !== "..") out.push(part);
    else if (out.length > 0 && out[out.length - 1] !== "..") out.pop();
    else if (!absolute) out.push("..");
  }
  const joined = out.join("/");
  const trailing = keepTrailing && path.endsWith("/") ? "/" : "";
  if (absolute) return joined === "" ? "/" : `/${joined}${trailing}`;
  return `${joined === "" ? "." : joined}${trailing}`;
}

/** The non-empty `parts` joined with `/` and normalized (a trailing slash stays). */
export function join(...parts: string[]): string {
  const joined = parts.filter((p) => p !== "").join("/");
  return joined === "" ? "." : normalize(joined, true);
}

/**
 * The absolute, normalized path `parts` name, read right to left as `cd`
 * would; the working directory is only asked for when no part is absolute.
 *
 * Requires `--allow-read` only then (Deno.cwd()).
 */
export function resolve(...parts: string[]): string {
  let path = "";
  for (let i = parts.length - 1; i >= 0 && !isAbsolute(path); i--) {
    if (parts[i] !== "") path = path === "" ? parts[i] : `${parts[i]}/${path}`;
  }
  if (!isAbsolute(path)) path = path === "" ? Deno.cwd() : `${Deno.cwd()}/${path}`;
  return normalize(path, false);
}

/**
 * `path` without its last segment and the slash before it (trailing slashes
 * ignored, repeated ones inside kept, as node:path does); `.` when there is
 * no slash, `/` for the root.
 */
export function dirname(path: string): string {
  let end = path.length;
  while (end > 1 && path[end - 1] === "/") end--;
  const slash = path.lastIndexOf("/", end - 1);
  if (slash < 0) return ".";
  if (slash === 0) return "/";
  if (slash === 1 && path[0] === "/") return "//";
  return path.slice(0, slash);
}
