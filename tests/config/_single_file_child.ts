/**
 * Child process for the single-file `--pod-manifest-path` test: runs a FileSource
 * on the file given as the first argument, with a fake clock (so only watch events
 * bring changes), and prints one JSON line per sent pod set and per log line. The
 * test runs it with read access to that one file only, as the agent is granted.
 */

import { FileSource } from "../../src/config/file.ts";
import { FakeClock } from "../../src/util/clock.ts";
import { createLogger } from "../../src/util/logger.ts";

const path = Deno.args[0];
const logger = createLogger({
  verbosity: 10,
  sink: (line) => console.log(JSON.stringify({ log: line })),
});
const source = new FileSource(path, {
  nodeName: "node-1",
  clock: new FakeClock(1_700_000_000_000),
  logger,
  checkFrequencyMs: 3_600_000,
});
const ac = new AbortController();
Deno.addSignalListener("SIGTERM", () => ac.abort());
await source.run((pods) => {
  console.log(JSON.stringify({ images: pods.map((p) => p.spec?.containers[0].image) }));
}, ac.signal);
