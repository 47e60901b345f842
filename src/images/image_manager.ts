/**
 * Makes sure a container's image is on the node before it starts (kubelet's
 * EnsureImageExists): the pull policy (Always / IfNotPresent / Never), the
 * per-image pull back-off keyed `<podUID>_<image>` (10 s doubling to 300 s),
 * serialized or parallel pulls, a registry QPS limit, and the events
 * Pulling / Pulled / Failed / BackOff / ErrImageNeverPull with the kubelet's
 * wording.
 *
 * @module
 */

import type { Container, Pod } from "kubernetes-types/core/v1.d.ts";
import { defaultPullPolicy } from "../api/defaults.ts";
import { aboutPod, type EventType, type RecordEvent } from "../container/events.ts";
import { Backoff } from "../util/backoff.ts";
import type { Clock } from "../util/clock.ts";
import { errText } from "../util/err_text.ts";
import { formatGoDuration } from "../util/go_duration.ts";
import { type Logger, nullLogger } from "../util/logger.ts";
import type { ImagePullService } from "./image_pull_service.ts";

export type { ImagePullService, PullImageRequest } from "./image_pull_service.ts";

/** Kubelet's image error names. */
export type ImageErrorName =
  | "ErrImagePull"
  | "ImagePullBackOff"
  | "ErrImageNeverPull"
  | "InvalidImageName"
  | "ImageInspectError";

/** The outcome of {@linkcode ImageManager.ensureImageExists}. */
export type EnsureImageResult =
  | { ok: true; imageRef: string }
  | { ok: false; error: ImageErrorName; message: string; backOffUntil?: number };

/** Options for {@linkcode ImageManager}. */
export interface ImageManagerOptions {
  clock: Clock;
  /** Pull one image at a time (`--serialize-image-pulls`). @default true */
  serializeImagePulls?: boolean;
  /** Parallel pull limit when not serialized; 0 means no limit. @default 0 */
  maxParallelImagePulls?: number;
  /** Pulls per second (`registryPullQPS`); 0 means no limit. @default 5 */
  registryPullQPS?: number;
  /** Burst of pulls (`registryBurst`). @default 10 */
  registryBurst?: number;
  /** Pull back-off. @default new Backoff({ initialMs: 10_000, maxMs: 300_000 }) */
  backOff?: Backoff;
  recordEvent?: RecordEvent;
  logger?: Logger;
}

/** Adds ":latest" to an image without a tag or digest; undefined when the name is invalid. */
export function applyDefaultImageTag(image: string): string | undefined {
  if (!/^[a-z0-9]+(?:[._\-/:@a-zA-Z0-9]*[a-zA-Z0-9])?$/.test(image)) return undefined;
  if (image.includes("@")) return image;
  const last = image.slice(image.lastIndexOf("/") + 1);
  return last.includes(":") ? image : `${image}:latest`;
}

/** The pull policy in effect: the container's, else the API default for its image. */
export function pullPolicyOf(container: Container): "Always" | "IfNotPresent" | "Never" {
  const p = container.imagePullPolicy;
  if (p === "Always" || p === "IfNotPresent" || p === "Never") return p;
  return defaultPullPolicy(container.image);
}

/**
 * Kubelet's per-image pull manager. `PullContext` is the runtime's per-pod
 * value each pull carries (see {@linkcode ImagePullService}).
 */
export class ImageManager<PullContext = unknown> {
  #images: ImagePullService<PullContext>;
  #clock: Clock;
  #backOff: Backoff;
  #lastFailure = new Map<string, number>();
  #record: RecordEvent;
  #hasRecorder: boolean;
  #logger: Logger;
  #limit: number;
  #active = 0;
  #waiting: (() => void)[] = [];
  #qps: number;
  #burst: number;
  #tokens: number;
  #tokensAt: number;

  constructor(imageService: ImagePullService<PullContext>, options: ImageManagerOptions) {
    this.#images = imageService;
    this.#clock = options.clock;
    this.#backOff = options.backOff ?? new Backoff({ initialMs: 10_000, maxMs: 300_000 });
    this.#record = options.recordEvent ?? (() => {});
    this.#hasRecorder = options.recordEvent !== undefined;
    this.#logger = options.logger ?? nullLogger;
    const serialize = options.serializeImagePulls ?? true;
    const max = options.maxParallelImagePulls ?? 0;
    if (max < 0) throw new RangeError(`maxParallelImagePulls must be >= 0: got ${max}`);
    this.#limit = serialize ? 1 : max === 0 ? Infinity : max;
    this.#qps = options.registryPullQPS ?? 5;
    this.#burst = options.registryBurst ?? 10;
    if (this.#qps < 0 || this.#burst < 0) {
      throw new RangeError(
        `registryPullQPS and registryBurst must be >= 0: got ${this.#qps} and ${this.#burst}`,
      );
    }
    this.#tokens = this.#burst;
    this.#tokensAt = this.#clock.now();
  }

  /** The back-off key of an image pull: `<podUID>_<image>`. */
  static backOffKey(pod: Pod, image: string): string {
    return `${pod.metadata?.uid ?? ""}_${image}`;
  }

