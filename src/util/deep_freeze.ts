/**
 * One deep freeze for every object the agent shares between readers (the
 * object store's ConfigMaps and Secrets, local objects, the status
 * manager's pod views, the CRI client's reused listing items).
 *
 * @module
 */

/**
 * Freezes `value` and everything it holds, and returns it. An object already
 * frozen is taken as frozen all the way down (what this function leaves);
 * typed arrays are left as they are (V8 refuses to freeze one with elements).
 */
export function deepFreeze<T>(value: T): T {
  if (value === null || typeof value !== "object" || ArrayBuffer.isView(value)) return value;
  if (Object.isFrozen(value)) return value;
  Object.freeze(value);
  for (const v of Object.values(value as Record<string, unknown>)) deepFreeze(v);
  return value;
}
