/**
 * A response decoder for the CRI list RPCs (ListContainers, ListPodSandbox)
 * that decodes only the items whose bytes changed since the previous reply.
 * At 1,000 pods a ListContainers reply holds 3,000 containers (≈2 MB) and is
 * listed every 2 s by housekeeping and at each relist; nearly all of them are
 * byte for byte what the last reply held, and decoding them again (protobufjs
 * `decode` + `toObject`, and the garbage it leaves) was most of an idle
 * agent's CPU.
 *
 * The reply's repeated field is split into its items on the wire; each item
 * is looked up by its id (field 1, a string in both messages) and reused when
 * its bytes equal the cached item's, else decoded. The cache then holds
 * exactly this reply's items, so it never outgrows one listing. Reused items
 * are shared between replies, so every item is deep-frozen: a caller that
 * tried to change one would get a TypeError instead of changing later
 * listings. A reply with anything but that one field decodes in full.
 * Private to src/cri/.
 *
 * @module
 */

import { Buffer } from "node:buffer";
import { criMessageDefinition } from "./package_definition.ts";
import { deepFreeze } from "../util/deep_freeze.ts";

interface CachedItem {
  bytes: Buffer;
  value: unknown;
}

/** Reads a varint at `pos`; returns [value, next position]. Throws past the end. */
function varint(bytes: Uint8Array, pos: number): [number, number] {
  let value = 0;
  let shift = 1;
  for (let i = 0; i < 10; i++) {
    if (pos >= bytes.length) throw new RangeError("truncated varint");
    const b = bytes[pos++];
    value += (b & 0x7f) * shift;
    if (b < 0x80) return [value, pos];
    shift *= 128;
  }
  throw new RangeError("varint too long");
}

/** The bytes of field 1 (wire type 2) of `item` as a latin1 key, or undefined. */
function idKey(item: Buffer): string | undefined {
  let pos = 0;
  while (pos < item.length) {
    const [tag, p] = varint(item, pos);
    pos = p;
    const wire = tag & 7;
    if (wire === 2) {
      const [len, start] = varint(item, pos);
      if (tag >>> 3 === 1) return item.toString("latin1", start, start + len);
      pos = start + len;
    } else if (wire === 0) {
      pos = varint(item, pos)[1];
    } else if (wire === 1) {
      pos += 8;
    } else if (wire === 5) {
      pos += 4;
    } else {
      return undefined;
    }
  }
  return undefined;
}

/**
 * A decoder of `responseName` (e.g. "ListContainersResponse") whose repeated
 * `field` (field number 1) of `itemName` messages reuses the items that are
 * unchanged since its previous reply. Each decoder has its own cache (one per
 * client channel and RPC).
 */
export function cachingListDeserializer(
  responseName: string,
  field: string,
  itemName: string,
): (bytes: Uint8Array) => unknown {
  const whole = criMessageDefinition(responseName);
  const item = criMessageDefinition(itemName);
  let cache = new Map<string, CachedItem>();
  const decodeItems = (reply: Uint8Array): unknown[] | undefined => {
    // A view (no copy), for the native compare and latin1 slices.
    const bytes = Buffer.from(reply.buffer, reply.byteOffset, reply.byteLength);
    const next = new Map<string, CachedItem>();
    const items: unknown[] = [];
    let pos = 0;
    while (pos < bytes.length) {
      const [tag, p] = varint(bytes, pos);
      if (tag !== ((1 << 3) | 2)) return undefined;
      const [len, start] = varint(bytes, p);
      const end = start + len;
      if (end > bytes.length) return undefined;
      const sub = bytes.subarray(start, end);
      pos = end;
      const key = idKey(sub);
      const cached = key === undefined ? undefined : (next.get(key) ?? cache.get(key));
      if (cached && cached.bytes.equals(sub)) {
        items.push(cached.value);
        if (key !== undefined) next.set(key, cached);
        continue;
      }
      const value = deepFreeze(item.deserialize(sub));
      items.push(value);
      // A copy: a view would keep the whole reply's buffer alive.
      if (key !== undefined) next.set(key, { bytes: Buffer.from(sub), value });
    }
    cache = next;
    return items;
  };
  return (bytes) => {
    let items: unknown[] | undefined;
    try {
      items = decodeItems(bytes);
    } catch {
      items = undefined;
    }
    // Anything unexpected on the wire: the full decoder says what is wrong.
    return items === undefined ? whole.deserialize(bytes) : { [field]: items };
  };
}
