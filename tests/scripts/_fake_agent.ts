/**
 * Test fixture standing in for the agent under scripts/run.ts: prints
 * `ready <pid>` once its signal handlers are in place, then on SIGINT, SIGTERM or
 * SIGHUP prints `agent got <signal>` and exits with 40 + the signal number.
 *
 * @module
 */

const CODES: Record<string, number> = { SIGHUP: 41, SIGINT: 42, SIGTERM: 55 };
for (const sig of ["SIGHUP", "SIGINT", "SIGTERM"] as const) {
  Deno.addSignalListener(sig, () => {
    console.log(`agent got ${sig}`);
    Deno.exit(CODES[sig]);
  });
}
console.log(`ready ${Deno.pid}`);
// Runs until a signal ends it.
setInterval(() => {}, 1 << 30);
