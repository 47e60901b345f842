import assert from "node:assert/strict";
import { deepFreeze } from "../../src/util/deep_freeze.ts";

Deno.test("deepFreeze() freezes nested objects and arrays, leaves typed arrays alone, and returns its argument", () => {
  const bytes = new Uint8Array([1, 2]);
  const input = { a: { b: [1, { c: 2 }] }, bytes };
  const value = deepFreeze(input);
  assert.equal(value, input);
  assert.ok(Object.isFrozen(value) && Object.isFrozen(value.a) && Object.isFrozen(value.a.b));
  assert.ok(Object.isFrozen(value.a.b[1]));
  assert.ok(!Object.isFrozen(bytes));
  assert.throws(() => {
    (value.a.b[1] as { c: number }).c = 3;
  }, TypeError);
  assert.equal(deepFreeze(null), null);
  assert.equal(deepFreeze("s"), "s");
});
