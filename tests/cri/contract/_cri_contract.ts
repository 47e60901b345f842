/**
 * One contract of CRI behaviour, run against every runtime denolet talks to:
 * the fake runtime (tests/cri/contract_fake_test.ts) and containerd
 * (tests/e2e/cri_contract_e2e_test.ts), with the same assertions, so the fake
 * cannot drift from the real thing (hono's `runTest({ newRouter })` pattern).
 *
 * A target is made by a factory per case; each case cleans up after itself
 * through `cleanup()`. Where the two legitimately differ in timing (a process
 * takes a moment to exit on containerd; the fake decides at once), cases wait
 * for a state with `waitFor` (./_target.ts), which lets target time pass between
 * checks: the fake steps its injected clock, containerd sleeps a little.
 *
 * @module
 */

import type { CriContractCase, CriContractFactory } from "./_target.ts";
import { IMAGE_CASES } from "./_image_cases.ts";
import { POD_CASES } from "./_pod_cases.ts";
import { PROCESS_CASES } from "./_process_cases.ts";

export type * from "./_target.ts";

/** Every case, in the order they run. */
export function criContractCases(): CriContractCase[] {
  return [...IMAGE_CASES, ...POD_CASES, ...PROCESS_CASES];
}

/** Runs every case as a step of `t`, each on a fresh target from `factory`. */
export async function runCriContract(
  t: Deno.TestContext,
  factory: CriContractFactory,
): Promise<void> {
  for (const c of criContractCases()) {
    await t.step(c.name, async () => {
      const target = await factory();
      try {
        await c.fn(target);
      } finally {
        await target.cleanup();
      }
    });
  }
}
