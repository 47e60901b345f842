import assert from "node:assert/strict";
import { errText } from "../../src/util/err_text.ts";

Deno.test("errText() is an Error's message and any other thrown value as a string", async (t) => {
  for (
    const [name, thrown, want] of [
      ["Error", new Error("boom"), "boom"],
      ["TypeError", new TypeError("bad type"), "bad type"],
      ["string", "plain", "plain"],
      ["number", 42, "42"],
      ["undefined", undefined, "undefined"],
      ["object", { code: 5 }, "[object Object]"],
    ] as const
  ) {
    await t.step(name, () => assert.equal(errText(thrown), want));
  }
});
