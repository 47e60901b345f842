/**
 * Image references as containerd's CRI reads them: normalisation of a name,
 * and the parts (repository, tag, digest) of a normalised reference.
 *
 * @module
 */

/** The parts of a normalised image reference. */
export interface ImageRefParts {
  /** `registry/path`, e.g. `docker.io/library/busybox`. */
  repo: string;
  /** The tag, when the reference has one (and no digest). */
  tag?: string;
  /** `sha256:...`, when the reference is `repo@sha256:...`. */
  digest?: string;
}

const ID = /^sha256:[0-9a-f]{64}$/;

/** True for a full image id (`sha256:` and 64 hex digits). */
export function isImageId(ref: string): boolean {
  return ID.test(ref);
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

/**
 * The repository, tag and digest of a reference (normalised first). A
 * reference with both a tag and a digest keeps only the digest, as
 * containerd resolves it by digest.
 */
export function parseImageRef(ref: string): ImageRefParts {
  const normalized = normalizeImageName(ref);
  const at = normalized.indexOf("@");
  if (at >= 0) {
    const name = normalized.slice(0, at);
    const colon = name.lastIndexOf(":");
    const repo = colon > name.lastIndexOf("/") ? name.slice(0, colon) : name;
    return { repo, digest: normalized.slice(at + 1) };
  }
  const colon = normalized.lastIndexOf(":");
  return { repo: normalized.slice(0, colon), tag: normalized.slice(colon + 1) };
}

/** `repo:tag` or `repo@digest` of parsed parts. */
export function formatImageRef(parts: ImageRefParts): string {
  return parts.digest ? `${parts.repo}@${parts.digest}` : `${parts.repo}:${parts.tag}`;
}
