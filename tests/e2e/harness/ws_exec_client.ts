/**
 * A minimal WebSocket client of the Kubernetes exec protocol
 * (`v4.channel.k8s.io`, as containerd's streaming server and the kubelet
 * API speak it): one `GET` upgrade on an open connection, then the
 * server's frames until it closes: every binary frame's first byte is the
 * channel (1 stdout, 2 stderr, 3 the final status). Only what a short
 * exec needs (tests/e2e/kubelet_api_e2e_test.ts, bench/exec_bench.ts): no
 * stdin, no ping answers, no fragmentation.
 *
 * @module
 */

/** What one exec session gave back. */
export interface WsExecResult {
  /** The HTTP status of the upgrade answer (101 when the session ran). */
  status: number;
  stdout: string;
  /** Channel 3: the v4 status JSON (`{"status":"Success"}` on exit 0). */
  exitStatus: string;
  /** ms from the start to the upgrade answer, and to the close frame (or the end). */
  answerMs: number;
  doneMs: number;
}

/**
 * A TCP connection with Nagle off (as Go's clients: the kube-apiserver,
 * kubectl), TLS on top when `tls` is given. With Nagle on, the request
 * written right after the TLS handshake waits for the server's delayed ACK
 * (≈ 40 ms on Linux), which a benchmark would count as the server's.
 */
export async function wsConnect(
  hostname: string,
  port: number,
  tls?: { caCerts: string[] },
): Promise<Deno.Conn> {
  const tcp = await Deno.connect({ hostname, port });
  tcp.setNoDelay(true);
  return tls ? await Deno.startTls(tcp, { hostname, caCerts: tls.caCerts }) : tcp;
}

const enc = new TextEncoder();
const dec = new TextDecoder();

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

/**
 * Runs the session on `conn` (plain TCP to a runtime's stream URL, or TLS to
 * the agent): `path` with its query, `host` for the Host header, `headers`
 * added (e.g. Authorization). Closes `conn`.
 */
export async function wsExec(
  conn: Deno.Conn,
  host: string,
  path: string,
  headers: Record<string, string> = {},
): Promise<WsExecResult> {
  const key = btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(16))));
  let head = `GET ${path} HTTP/1.1\r\nHost: ${host}\r\nConnection: Upgrade\r\n` +
    `Upgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: ${key}\r\n` +
    `Sec-WebSocket-Protocol: v4.channel.k8s.io\r\n`;
  for (const [k, v] of Object.entries(headers)) head += `${k}: ${v}\r\n`;
  const t0 = performance.now();
  const result: WsExecResult = { status: 0, stdout: "", exitStatus: "", answerMs: 0, doneMs: 0 };
  try {
    await conn.write(enc.encode(`${head}\r\n`));
    const buf = new Uint8Array(65536);
    let data: Uint8Array = new Uint8Array(0);
    const more = async (): Promise<boolean> => {
      const n = await conn.read(buf);
      if (n === null) return false;
      data = concat(data, buf.subarray(0, n));
      return true;
    };
    let end = -1;
    while ((end = dec.decode(data).indexOf("\r\n\r\n")) < 0) {
      if (!await more()) return result;
    }
    result.status = Number(/^HTTP\/1\.1 (\d{3})/.exec(dec.decode(data))?.[1] ?? 0);
    result.answerMs = performance.now() - t0;
    if (result.status !== 101) return result;
    data = data.subarray(end + 4);
    for (;;) {
      // One frame: opcode, length (7 bits, or 16/64 bits), unmasked payload.
      while (data.length < 2) if (!await more()) return result;
      const opcode = data[0] & 0x0f;
      let len = data[1] & 0x7f;
      let offset = 2;
      if (len === 126) {
        while (data.length < 4) if (!await more()) return result;
        len = (data[2] << 8) | data[3];
        offset = 4;
      } else if (len === 127) {
        while (data.length < 10) if (!await more()) return result;
        len = Number(new DataView(data.buffer, data.byteOffset + 2, 8).getBigUint64(0));
        offset = 10;
      }
      while (data.length < offset + len) if (!await more()) return result;
      const payload = data.subarray(offset, offset + len);
      data = data.subarray(offset + len);
      if (opcode === 8) return result;
      if (opcode === 2 && payload.length > 0) {
        const text = dec.decode(payload.subarray(1));
        if (payload[0] === 1) result.stdout += text;
        if (payload[0] === 3) result.exitStatus += text;
      }
    }
  } finally {
    result.doneMs = performance.now() - t0;
    try {
      conn.close();
    } catch {
      // already closed
    }
  }
}
