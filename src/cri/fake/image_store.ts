/**
 * The images on the fake node, as containerd's CRI keeps them: one record per
 * image id holding every reference to it (tags and digests), resolved by id,
 * by name or by id prefix, and the CRI view of a record.
 *
 * @module
 */

import type { Image__Output } from "../generated/runtime/v1/Image.ts";
import type { Int64Value__Output } from "../generated/runtime/v1/Int64Value.ts";
import { imageSpec } from "./_util.ts";
import type { FakeImageConfig, RemoteImage } from "./fake_registry.ts";
import { formatImageRef, type ImageRefParts, isImageId, parseImageRef } from "./image_ref.ts";

/** An image on the fake node. */
export interface LocalImage {
  /** Config digest, `sha256:...`. */
  id: string;
  size: number;
  pinned: boolean;
  config: FakeImageConfig;
  /** `repo:tag` references. */
  tags: Set<string>;
  /** `repo@sha256:...` references. */
  digests: Set<string>;
}

/**
 * The uid or user name an image runs as, from its config's `User`, the way
 * containerd reports it: a number (before any `:group`) is a uid, anything
 * else a user name; no user gives neither.
 */
export function imageUser(
  user: string | undefined,
): { uid: Int64Value__Output | null; username: string } {
  const name = (user ?? "").split(":")[0];
  if (name === "") return { uid: null, username: "" };
  return /^\d+$/.test(name) ? { uid: { value: Number(name) }, username: "" } : {
    uid: null,
    username: name,
  };
}

/** The CRI view of an image (references sorted, as containerd lists them). */
export function toImage(i: LocalImage): Image__Output {
  return {
    id: i.id,
    repoTags: [...i.tags].sort(),
    repoDigests: [...i.digests].sort(),
    size: i.size,
    ...imageUser(i.config.user),
    spec: imageSpec(i.id),
    pinned: i.pinned,
  };
}

/** The fake node's images. */
export class ImageStore {
  #byId = new Map<string, LocalImage>();

  /**
   * Records a downloaded image under `ref` (a tag also records the digest it
   * resolved to). A tag that named another image moves to this one.
   */
  add(remote: RemoteImage, ref: ImageRefParts, pinned = false): LocalImage {
    let image = this.#byId.get(remote.id);
    if (!image) {
      image = {
        id: remote.id,
        size: remote.size,
        pinned,
        config: { ...remote.config },
        tags: new Set(),
        digests: new Set(),
      };
      this.#byId.set(image.id, image);
    }
    if (pinned) image.pinned = true;
    image.digests.add(formatImageRef({ repo: ref.repo, digest: remote.digest }));
    if (ref.tag !== undefined) {
      const tag = formatImageRef(ref);
      for (const other of this.#byId.values()) if (other !== image) other.tags.delete(tag);
      image.tags.add(tag);
    }
    return image;
  }

  /**
   * The image `ref` names, resolved like containerd's CRI: a full id, else a
   * tag or digest reference (normalised), else a unique id prefix (with or
   * without `sha256:`).
   */
  resolve(ref: string): LocalImage | undefined {
    if (ref === "") return undefined;
    if (isImageId(ref)) return this.#byId.get(ref);
    const parts = parseImageRef(ref);
    const name = formatImageRef(parts);
    for (const image of this.#byId.values()) {
      if (parts.digest ? image.digests.has(name) : image.tags.has(name)) return image;
    }
    const hex = ref.startsWith("sha256:") ? ref.slice("sha256:".length) : ref;
    if (!/^[0-9a-f]+$/.test(hex)) return undefined;
    const matches = [...this.#byId.values()].filter((i) => i.id.startsWith(`sha256:${hex}`));
    return matches.length === 1 ? matches[0] : undefined;
  }

  /** The image with this id, or undefined. */
  get(id: string): LocalImage | undefined {
    return this.#byId.get(id);
  }

  /** Removes the image with every reference to it. */
  delete(id: string): void {
    this.#byId.delete(id);
  }

  /** Every image. */
  all(): LocalImage[] {
    return [...this.#byId.values()];
  }
}
