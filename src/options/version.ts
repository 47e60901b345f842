/**
 * denolet's version and the kubelet version whose flags and behaviour it follows.
 *
 * @module
 */

/** denolet's own version. */
export const DENOLET_VERSION = "0.1.0";

/** The kubelet minor version denolet's flags, config and behaviour follow. */
export const KUBELET_COMPATIBLE_VERSION = "v1.35";

/** What `--version` prints: `denolet v0.1.0 (kubelet-compatible v1.35)`. */
export function versionText(): string {
  return `denolet v${DENOLET_VERSION} (kubelet-compatible ${KUBELET_COMPATIBLE_VERSION})`;
}
