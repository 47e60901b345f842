/**
 * The kubelet API's streaming requests, parsed as the kubelet reads them:
 *
 * - `/exec/{namespace}/{pod}[/{uid}]/{container}?command=..&command=..`
 *   with `stdin`, `stdout`, `stderr`, `tty` = `1` (remotecommand
 *   NewOptions: tty with stderr drops stderr; none of stdin, stdout,
 *   stderr is a 400 "you must specify at least 1 of stdin, stdout, stderr");
 * - `/attach/...` the same without a command;
 * - `/portForward/{namespace}/{pod}[/{uid}]`: SPDY names the ports per
 *   stream, a WebSocket request needs `?port=80,8080` (portforward
 *   NewV4Options and its 400 messages).
 *
 * Pure: no I/O. Anything else under those prefixes is the server's plain
 * 404.
 *
 * @module
 */

import type { StreamOptions } from "../container/runtime.ts";

/** The three streaming endpoints (the kubelet's path names). */
export type StreamKind = "exec" | "attach" | "portForward";

/** Which pod (and container) a streaming request names. */
export interface StreamTarget {
  namespace: string;
  podName: string;
  /** The pod UID when the path names one ("" when not). */
  podUid: string;
}

/** `/exec/...` parsed. */
export interface ExecStreamRequest extends StreamTarget {
  kind: "exec";
  container: string;
  command: string[];
  streams: StreamOptions;
}

/** `/attach/...` parsed. */
export interface AttachStreamRequest extends StreamTarget {
  kind: "attach";
  container: string;
  streams: StreamOptions;
}

/** `/portForward/...` parsed; `ports` only for WebSocket requests. */
export interface PortForwardStreamRequest extends StreamTarget {
  kind: "portForward";
  ports: number[];
}

/** Any parsed streaming request. */
export type StreamRequest = ExecStreamRequest | AttachStreamRequest | PortForwardStreamRequest;

/** A request refused before any runtime call: the status and one-line text to answer. */
export interface StreamRefusal {
  status: number;
  message: string;
}

/** The result of {@linkcode parseStreamRequest}. */
export type StreamParse =
  | { ok: true; request: StreamRequest }
  | { ok: false; refusal: StreamRefusal };

const PREFIXES: Record<string, StreamKind> = {
  exec: "exec",
  attach: "attach",
  portForward: "portForward",
};

/** True for paths under `/exec/`, `/attach/` and `/portForward/` (the streaming handler's). */
export function isStreamingPath(path: string): boolean {
  return /^\/(exec|attach|portForward)(\/|$)/.test(path);
}

/**
 * True when the headers ask for a WebSocket (`Connection: Upgrade` and
 * `Upgrade: websocket`, as wsstream.IsWebSocketRequest).
 */
export function isWebSocketRequest(headers: Headers): boolean {
  return isUpgradeRequest(headers) &&
    (headers.get("upgrade") ?? "").toLowerCase().split(",").some((v) => v.trim() === "websocket");
}

/** True when `Connection` names `upgrade` (httpstream.IsUpgradeRequest). */
export function isUpgradeRequest(headers: Headers): boolean {
  return (headers.get("connection") ?? "").toLowerCase().split(",").some((v) =>
    v.trim() === "upgrade"
  );
}

const NOT_FOUND: StreamParse = {
  ok: false,
  refusal: { status: 404, message: "404 page not found" },
};

function segments(path: string): string[] | undefined {
  try {
    return path.split("/").slice(1).map((s) => decodeURIComponent(s));
  } catch {
    return undefined;
  }
}

function streamOptions(query: URLSearchParams): StreamOptions | StreamRefusal {
  const flag = (name: string) => query.get(name) === "1";
  const tty = flag("tty");
  const stdin = flag("input");
  const stdout = flag("output");
  // tty merges stderr into stdout: the kubelet drops stderr rather than refusing.
  const stderr = flag("error") && !tty;
  if (!stdin && !stdout && !stderr) {
    return { status: 400, message: "you must specify at least 1 of stdin, stdout, stderr" };
  }
  return { stdin, stdout, stderr, tty };
}

function forwardedPorts(query: URLSearchParams): number[] | StreamRefusal {
  const all = query.getAll("port");
  if (all.length === 0) return { status: 400, message: `query parameter "port" is required` };
  const ports: number[] = [];
  for (const value of all) {
    if (value === "") return { status: 400, message: `query parameter "port" cannot be empty` };
    for (const p of value.split(",")) {
      const port = /^\d{1,5}$/.test(p) ? Number(p) : NaN;
      if (!(port <= 65535)) {
        return { status: 400, message: `unable to parse "${value}" as a port` };
      }
      if (port < 1) return { status: 400, message: `port "${value}" must be > 0` };
      ports.push(port);
    }
  }
  return ports;
}

/**
 * Parses a streaming request's path and query. `webSocket` says whether the
 * request is a WebSocket upgrade (port-forward then needs `?port=`).
 */
export function parseStreamRequest(
  path: string,
  query: URLSearchParams,
  webSocket: boolean,
): StreamParse {
  const parts = segments(path);
  if (!parts || parts.some((p) => p === "")) return NOT_FOUND;
  const kind = PREFIXES[parts[0]];
  if (!kind) return NOT_FOUND;
  const rest = parts.slice(1);
  if (kind === "portForward") {
    if (rest.length !== 2 && rest.length !== 3) return NOT_FOUND;
    const ports = webSocket ? forwardedPorts(query) : [];
    if (!Array.isArray(ports)) return { ok: false, refusal: ports };
    const [namespace, podName, podUid = ""] = rest;
    return { ok: true, request: { kind, namespace, podName, podUid, ports } };
  }
  if (rest.length !== 3 && rest.length !== 4) return NOT_FOUND;
  const streams = streamOptions(query);
  if (!("tty" in streams)) return { ok: false, refusal: streams };
  const [namespace, podName] = rest;
  const podUid = rest.length === 4 ? rest[2] : "";
  const container = rest[rest.length - 1];
  const target = { namespace, podName, podUid, container, streams };
  return kind === "exec"
    ? { ok: true, request: { kind, ...target, command: query.getAll("command") } }
    : { ok: true, request: { kind, ...target } };
}
