/**
 * The fake runtime's encoding of its list replies (ListContainers,
 * ListPodSandbox): each listed item is encoded once per view and the reply is
 * those bytes joined, as protobuf encodes a repeated message field (tag,
 * length, item, for each item). The stores hand out one view object per
 * record and state ({@linkcode listView}), so an unchanged container costs no
 * conversion at all on the next list: at 1,000 pods × 3 containers the fake's
 * `fromObject` + `encode` of every item on every list was most of a relist.
 * Private to src/cri/fake/.
 *
 * @module
 */

import { Buffer } from "node:buffer";
import type { MethodDefinition, ServiceDefinition } from "@grpc/grpc-js";
import { criMessageDefinition } from "../package_definition.ts";

/** A list reply: one repeated message field (field number 1) and nothing else. */
interface ListReply {
  /** The reply's method, its repeated field and the item's message name. */
  method: string;
  field: string;
  item: string;
}

const LIST_REPLIES: readonly ListReply[] = [
  { method: "ListContainers", field: "containers", item: "Container" },
  { method: "ListPodSandbox", field: "items", item: "PodSandbox" },
];

/** The tag of field 1 with wire type 2 (length-delimited). */
const FIELD_1_TAG = 0x0a;

/**
 * The view of `record` while `key` (its mutable part, e.g. its state) stays
 * the same: the same object each time, so its encoding is cached. `make`
 * builds a new one when `key` changed.
 */
export function listView<R extends object, V extends object>(
  cache: WeakMap<R, { key: unknown; view: V }>,
  record: R,
  key: unknown,
  make: (record: R) => V,
): V {
  const hit = cache.get(record);
  if (hit && hit.key === key) return hit.view;
  const view = Object.freeze(make(record));
  cache.set(record, { key, view });
  return view;
}

/** The bytes of one repeated item: tag, varint length, item. */
function framed(bytes: Uint8Array): Uint8Array {
  const head: number[] = [FIELD_1_TAG];
  let n = bytes.length;
  while (n > 0x7f) {
    head.push((n & 0x7f) | 0x80);
    n >>>= 7;
  }
  head.push(n);
  const out = new Uint8Array(head.length + bytes.length);
  out.set(head);
  out.set(bytes, head.length);
  return out;
}

/** Encodes a list reply from its items' cached frames. */
function listSerializer(reply: ListReply): (value: unknown) => Buffer {
  const item = criMessageDefinition(reply.item);
  const frames = new WeakMap<object, Uint8Array>();
  return (value) => {
    const items = (value as Record<string, unknown>)?.[reply.field];
    if (!Array.isArray(items)) return Buffer.alloc(0);
    const parts: Uint8Array[] = [];
    let size = 0;
    for (const it of items as object[]) {
      let frame = frames.get(it);
      if (!frame) {
        frame = framed(item.serialize(it));
        // Only frozen views stay the same; a plain object could change after.
        if (Object.isFrozen(it)) frames.set(it, frame);
      }
      parts.push(frame);
      size += frame.length;
    }
    const out = Buffer.allocUnsafe(size);
    let at = 0;
    for (const p of parts) {
      out.set(p, at);
      at += p.length;
    }
    return out;
  };
}

/** `definition` with the list replies encoded from cached item frames. */
export function withCachedListEncoding<D extends ServiceDefinition>(definition: D): D {
  const out: Record<string, MethodDefinition<unknown, unknown>> = { ...definition };
  for (const reply of LIST_REPLIES) {
    const method = out[reply.method];
    if (method) out[reply.method] = { ...method, responseSerialize: listSerializer(reply) };
  }
  return out as unknown as D;
}
