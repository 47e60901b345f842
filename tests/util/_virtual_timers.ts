/**
 * `setTimeout` / `clearTimeout` on a virtual time line, with the overflow of
 * Deno's (and Node's) timers: a delay above 2^31-1 ms, or below 1, is set to
 * 1 ms. Handed to `new RealClock({ setTimeout, clearTimeout })`, it shows
 * what the real clock asks of the runtime without waiting for real time.
 */

import { flush } from "../../src/util/clock.ts";

interface VirtualTimer {
  id: number;
  at: number;
  fn: () => void;
}

export class VirtualTimers {
  /** Virtual time in ms. */
  now = 0;
  /** Every delay passed to setTimeout, as given. */
  readonly requested: number[] = [];
  /** How many timers fired. */
  fired = 0;
  #timers: VirtualTimer[] = [];
  #nextId = 1;

  readonly setTimeout = (fn: () => void, ms: number): number => {
    this.requested.push(ms);
    const delay = ms > 2 ** 31 - 1 || !(ms >= 1) ? 1 : Math.trunc(ms);
    const id = this.#nextId++;
    this.#timers.push({ id, at: this.now + delay, fn });
    return id;
  };

  readonly clearTimeout = (id: number): void => {
    this.#timers = this.#timers.filter((t) => t.id !== id);
  };

  /** Timers armed and not yet fired or cleared. */
  get pending(): number {
    return this.#timers.length;
  }

  /**
   * Moves virtual time forward by `ms`, firing due timers in order and letting
   * the promise chains they start settle after each; stops after `maxFires`
   * timers (a busy loop would otherwise never end).
   */
  async advance(ms: number, maxFires = 10_000): Promise<void> {
    const target = this.now + ms;
    for (let n = 0; n < maxFires; n++) {
      await flush();
      const next = this.#timers.reduce<VirtualTimer | undefined>(
        (best, t) => (!best || t.at < best.at ? t : best),
        undefined,
      );
      if (!next || next.at > target) break;
      this.#timers.splice(this.#timers.indexOf(next), 1);
      this.now = next.at;
      this.fired++;
      next.fn();
    }
    await flush();
    if (this.now < target) this.now = target;
  }
}
