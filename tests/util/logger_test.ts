import assert from "node:assert/strict";
import { createLogger } from "../../src/util/logger.ts";

Deno.test("createLogger() writes klog-style text lines and honours --v", () => {
  const lines: string[] = [];
  const log = createLogger({
    verbosity: 2,
    now: () => Date.UTC(2026, 10, 23, 17, 40, 58, 123),
    sink: (l) => lines.push(l),
  });
  log.info("Pod added", { pod: "default/web", containers: 2 });
  log.debug(2, "shown");
  log.debug(3, "hidden");
  log.warn("Bad file", { path: "/etc/k 8s/a.yaml" });
  assert.deepEqual(lines, [
    "I1123 17:40:58.123 Pod added pod=default/web containers=2",
    "I1123 17:40:58.123 shown",
    'W1123 17:40:58.123 Bad file path="/etc/k 8s/a.yaml"',
  ]);
});

Deno.test("createLogger() writes one JSON object per line in json format", () => {
  const lines: string[] = [];
  const log = createLogger({ format: "json", now: () => 1_000, sink: (l) => lines.push(l) });
  log.error("Sync failed", { err: new Error("boom") });
  assert.deepEqual(JSON.parse(lines[0]), {
    ts: 1,
    level: "error",
    v: 0,
    msg: "Sync failed",
    err: "boom",
  });
});
