/**
 * The fake CRI ImageService: images kept in memory, pulls that "download"
 * any name (unless a test makes them fail), and settable image-fs usage.
 *
 * @module
 */

import { createHash } from "node:crypto";
import { status } from "@grpc/grpc-js";
import type { Clock } from "../../util/clock.ts";
import { RealClock } from "../../util/clock.ts";
import type { Image, ImageServiceMethod, ImageServiceMethods, StringMap } from "../types.ts";
import { nanos, RpcError } from "./_util.ts";

/** The RPC handlers of an ImageService, by uncapitalised RPC name. */
export type ImageServiceHandlers = {
  [M in ImageServiceMethod as Uncapitalize<M>]: (
    request: ImageServiceMethods[M][0],
  ) => Promise<ImageServiceMethods[M][1]>;
};

/** An image to put on the fake node. */
export interface FakeImageSeed {
  /** Image reference, normalised like containerd does (`busybox` → `docker.io/library/busybox:latest`). */
  name: string;
  /** Size in bytes. @default 1_000_000 */
  size?: number;
  /** Exempt from image GC. @default false */
  pinned?: boolean;
}

/** Options for {@linkcode FakeImageService}. */
export interface FakeImageServiceOptions {
  /** Clock for pull delays and timestamps. @default new RealClock() */
  clock?: Clock;
  /** Images present from the start. @default [] */
  images?: (string | FakeImageSeed)[];
}

/** Options for {@linkcode FakeImageService.failPull}. */
export interface FailPullOptions {
  /** gRPC status code of the failure. @default status.UNKNOWN */
  code?: number;
  /** How many pulls fail. @default Infinity */
  times?: number;
}

/** Settable image filesystem figures. */
export interface ImageFsUsage {
  /** Bytes used; by default the sum of the image sizes. */
  usedBytes?: number;
  /** Inodes used. @default number of images */
  inodesUsed?: number;
  /** Capacity of the image filesystem; not on the CRI wire, for tests of image GC. */
  capacityBytes?: number;
}

/** Mount point reported by ImageFsInfo. */
export const FAKE_IMAGE_FS_MOUNTPOINT = "/var/lib/fake-runtime/images";

