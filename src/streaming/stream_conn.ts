/**
 * The shapes an upgraded connection is handled in: the client's side as a
 * pair of web streams ({@linkcode StreamConn}), the request that asked for
 * the upgrade ({@linkcode UpgradeRequest}), and plain HTTP/1.1 answers
 * written on such a connection before (or instead of) any upgrade, for
 * refusals (401, 403, 404, 500) and for ordinary handlers reached with
 * upgrade headers. The server's edge (secure_server.ts) makes these out of
 * its sockets; everything else stays runtime-neutral.
 *
 * @module
 */

import { STATUS_CODES } from "node:http";

/** One side of a byte connection. */
export interface StreamConn {
  readable: ReadableStream<Uint8Array>;
  writable: WritableStream<Uint8Array>;
  /** Ends both directions at once (the socket is destroyed); idempotent. */
  close(): void;
}

/** A request with `Connection: Upgrade`, as received. */
export interface UpgradeRequest {
  method: string;
  /** Path and query as the client sent them. */
  url: string;
  /** Header pairs in the client's order and spelling (no `Authorization`). */
  headers: [string, string][];
  /** Bytes the client sent after its headers. */
  head: Uint8Array;
  /** The client's address, for `X-Forwarded-For`. */
  remoteAddress?: string;
}

/** What an upgrade handler reports once the answer's status is known. */
export interface UpgradeOutcome {
  /** The status answered (101 once a stream is open). */
  status: number;
  /** Settles when the connection is done with (never rejects). */
  finished: Promise<void>;
}

const encoder = new TextEncoder();

function statusLine(status: number): string {
  return `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? "Unknown"}\r\n`;
}

/**
 * A complete `text/plain` answer as Go's http.Error writes it (the text plus
 * a newline), closing the connection.
 */
export function rawTextAnswer(status: number, text: string): Uint8Array {
  const body = encoder.encode(text.endsWith("\n") ? text : `${text}\n`);
  const head = statusLine(status) +
    "Content-Type: text/plain; charset=utf-8\r\n" +
    "X-Content-Type-Options: nosniff\r\n" +
    `Content-Length: ${body.length}\r\n` +
    "Connection: close\r\n\r\n";
  const out = new Uint8Array(head.length + body.length);
  out.set(encoder.encode(head));
  out.set(body, head.length);
  return out;
}

/** Writes `bytes` and closes `conn`; never rejects (a client gone is no error). */
export async function answerAndClose(conn: StreamConn, bytes: Uint8Array): Promise<void> {
  const writer = conn.writable.getWriter();
  try {
    await writer.write(bytes);
    await writer.close();
  } catch {
    // the client went away first
  } finally {
    conn.close();
  }
}

/**
 * Writes a fetch `Response` on `conn` as HTTP/1.1, its body delimited by
 * the connection's close, then closes it (for ordinary handlers reached by
 * a request with upgrade headers). Never rejects.
 */
export async function writeResponse(conn: StreamConn, response: Response): Promise<void> {
  let head = statusLine(response.status);
  for (const [name, value] of response.headers) {
    if (name === "content-length" || name === "connection" || name === "transfer-encoding") {
      continue;
    }
    head += `${name}: ${value}\r\n`;
  }
  head += "Connection: close\r\n\r\n";
  const writer = conn.writable.getWriter();
  try {
    await writer.write(encoder.encode(head));
    if (response.body) {
      for await (const chunk of response.body) await writer.write(chunk);
    }
    await writer.close();
  } catch {
    await response.body?.cancel().catch(() => {});
  } finally {
    conn.close();
  }
}
