import assert from "node:assert/strict";
import { ApiStatusError } from "../../src/client/api_error.ts";
import { FakeClock } from "../../src/util/clock.ts";
import { createMemoryLogger } from "../../src/util/logger.ts";
import {
  apiFailureKind,
  HELD_BACK_VERBOSITY,
  isRefusal,
  THROTTLED_LOG_WINDOW_MS,
  ThrottledLog,
} from "../../src/client/throttled_log.ts";

function apiError(code: number, reason: string): ApiStatusError {
  return new ApiStatusError("GET /api/v1/nodes/n1", { code, reason, message: "no" });
}

function setup() {
  const clock = new FakeClock();
  const logger = createMemoryLogger();
  const log = new ThrottledLog(logger);
  const shown = () => logger.records.filter((r) => r.severity === "warn" || r.severity === "error");
  const heldBack = () => logger.records.filter((r) => r.severity === "debug");
  return { clock, logger, log, shown, heldBack };
}

Deno.test("ThrottledLog.warn() shows one line per kind a minute; the next carries heldBack", () => {
  const { clock, log, shown, heldBack } = setup();
  for (let i = 0; i < 4; i++) {
    log.warn("down", clock.now(), "The API server is down", { try: i });
    clock.step(10_000);
  }
  assert.deepEqual(shown().map((r) => r.fields), [{ try: 0 }]);
  assert.equal(heldBack().length, 3);
  assert.ok(heldBack().every((r) => r.verbosity === HELD_BACK_VERBOSITY));
  assert.deepEqual(heldBack()[0].fields, { try: 1 }, "a held-back line keeps its fields");
  clock.step(THROTTLED_LOG_WINDOW_MS);
  log.warn("down", clock.now(), "The API server is down", { try: 4 });
  assert.equal(shown().length, 2);
  assert.deepEqual(shown()[1].fields, { try: 4, heldBack: 3 });
  clock.step(THROTTLED_LOG_WINDOW_MS);
  log.warn("down", clock.now(), "The API server is down");
  assert.deepEqual(shown()[2].fields, {}, "no heldBack when none was held back");
});

Deno.test("ThrottledLog: each kind has its own window, at its own level", () => {
  const { clock, log, shown } = setup();
  log.warn("a", clock.now(), "A");
  log.error("b", clock.now(), "B");
  log.warn("a", clock.now(), "A again");
  assert.deepEqual(shown().map((r) => [r.severity, r.message]), [["warn", "A"], ["error", "B"]]);
});

Deno.test("ThrottledLog.apiWarn() takes the kind from the error: code and reason, or unreachable", () => {
  const { clock, log, shown } = setup();
  const down = new Error("GET /api/v1/nodes/n1: connection refused");
  log.apiWarn("get", clock.now(), "Failed", apiError(500, "InternalError"));
  log.apiWarn("get", clock.now(), "Failed", apiError(500, "InternalError"));
  log.apiWarn("get", clock.now(), "Failed", apiError(429, "TooManyRequests"));
  log.apiWarn("get", clock.now(), "Failed", down);
  log.apiWarn("get", clock.now(), "Failed", new Error("timed out"));
  log.apiWarn("put", clock.now(), "Failed", down);
  assert.equal(shown().length, 4, "500, 429, unreachable for get; unreachable for put");
  assert.equal(apiFailureKind(apiError(503, "ServiceUnavailable")), "503 ServiceUnavailable");
  assert.equal(apiFailureKind(down), "unreachable");
});

Deno.test("ThrottledLog.apiWarn()/apiError() log a 401 or 403 at --v=4 only (the client's RefusalLog logged it)", () => {
  const { clock, log, shown, heldBack } = setup();
  log.apiError("patch", clock.now(), "Error updating node status", apiError(403, "Forbidden"));
  log.apiWarn("patch", clock.now(), "Failed", apiError(401, "Unauthorized"));
  assert.deepEqual(shown(), []);
  assert.equal(heldBack().length, 2);
  assert.equal(heldBack()[0].message, "Error updating node status");
  // A refusal takes no slot: the next other failure of that kind is shown.
  log.apiError("patch", clock.now(), "Error updating node status", apiError(500, "InternalError"));
  assert.equal(shown().length, 1);
  assert.deepEqual(shown()[0].fields, {});
  assert.ok(isRefusal(apiError(403, "Forbidden")) && isRefusal(apiError(401, "Unauthorized")));
  assert.ok(!isRefusal(apiError(404, "NotFound")) && !isRefusal(new Error("403")));
});

Deno.test("new ThrottledLog() rejects a window that is not positive", () => {
  assert.throws(() => new ThrottledLog(createMemoryLogger(), { windowMs: 0 }), RangeError);
});
