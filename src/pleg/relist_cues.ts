/**
 * Relist cues: a runtime's signal that something changed (containerd's task
 * exit events, src/cri/containerd_task_exits.ts), turned into "relist now"
 * on the generic PLEG. The relist stays the one source of pod state and keeps
 * its period; a cue only makes the next one come at once, so a killed
 * container is noticed within milliseconds instead of up to a relist period.
 * A cue may come before the runtime's CRI view has caught up (containerd's
 * CRI plugin handles the same exit event concurrently), so each cue also
 * asks for relists a little later (`followUpMs`, up to 2 s: under load
 * containerd took up to a second to report a killed container EXITED).
 * A stream that fails is followed again after `retryMs`, and a relist is
 * asked for as soon as it is followed again (an exit while it was down sent
 * no cue); one the runtime does not implement ends the loop.
 *
 * Health: a stream open for `settleMs` without failing is trusted
 * (`onStreamHealth(true)`: by then the runtime has surely registered the
 * subscription, and the follow-ups of a cue at its start are done); a stream
 * that fails or ends is not (`onStreamHealth(false)`). While it is trusted the
 * generic PLEG may relist less often (src/pleg/cued_relist_timing.ts).
 *
 * @module
 */

import type { Clock } from "../util/clock.ts";
import { type Logger, nullLogger } from "../util/logger.ts";

/** A stream of cues, each meaning "the runtime changed". */
export type RelistCueSource = (signal: AbortSignal) => AsyncIterable<unknown>;

/** The part of the GenericPLEG a cue drives. */
export interface CuedPleg {
  requestRelist(): void;
}

/** Options for {@linkcode followRelistCues}. */
export interface RelistCueOptions {
  clock: Clock;
  /** @default nullLogger */
  logger?: Logger;
  /** Wait before following a failed stream again, ms. @default 1000 */
  retryMs?: number;
  /** Relists asked for after each cue besides the one at once, ms after it. @default [10, 30, 60, 100, 150, 200, 300, 400, 500, 650, 800, 1000, 1250, 1500, 2000] */
  followUpMs?: readonly number[];
  /** Whether an error means the runtime has no such stream (the loop then ends). */
  isUnsupported?: (err: unknown) => boolean;
  /** How long a stream must stay open before it is trusted, ms. @default 2000 */
  settleMs?: number;
  /** Told when the stream becomes trusted (true) and when it stops being so (false). @default none */
  onStreamHealth?: (healthy: boolean) => void;
  /** Told about each cue. @default none */
  onCue?: () => void;
}

/**
 * Asks `pleg` to relist on every cue from `source` until `signal` aborts or
 * the source is unsupported. Resolves when it ends.
 */
export async function followRelistCues(
  source: RelistCueSource,
  pleg: CuedPleg,
  signal: AbortSignal,
  options: RelistCueOptions,
): Promise<void> {
  const logger = options.logger ?? nullLogger;
  const followUps = options.followUpMs ??
    [10, 30, 60, 100, 150, 200, 300, 400, 500, 650, 800, 1000, 1250, 1500, 2000];
  const cue = () => {
    options.onCue?.();
    pleg.requestRelist();
    for (const ms of followUps) {
      options.clock.sleep(ms, signal).then(() => pleg.requestRelist(), () => {});
    }
  };
  const settleMs = options.settleMs ?? 2000;
  let healthy = false;
  const setHealthy = (value: boolean) => {
    if (healthy === value) return;
    healthy = value;
    options.onStreamHealth?.(value);
  };
  for (let attempt = 0; !signal.aborted; attempt++) {
    // Followed again: what exited while the stream was down sent no cue.
    if (attempt > 0) pleg.requestRelist();
    const cancelSettle = options.clock.after(settleMs, () => setHealthy(true));
    try {
      for await (const _ of source(signal)) cue();
      if (signal.aborted) return;
      logger.debug(4, "Runtime event stream ended; following it again");
    } catch (err) {
      if (signal.aborted) return;
      if (options.isUnsupported?.(err)) {
        logger.info("The runtime has no task event stream: relisting on the period only", {
          err: err instanceof Error ? err.message : String(err),
        });
        return;
      }
      logger.debug(4, "Runtime event stream failed; following it again", { err });
    } finally {
      cancelSettle();
      setHealthy(false);
    }
    await options.clock.sleep(options.retryMs ?? 1000, signal).catch(() => {});
  }
}