  /**
   * Ensures `container`'s image is present, pulling it if the policy says so.
   * Results are values; nothing throws except for a cancelled signal.
   *
   * Requires the permissions of the image service (the CRI socket).
   */
  async ensureImageExists(
    pod: Pod,
    container: Container,
    options: { pullContext?: PullContext; signal?: AbortSignal } = {},
  ): Promise<EnsureImageResult> {
    const about = aboutPod(pod, container.name);
    const ev = (type: EventType, reason: string, message: string) =>
      this.#record({ type, reason, message, ...about });
    const spec = container.image ?? "";
    const image = applyDefaultImageTag(spec);
    if (image === undefined) {
      const message =
        `Failed to apply default image tag "${spec}": couldn't parse image name "${spec}": invalid reference format`;
      ev("Warning", "InspectFailed", message);
      return { ok: false, error: "InvalidImageName", message };
    }
    let imageRef = "";
    try {
      imageRef = await this.#images.getImageRef(image);
    } catch (e) {
      const message = `Failed to inspect image "${spec}": ${errText(e)}`;
      ev("Warning", "InspectFailed", message);
      return { ok: false, error: "ImageInspectError", message };
    }
    const policy = pullPolicyOf(container);
    const present = imageRef !== "";
    const shouldPull = policy === "Always" || (policy === "IfNotPresent" && !present);
    if (!shouldPull) {
      if (present) {
        ev("Normal", "Pulled", `Container image "${spec}" already present on machine`);
        return { ok: true, imageRef };
      }
      const message = `Container image "${spec}" is not present with pull policy of Never`;
      ev("Warning", "ErrImageNeverPull", message);
      return { ok: false, error: "ErrImageNeverPull", message };
    }
    const key = ImageManager.backOffKey(pod, spec);
    const now = this.#clock.now();
    const last = this.#lastFailure.get(key);
    if (last !== undefined && this.#backOff.isInBackOffSince(key, last, now)) {
      const message = `Back-off pulling image "${spec}"`;
      ev("Normal", "BackOff", message);
      return {
        ok: false,
        error: "ImagePullBackOff",
        message,
        backOffUntil: this.#backOff.expiry(key, last),
      };
    }
    ev("Normal", "Pulling", `Pulling image "${spec}"`);
    const queuedAt = this.#clock.now();
    await this.#acquire(options.signal);
    const startedAt = this.#clock.now();
    let ref: string;
    try {
      if (!this.#tryAccept()) throw new Error("pull QPS exceeded");
      ref = await this.#images.pullImage(image, {
        userSpecifiedImage: spec,
        context: options.pullContext,
        signal: options.signal,
      });
      if (!ref) throw new Error("the runtime returned an empty image reference");
    } catch (e) {
      options.signal?.throwIfAborted();
      const failedAt = this.#clock.now();
      this.#backOff.next(key, failedAt);
      this.#lastFailure.set(key, failedAt);
      const message = `Failed to pull image "${spec}": ${errText(e)}`;
      ev("Warning", "Failed", message);
      // As the kubelet's logIt: the Failed event is the record; a line of its
      // own only when there is no recorder (500 failing pulls, 500 lines).
      if (!this.#hasRecorder) {
        this.#logger.warn("Failed to pull image", { image: spec, pod: pod.metadata?.name, err: e });
      }
      return { ok: false, error: "ErrImagePull", message };
    } finally {
      this.#release();
    }
    const done = this.#clock.now();
    let size = 0;
    try {
      size = await this.#images.getImageSize(ref);
    } catch {
      // Size is informational only.
    }
    ev(
      "Normal",
      "Pulled",
      `Successfully pulled image "${spec}" in ${formatGoDuration(done - startedAt)} (${
        formatGoDuration(done - queuedAt)
      } including waiting). Image size: ${size} bytes.`,
    );
    this.#lastFailure.delete(key);
    this.#backOff.gc(done);
    return { ok: true, imageRef: ref };
  }

  #tryAccept(): boolean {
    if (this.#qps === 0) return true;
    const now = this.#clock.now();
    this.#tokens = Math.min(
      this.#burst,
      this.#tokens + ((now - this.#tokensAt) / 1000) * this.#qps,
    );
    this.#tokensAt = now;
    if (this.#tokens < 1) return false;
    this.#tokens -= 1;
    return true;
  }

  #acquire(signal?: AbortSignal): Promise<void> {
    signal?.throwIfAborted();
    if (this.#active < this.#limit) {
      this.#active++;
      return Promise.resolve();
    }
    return new Promise((resolve, reject) => {
      const wake = () => {
        signal?.removeEventListener("abort", onAbort);
        this.#active++;
        resolve();
      };
      const onAbort = () => {
        const i = this.#waiting.indexOf(wake);
        if (i >= 0) this.#waiting.splice(i, 1);
        reject(signal!.reason);
      };
      this.#waiting.push(wake);
      signal?.addEventListener("abort", onAbort, { once: true });
    });
  }

  #release(): void {
    this.#active--;
    this.#waiting.shift()?.();
  }
}
