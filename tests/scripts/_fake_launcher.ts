/**
 * Test fixture: scripts/run.ts's own `launch()` (drop the start-up
 * permissions, then supervise the agent) with tests/scripts/_fake_agent.ts
 * as the agent. Prints the launcher's read permission state to stderr after
 * the agent exited, then exits with the agent's code as run.ts does.
 *
 * @module
 */

import { launch } from "../../scripts/run.ts";

const agent = new URL("./_fake_agent.ts", import.meta.url).pathname;
const code = await launch([Deno.execPath(), "run", "--no-prompt", agent]);
console.error(`launcher read permission: ${Deno.permissions.querySync({ name: "read" }).state}`);
Deno.exit(code);
