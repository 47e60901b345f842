/**
 * Reading the manifest URL's response body for {@linkcode HttpSource}: a size cap
 * checked against the declared length and while streaming, and the byte
 * comparison that lets an unchanged body be skipped.
 *
 * @module
 */

/** Whether `a` holds the same bytes as `b`. */
export function sameBytes(a: Uint8Array | undefined, b: Uint8Array): boolean {
  if (a === undefined || a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * Reads a response body of at most `max` bytes.
 *
 * @throws {RangeError} if the body is larger.
 */
export async function readBody(res: Response, max: number): Promise<Uint8Array> {
  const tooLarge = () => new RangeError(`the body is larger than ${max} bytes`);
  const declared = Number(res.headers.get("content-length") ?? NaN);
  if (declared > max) {
    await res.body?.cancel().catch(() => {});
    throw tooLarge();
  }
  if (!res.body) return new Uint8Array();
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  while (true) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.length;
    if (total > max) {
      await reader.cancel().catch(() => {});
      throw tooLarge();
    }
    chunks.push(value);
  }
  const out = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.length;
  }
  return out;
}
