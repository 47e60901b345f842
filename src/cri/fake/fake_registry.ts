/**
 * What the fake runtime's pulls download: images a test publishes (one image
 * under several tags, a config with a user or a command), and, for any other
 * repository, an image invented from the reference, so that any name pulls.
 *
 * Digests are consistent the way a registry's are: a tag resolves to one
 * manifest digest, the digest to one config (the image id), and pulling by
 * that digest gives the same image.
 *
 * @module
 */

import { createHash } from "node:crypto";
import { formatImageRef, type ImageRefParts, parseImageRef } from "./image_ref.ts";

/** The parts of an image config the fake uses. */
export interface FakeImageConfig {
  /** `User` of the image config: `uid`, `name`, `uid:gid` or "" (none). @default "" */
  user?: string;
  /** `Entrypoint` of the image config. @default [] */
  entrypoint?: string[];
  /** `Cmd` of the image config. @default [] */
  cmd?: string[];
}

/** What {@linkcode FakeRegistry.publish} takes besides repository and tags. */
export interface PublishImageOptions extends FakeImageConfig {
  /** Size in bytes. @default 1_000_000 */
  size?: number;
}

/** A published image, with the references that pull it. */
export interface PublishedImage {
  /** The normalised repository. */
  repo: string;
  /** `<repo>:<tag>` for each tag. */
  tagRefs: string[];
  /** `<repo>@<digest>`. */
  digestRef: string;
  /** Manifest digest, `sha256:...`. */
  digest: string;
  /** Config digest, `sha256:...`: the image id. */
  id: string;
}

/** What a pull downloads. */
export interface RemoteImage {
  /** Manifest digest. */
  digest: string;
  /** Image id (config digest). */
  id: string;
  size: number;
  config: FakeImageConfig;
}

function sha256(text: string): string {
  return `sha256:${createHash("sha256").update(text).digest("hex")}`;
}

interface Manifest {
  id: string;
  size: number;
  config: FakeImageConfig;
}

/** The fake runtime's registry. */
export class FakeRegistry {
  /** Published repositories: tag -> manifest digest, and every digest pushed there. */
  #repos = new Map<string, { tags: Map<string, string>; digests: Set<string> }>();
  #manifests = new Map<string, Manifest>();

  /**
   * Publishes one image under `tags` of `repo` (normalised): pulls of those
   * tags and of the returned digest give the same image; other tags and
   * digests of the repository are not found. Publishing a tag again moves it.
   */
  publish(repo: string, tags: string[], options: PublishImageOptions = {}): PublishedImage {
    const { size = 1_000_000, ...config } = options;
    const normalizedRepo = parseImageRef(`${repo}:x`).repo;
    const manifest = JSON.stringify({ config, size });
    const id = sha256(`config:${manifest}`);
    const digest = sha256(`manifest:${normalizedRepo}:${manifest}`);
    this.#manifests.set(digest, { id, size, config: { ...config } });
    const published = this.#repos.get(normalizedRepo) ?? { tags: new Map(), digests: new Set() };
    for (const tag of tags) published.tags.set(tag, digest);
    published.digests.add(digest);
    this.#repos.set(normalizedRepo, published);
    return {
      repo: normalizedRepo,
      tagRefs: tags.map((tag) => `${normalizedRepo}:${tag}`),
      digestRef: `${normalizedRepo}@${digest}`,
      digest,
      id,
    };
  }

  /** True when `repo` has published images (its unknown tags are then not found). */
  isPublished(repo: string): boolean {
    return this.#repos.has(repo);
  }

  /**
   * What pulling `ref` downloads, or undefined when a published repository
   * has no such tag or digest. Other repositories give an image invented from
   * the reference (with `config` as its config).
   */
  resolve(ref: ImageRefParts, config: FakeImageConfig = {}): RemoteImage | undefined {
    const published = this.#repos.get(ref.repo);
    if (published) {
      const digest = ref.digest ?? published.tags.get(ref.tag ?? "");
      const manifest = digest ? this.#manifests.get(digest) : undefined;
      if (!digest || !manifest || !published.digests.has(digest)) return undefined;
      return { digest, ...manifest, config: { ...manifest.config } };
    }
    const digest = ref.digest ?? sha256(`manifest:${formatImageRef(ref)}`);
    return { digest, id: sha256(`config:${digest}`), size: 1_000_000, config: { ...config } };
  }
}
