/**
 * Run as a subprocess by permissions_env_test.ts with only the scoped
 * permissions a CRI client needs: connects to the endpoint in `Deno.args[0]`,
 * lists containers and prints the result as JSON.
 *
 * @module
 */

import { connectRuntime } from "../../src/cri/connect_runtime.ts";
import { RealClock } from "../../src/util/clock.ts";

const connection = await connectRuntime(Deno.args[0], {
  clock: new RealClock(),
  runtimeRequestTimeoutMs: 5000,
});
try {
  const containers = await connection.runtime.listContainers();
  console.log(JSON.stringify({ runtimeName: connection.version.runtimeName, containers }));
} finally {
  connection.close();
}
