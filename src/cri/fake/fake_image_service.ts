/**
 * The fake CRI ImageService: images kept in memory the way containerd keeps
 * them (one image per id with all its tags and digests), pulls that download
 * from the fake's registry (published images, else any name, invented), pull
 * failures and delays a test sets, and settable image-fs usage.
 *
 * @module
 */

import { status } from "@grpc/grpc-js";
import type { Clock } from "../../util/clock.ts";
import type { Image__Output } from "../generated/runtime/v1/Image.ts";
import type {
  ImageServiceMethod,
  ServedRequest as Req,
  ServedResponse as Res,
  StringMap,
} from "../types.ts";
import { nanos, RpcError, type ServedHandlers } from "./_util.ts";
import {
  type FakeImageConfig,
  FakeRegistry,
  type PublishedImage,
  type PublishImageOptions,
} from "./fake_registry.ts";
import { formatImageRef, normalizeImageName, parseImageRef } from "./image_ref.ts";
import { ImageStore, type LocalImage, toImage } from "./image_store.ts";

export { normalizeImageName } from "./image_ref.ts";
export type { FakeImageConfig, PublishedImage, PublishImageOptions } from "./fake_registry.ts";

/** The RPC handlers of an ImageService, by uncapitalised RPC name. */
export type ImageServiceHandlers = ServedHandlers<ImageServiceMethod>;

/** An image to put on the fake node. */
export interface FakeImageSeed extends FakeImageConfig {
  /** Image reference, normalised like containerd does (`busybox` → `docker.io/library/busybox:latest`). */
  name: string;
  /** Size in bytes. @default 1_000_000 (a published image keeps its own) */
  size?: number;
  /** Exempt from image GC. @default false */
  pinned?: boolean;
}

/** Options for {@linkcode FakeImageService}. */
export interface FakeImageServiceOptions {
  /** Clock for pull delays and timestamps. */
  clock: Clock;
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

/** In-memory ImageService served by the fake runtime. */
export class FakeImageService implements ImageServiceHandlers {
  /** What pulls download; {@linkcode FakeImageService.publish} adds to it. */
  readonly registry: FakeRegistry = new FakeRegistry();
  readonly #clock: Clock;
  readonly #store = new ImageStore();
  #failPulls = new Map<string, { message: string; code: number; remaining: number }>();
  #pullDelayMs = 0;
  #fs: ImageFsUsage = {};

  constructor(options: FakeImageServiceOptions) {
    this.#clock = options.clock;
    for (const seed of options.images ?? []) this.addImage(seed);
  }

  /**
   * Publishes one image under `tags` of `repo` in the fake's registry: pulls
   * of each tag and of the returned digest reference give the same image (one
   * image with every tag pulled); other tags of `repo` are not found.
   */
  publish(repo: string, tags: string[], options?: PublishImageOptions): PublishedImage {
    return this.registry.publish(repo, tags, options);
  }

  /** Puts an image on the node (or returns the one already there) and returns it. */
  addImage(seed: string | FakeImageSeed): Image__Output {
    const { name, size, pinned = false, ...config } = typeof seed === "string"
      ? { name: seed }
      : seed;
    const existing = this.#store.resolve(name);
    if (existing) return toImage(existing);
    const ref = parseImageRef(name);
    const remote = this.registry.resolve(ref, config);
    if (!remote) {
      throw new RangeError(`Cannot add image '${name}': not published in its repository`);
    }
    return toImage(this.#store.add({ ...remote, size: size ?? remote.size }, ref, pinned));
  }

  /** The image a reference (id, id prefix, tag or digest, normalised) names, or undefined. */
  resolve(ref: string): Image__Output | undefined {
    const image = this.#store.resolve(ref);
    return image && toImage(image);
  }

  /** The config (user, entrypoint, cmd) of the image with this id, if it is on the node. */
  configOf(id: string): FakeImageConfig | undefined {
    const image = this.#store.get(id);
    return image && structuredClone(image.config);
  }

  /** Every image on the node. */
  images(): Image__Output[] {
    return this.#store.all().map(toImage);
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
    request: Req<"ListImages">,
  ): Promise<Res<"ListImages">> {
    const ref = request.filter?.image?.image;
    const found = ref ? [this.resolve(ref)].filter((i) => i !== undefined) : this.images();
    return Promise.resolve({ images: found });
  }

  imageStatus(
    request: Req<"ImageStatus">,
  ): Promise<Res<"ImageStatus">> {
    const image = this.#store.resolve(request.image?.image ?? "");
    const info: StringMap = request.verbose && image ? { info: verboseImageInfo(image) } : {};
    return Promise.resolve({ image: image ? toImage(image) : null, info });
  }

  async pullImage(
    request: Req<"PullImage">,
  ): Promise<Res<"PullImage">> {
    const ref = request.image?.image ?? "";
    if (!ref) throw new RpcError(status.INVALID_ARGUMENT, "image reference is empty");
    const normalized = normalizeImageName(ref);
    if (this.#pullDelayMs > 0) await this.#clock.sleep(this.#pullDelayMs);
    const failure = this.#failPulls.get(normalized);
    if (failure) {
      if (--failure.remaining <= 0) this.#failPulls.delete(normalized);
      throw new RpcError(failure.code, failure.message);
    }
    const parts = parseImageRef(ref);
    const remote = this.registry.resolve(parts);
    if (!remote) {
      const name = formatImageRef(parts);
      throw new RpcError(
        status.NOT_FOUND,
        `failed to pull and unpack image "${name}": failed to resolve reference "${name}": ${name}: not found`,
      );
    }
    return { imageRef: this.#store.add(remote, parts).id };
  }

  removeImage(
    request: Req<"RemoveImage">,
  ): Promise<Res<"RemoveImage">> {
    // Like containerd: a missing image is not an error, and an image in use by
    // containers is removed anyway (the containers keep their snapshots).
    const image = this.#store.resolve(request.image?.image ?? "");
    if (image) this.#store.delete(image.id);
    return Promise.resolve({});
  }

  imageFsInfo(): Promise<Res<"ImageFsInfo">> {
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

/** The verbose `info` of ImageStatus: the image config, as containerd's imageSpec. */
function verboseImageInfo(image: LocalImage): string {
  const { user, entrypoint, cmd } = image.config;
  return JSON.stringify({
    id: image.id,
    imageSpec: {
      config: {
        ...(user ? { User: user } : {}),
        ...(entrypoint?.length ? { Entrypoint: entrypoint } : {}),
        ...(cmd?.length ? { Cmd: cmd } : {}),
      },
    },
  });
}
