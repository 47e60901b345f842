/**
 * Runs the fake CRI runtime standalone, for trying the agent without a real
 * container runtime:
 *
 * ```sh
 * deno run --allow-read=/tmp/fake.sock --allow-write=/tmp/fake.sock --allow-env \
 *   scripts/fake_runtime.ts --listen unix:///tmp/fake.sock --image busybox
 * ```
 *
 * Prints the endpoint once it is listening and stops on SIGINT or SIGTERM.
 * Like a real runtime it writes each container's log file under the pod log
 * directory the agent names (its `podLogsDir`): grant that directory with
 * `--allow-read` and `--allow-write` too, or each container's start fails
 * with the permission error (bench/_pod_bench_kit.ts `startStandaloneFake`
 * does). It keeps no call log (nothing outside the process could read it).
 *
 * Flags:
 * - `--listen unix:///path.sock` (required): where to listen.
 * - `--image NAME` (repeatable): images present from the start.
 * - `--runtime-handler NAME` (repeatable): extra runtime handlers.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { startFakeRuntime } from "../src/cri/fake/mod.ts";
import { parseEndpoint } from "../src/cri/endpoint.ts";
import { RealClock } from "../src/util/clock.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    listen: { type: "string" },
    image: { type: "string", multiple: true, default: [] },
    "runtime-handler": { type: "string", multiple: true, default: [] },
    help: { type: "boolean", short: "h" },
  },
  strict: true,
});

if (values.help || !values.listen) {
  console.error(
    "usage: fake_runtime.ts --listen unix:///path/to.sock [--image NAME]... [--runtime-handler NAME]...",
  );
  Deno.exit(values.help ? 0 : 2);
}

const { path } = parseEndpoint(values.listen);
const fake = await startFakeRuntime({
  socketPath: path,
  clock: new RealClock(),
  images: values.image,
  runtimeHandlers: values["runtime-handler"],
  // Nothing outside this process can read the call log, and a runtime that
  // serves an agent for hours must not keep every request it got.
  recordCalls: false,
});
console.log(`fake-runtime listening on ${fake.endpoint}`);

const stop = async (signal: string) => {
  console.log(`fake-runtime: ${signal}, stopping`);
  await fake.stop();
  Deno.exit(0);
};
Deno.addSignalListener("SIGINT", () => void stop("SIGINT"));
Deno.addSignalListener("SIGTERM", () => void stop("SIGTERM"));
