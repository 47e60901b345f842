/**
 * Run by guard_http2_session_destroy_test.ts in a child process (under
 * `MALLOC_PERTURB_`, which makes Deno's use-after-free crash every time):
 * both ways a GOAWAY reaches an idle `node:http2` session, in one process.
 *
 * - client side: the runtime stops (GOAWAY from grpc-js `forceShutdown`)
 *   while the CRI client's channel is idle;
 * - server side: a CRI client closes its idle channel (GOAWAY to the
 *   in-process fake runtime).
 *
 * Prints `survived` and exits 0, or dies with SIGSEGV/SIGABRT.
 *
 * @module
 */

import { startFakeRuntime } from "../../src/cri/fake/mod.ts";
import { RemoteRuntimeService } from "../../src/cri/remote_runtime_service.ts";
import { RealClock } from "../../src/util/clock.ts";

const socketPath = `${Deno.args[0]}/cri.sock`;
const rounds = 3;
const settle = () => new Promise((r) => setTimeout(r, 50));

for (let i = 0; i < rounds; i++) {
  const fake = await startFakeRuntime({ clock: new RealClock(), socketPath });
  const runtime = new RemoteRuntimeService(fake.endpoint, { clock: new RealClock() });
  await runtime.version();
  await fake.stop(); // GOAWAY to the idle client
  await settle();
  runtime.close();
}

const fake = await startFakeRuntime({ clock: new RealClock(), socketPath });
for (let i = 0; i < rounds; i++) {
  const runtime = new RemoteRuntimeService(fake.endpoint, { clock: new RealClock() });
  await runtime.version();
  runtime.close(); // GOAWAY to the server
  await settle();
}
await fake.stop();
console.log("survived");
