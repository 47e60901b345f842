/**
 * The node's name: the lower-cased `--hostname-override`, else the lower-cased
 * OS hostname, as the kubelet names its node.
 *
 * @module
 */

import { OptionsError } from "./options_error.ts";

/**
 * The node name from `hostnameOverride` (as given), asking `hostname` only
 * when that is absent or blank.
 *
 * @throws {OptionsError} when the hostname cannot be read, or the name is no
 * lower-case DNS-1123 subdomain.
 */
export function resolveNodeName(
  hostnameOverride: string | undefined,
  hostname: () => string,
): string {
  let nodeName = hostnameOverride?.trim() ?? "";
  if (nodeName === "") {
    try {
      nodeName = hostname().trim();
    } catch (e) {
      throw new OptionsError(
        `Cannot determine the node name: ${(e as Error).message}; pass --hostname-override`,
      );
    }
  }
  nodeName = nodeName.toLowerCase();
  if (!/^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/.test(nodeName)) {
    throw new OptionsError(
      `invalid node name "${nodeName}" (from ${
        hostnameOverride ? "--hostname-override" : "the OS hostname"
      }): must be a lower-case DNS-1123 subdomain`,
      "--hostname-override",
    );
  }
  return nodeName;
}
