/**
 * JSON merge-patch (RFC 7386), the way the kubelet applies `--config-dir` drop-ins.
 *
 * @module
 */

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/**
 * Applies `patch` to `target` and returns the result; neither input is modified.
 * Objects merge key by key, a `null` value deletes the key, anything else
 * (scalars, arrays) replaces the target value whole. A non-object patch replaces
 * the target.
 *
 * @example mergePatch({ a: 1, b: { c: 2 } }, { b: { c: null, d: 3 } }) // { a: 1, b: { d: 3 } }
 */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isObject(patch)) return structuredClone(patch);
  const out: Record<string, unknown> = isObject(target) ? structuredClone(target) : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete out[key];
    else out[key] = mergePatch(out[key], value);
  }
  return out;
}