function hex(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

/**
 * Normalises an image reference the way containerd's CRI does: a missing
 * registry becomes `docker.io`, a single-component Docker Hub name gets
 * `library/`, and a missing tag (without a digest) becomes `:latest`. Image
 * ids (`sha256:...`) are kept as they are.
 */
export function normalizeImageName(ref: string): string {
  if (ref.startsWith("sha256:")) return ref;
  const at = ref.indexOf("@");
  let name = at >= 0 ? ref.slice(0, at) : ref;
  const digest = at >= 0 ? ref.slice(at) : "";
  const slash = name.indexOf("/");
  const first = slash >= 0 ? name.slice(0, slash) : "";
  const hasDomain = slash >= 0 &&
    (first.includes(".") || first.includes(":") || first === "localhost");
  if (!hasDomain) name = `docker.io/${slash >= 0 ? name : `library/${name}`}`;
  else if (first === "docker.io" && !name.slice(slash + 1).includes("/")) {
    name = `docker.io/library/${name.slice(slash + 1)}`;
  }
  const hasTag = name.slice(name.lastIndexOf("/") + 1).includes(":");
  return !hasTag && !digest ? `${name}:latest` : `${name}${digest}`;
}

function repoOf(name: string): string {
  const at = name.indexOf("@");
  if (at >= 0) return name.slice(0, at);
  const colon = name.lastIndexOf(":");
  return colon > name.lastIndexOf("/") ? name.slice(0, colon) : name;
}

/** In-memory ImageService served by the fake runtime. */
export class FakeImageService implements ImageServiceHandlers {
  readonly #clock: Clock;
  #images = new Map<string, Image>();
  #failPulls = new Map<string, { message: string; code: number; remaining: number }>();
  #pullDelayMs = 0;
  #fs: ImageFsUsage = {};

  constructor(options: FakeImageServiceOptions = {}) {
    this.#clock = options.clock ?? new RealClock();
    for (const seed of options.images ?? []) this.addImage(seed);
  }

  /** Puts an image on the node (or returns the one already there) and returns it. */
  addImage(seed: string | FakeImageSeed): Image {
    const { name, size = 1_000_000, pinned = false } = typeof seed === "string"
      ? { name: seed }
      : seed;
    const existing = this.resolve(name);
    if (existing) return existing;
    const normalized = normalizeImageName(name);
    const id = `sha256:${hex(`config:${normalized}`)}`;
    const image: Image = {
      id,
      repoTags: normalized.includes("@") ? [] : [normalized],
      repoDigests: [`${repoOf(normalized)}@sha256:${hex(`manifest:${normalized}`)}`],
      size,
      uid: null,
      username: "",
      spec: { image: id, annotations: {} },
      pinned,
    };
    this.#images.set(id, image);
    return image;
  }

  /** The image a reference (id, tag or digest, normalised) names, or undefined. */
  resolve(ref: string): Image | undefined {
    if (this.#images.has(ref)) return this.#images.get(ref);
    const normalized = normalizeImageName(ref);
    for (const image of this.#images.values()) {
      if (image.repoTags.includes(normalized) || image.repoDigests.includes(normalized)) {
        return image;
      }
    }
    return undefined;
  }

  /** Every image on the node. */
  images(): Image[] {
    return [...this.#images.values()];
  }

  /** Makes pulls of `image` fail with `message` (code Unknown unless given). */
  failPull(image: string, message: string, options: FailPullOptions = {}): void {
    this.#failPulls.set(normalizeImageName(image), {
      message,
      code: options.code ?? status.UNKNOWN,
      remaining: options.times ?? Infinity,
    });
  }

  /** Makes every pull take `ms` on the injected clock. */
  setPullDelay(ms: number): void {
    if (!(ms >= 0)) throw new RangeError(`Cannot set pull delay: ${ms} is not >= 0`);
    this.#pullDelayMs = ms;
  }

  /** Overrides the ImageFsInfo figures (fields left out go back to their defaults). */
  setImageFsUsage(usage: ImageFsUsage): void {
    this.#fs = { ...usage };
  }

  /** The image filesystem capacity set by {@linkcode setImageFsUsage}, if any. */
  get imageFsCapacityBytes(): number | undefined {
    return this.#fs.capacityBytes;
  }

  listImages(
    request: ImageServiceMethods["ListImages"][0],
  ): Promise<ImageServiceMethods["ListImages"][1]> {
    const ref = request.filter?.image?.image;
    const found = ref ? [this.resolve(ref)].filter((i) => i !== undefined) : this.images();
    return Promise.resolve({ images: found.map((i) => structuredClone(i)) });
  }

  imageStatus(
    request: ImageServiceMethods["ImageStatus"][0],
  ): Promise<ImageServiceMethods["ImageStatus"][1]> {
    const image = this.resolve(request.image?.image ?? "");
    const info: StringMap = request.verbose && image
      ? { info: JSON.stringify({ id: image.id }) }
      : {};
    return Promise.resolve({ image: image ? structuredClone(image) : null, info });
  }

  async pullImage(
    request: ImageServiceMethods["PullImage"][0],
  ): Promise<ImageServiceMethods["PullImage"][1]> {
    const ref = request.image?.image ?? "";
    if (!ref) throw new RpcError(status.INVALID_ARGUMENT, "image reference is empty");
    const normalized = normalizeImageName(ref);
    if (this.#pullDelayMs > 0) await this.#clock.sleep(this.#pullDelayMs);
    const failure = this.#failPulls.get(normalized);
    if (failure) {
      if (--failure.remaining <= 0) this.#failPulls.delete(normalized);
      throw new RpcError(failure.code, failure.message);
    }
    return { imageRef: this.addImage(ref).id };
  }

  removeImage(
    request: ImageServiceMethods["RemoveImage"][0],
  ): Promise<ImageServiceMethods["RemoveImage"][1]> {
    // Like containerd: a missing image is not an error, and an image in use by
    // containers is removed anyway (the containers keep their snapshots).
    const image = this.resolve(request.image?.image ?? "");
    if (image) this.#images.delete(image.id);
    return Promise.resolve({});
  }

  imageFsInfo(): Promise<ImageServiceMethods["ImageFsInfo"][1]> {
    const images = this.images();
    const usage = {
      timestamp: nanos(this.#clock.now()),
      fsId: { mountpoint: FAKE_IMAGE_FS_MOUNTPOINT },
      usedBytes: { value: this.#fs.usedBytes ?? images.reduce((sum, i) => sum + i.size, 0) },
      inodesUsed: { value: this.#fs.inodesUsed ?? images.length },
    };
    return Promise.resolve({ imageFilesystems: [usage], containerFilesystems: [{ ...usage }] });
  }
}
