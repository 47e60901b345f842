/**
 * The kubelet's `/logs/` (KubeletConfiguration `enableSystemLogHandler`):
 * the node's log dir (`/var/log`) as Go's `http.FileServer` serves it, a
 * directory as an HTML listing (`<pre>` of `<a href="name">name</a>` lines,
 * sorted, directories with a trailing `/`), a file as its bytes.
 *
 * Safer than the kubelet, which follows any symlink: nothing outside the
 * dir is served. A path segment `..` (also when percent-encoded) is 400
 * `invalid URL path`; a path whose real location (symlinks resolved) is
 * outside the dir is 403; a missing one 404 `404 page not found`; a
 * directory asked without its trailing slash is redirected (301) to it, as
 * Go's file server does. Only GET and HEAD: 405 `Method Not Allowed` with
 * `Allow: GET` (the kubelet's GET-only filter). Files stream with
 * `Content-Length` and `Last-Modified`; the type is
 * `text/plain; charset=utf-8` unless the first 512 bytes look binary (a NUL
 * or invalid UTF-8): `application/octet-stream`. No Range requests and no
 * `index.html` serving (Go's file server has both).
 *
 * Needs `--allow-read` on the log dir.
 *
 * @module
 */

import { join } from "node:path";

/** The path prefix this handler serves. */
export const SYSTEM_LOGS_PREFIX = "/logs/";

/** Options of {@linkcode createSystemLogsHandler}. */
export interface SystemLogsOptions {
  /** The directory served, absolute (the kubelet's `/var/log`). */
  logDir: string;
}

const TEXT = { "content-type": "text/plain; charset=utf-8", "x-content-type-options": "nosniff" };

function text(status: number, body: string, extra: Record<string, string> = {}): Response {
  return new Response(body, { status, headers: { ...TEXT, ...extra } });
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** The listing Go's file server writes for a directory's entries. */
export function directoryListing(
  entries: readonly { name: string; isDirectory: boolean }[],
): string {
  const names = entries.map((e) => e.isDirectory ? `${e.name}/` : e.name).sort();
  const lines = names.map((n) => `<a href="${escapeHtml(encodeURI(n))}">${escapeHtml(n)}</a>`);
  return `<!doctype html>\n<meta name="viewport" content="width=device-width">\n<pre>\n${
    lines.map((l) => `${l}\n`).join("")
  }</pre>\n`;
}

function isInside(path: string, dir: string): boolean {
  return path === dir || path.startsWith(dir.endsWith("/") ? dir : `${dir}/`);
}

/** The decoded segments below the prefix, or undefined when one is `..`, NUL or undecodable. */
function segmentsOf(pathname: string): string[] | undefined {
  const rest = pathname.slice(SYSTEM_LOGS_PREFIX.length);
  const out: string[] = [];
  for (const raw of rest.split("/")) {
    let seg: string;
    try {
      seg = decodeURIComponent(raw);
    } catch {
      return undefined;
    }
    if (seg.includes("\0")) return undefined;
    for (const part of seg.split("/")) {
      if (part === "..") return undefined;
      if (part !== "" && part !== ".") out.push(part);
    }
  }
  return out;
}

function looksBinary(head: Uint8Array): boolean {
  if (head.includes(0)) return true;
  try {
    // A multi-byte character cut at the 512-byte edge is not binary.
    new TextDecoder("utf-8", { fatal: true }).decode(head, { stream: true });
    return false;
  } catch {
    return true;
  }
}

async function fileResponse(path: string, size: number, mtime: Date | null): Promise<Response> {
  const file = await Deno.open(path, { read: true });
  const head = new Uint8Array(Math.min(512, size));
  let got = 0;
  while (got < head.length) {
    const n = await file.read(head.subarray(got));
    if (n === null) break;
    got += n;
  }
  await file.seek(0, Deno.SeekMode.Start);
  const headers: Record<string, string> = {
    "content-type": looksBinary(head.subarray(0, got))
      ? "application/octet-stream"
      : "text/plain; charset=utf-8",
    "content-length": String(size),
  };
  if (mtime) headers["last-modified"] = mtime.toUTCString();
  return new Response(file.readable, { status: 200, headers });
}

/** Creates the `/logs/` handler for `options.logDir`. */
export function createSystemLogsHandler(
  options: SystemLogsOptions,
): (request: Request) => Promise<Response> {
  let realDir: string | undefined;
  return async (request: Request): Promise<Response> => {
    const url = new URL(request.url);
    if (!url.pathname.startsWith(SYSTEM_LOGS_PREFIX)) return text(404, "404 page not found\n");
    if (request.method !== "GET" && request.method !== "HEAD") {
      return text(405, "Method Not Allowed", { allow: "GET" });
    }
    const segments = segmentsOf(url.pathname);
    if (!segments) return text(400, "invalid URL path\n");
    let real: string;
    let info: Deno.FileInfo;
    try {
      realDir ??= await Deno.realPath(options.logDir);
      real = await Deno.realPath(join(realDir, ...segments));
      if (!isInside(real, realDir)) return text(403, "403 Forbidden: outside the log dir\n");
      info = await Deno.stat(real);
    } catch (e) {
      if (e instanceof Deno.errors.NotFound) return text(404, "404 page not found\n");
      if (e instanceof Deno.errors.PermissionDenied) return text(403, "403 Forbidden\n");
      throw e;
    }
    if (info.isDirectory) {
      if (!url.pathname.endsWith("/")) {
        const last = url.pathname.slice(url.pathname.lastIndexOf("/") + 1);
        return new Response(null, { status: 301, headers: { location: `${last}/` } });
      }
      const entries: { name: string; isDirectory: boolean }[] = [];
      for await (const e of Deno.readDir(real)) {
        entries.push({ name: e.name, isDirectory: e.isDirectory });
      }
      return new Response(directoryListing(entries), {
        status: 200,
        headers: { "content-type": "text/html; charset=utf-8" },
      });
    }
    if (!info.isFile) return text(403, "403 Forbidden: not a regular file\n");
    return await fileResponse(real, info.size, info.mtime);
  };
}
