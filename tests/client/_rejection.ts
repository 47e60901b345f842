/**
 * The error a promise rejects with, for tests that check messages.
 *
 * @module
 */

import assert from "node:assert/strict";

/** The error `promise` rejects with; fails when it resolves or rejects with a non-Error. */
export async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (e) {
    assert.ok(e instanceof Error, `rejected with a non-Error: ${e}`);
    return e;
  }
  assert.fail("expected a rejection");
}
