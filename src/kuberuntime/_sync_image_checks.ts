/**
 * The image checks of one pod sync (EnsureImageExists: ImageStatus, and a
 * pull where the policy wants one), one per container, each made at most
 * once: a sync may start some of them early — while the runtime creates the
 * sandbox — and the container start then takes the check under way instead
 * of making its own. A container checks an image only after the sync's first
 * check of the same image has finished, so one pull serves every container
 * of that image, as one by one.
 *
 * @module
 */

import type { Container, Pod } from "kubernetes-types/core/v1.d.ts";
import type { PodSandboxConfig } from "../cri/types.ts";
import type { EnsureImageResult } from "../images/image_manager.ts";
import type { RuntimeContext } from "./_context.ts";

/** What every image check of one sync carries. */
export interface SyncImageCheckOptions {
  /** The pod's sandbox config, for pulls. */
  sandboxConfig: PodSandboxConfig;
  signal?: AbortSignal;
}

/** The image checks of one sync of `pod`, by container name. */
export class SyncImageChecks {
  #ctx: RuntimeContext;
  #pod: Pod;
  #options: SyncImageCheckOptions;
  #byContainer = new Map<string, Promise<EnsureImageResult>>();
  /** The first check of each image name, settled without rejecting. */
  #byImage = new Map<string, Promise<unknown>>();

  constructor(ctx: RuntimeContext, pod: Pod, options: SyncImageCheckOptions) {
    this.#ctx = ctx;
    this.#pod = pod;
    this.#options = options;
  }

  /** Starts `container`'s check now (if not started yet), never leaving a rejection unhandled. */
  prefetch(container: Container): void {
    this.check(container).catch(() => {});
  }

  /** `container`'s check: the one started for it already, or a new one. */
  check(container: Container): Promise<EnsureImageResult> {
    const started = this.#byContainer.get(container.name);
    if (started) return started;
    const name = container.image ?? "";
    const run = () =>
      this.#ctx.images.ensureImageExists(this.#pod, container, {
        pullContext: this.#options.sandboxConfig,
        signal: this.#options.signal,
      });
    const first = this.#byImage.get(name);
    const check = first ? first.then(run) : run();
    // Stored so it never rejects: a cancelled check fails its own container only.
    if (!first) this.#byImage.set(name, check.catch(() => {}));
    this.#byContainer.set(container.name, check);
    return check;
  }
}
