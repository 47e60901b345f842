/**
 * The configuration as it may be logged: secrets replaced by `<masked>`, as the
 * kubelet does for `staticPodURLHeader` when it logs its config.
 *
 * @module
 */

import { maskUrl } from "../util/mask_url.ts";
import type { KubeletOptions } from "./kubelet_options.ts";

/** The placeholder for a hidden value. */
export const MASKED = "<masked>";

/**
 * A copy of `config` with every `staticPodURLHeader` value replaced by
 * `<masked>` (header names and the number of values stay visible), and the
 * `staticPodURL`'s userinfo, query values and fragment masked.
 */
export function maskedConfigForLog(config: KubeletOptions): KubeletOptions {
  const copy = structuredClone(config);
  copy.staticPodURLHeader = Object.fromEntries(
    Object.entries(config.staticPodURLHeader).map(([k, vs]) => [k, vs.map(() => MASKED)]),
  );
  if (config.staticPodURL !== "") copy.staticPodURL = maskUrl(config.staticPodURL);
  return copy;
}
