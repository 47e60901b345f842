/**
 * The pod network probes and hooks may reach: `--pod-network-cidr`, else
 * `podCIDR`, else {@linkcode DEFAULT_POD_NETWORK_CIDR}.
 *
 * @module
 */

/** The pod network granted when neither --pod-network-cidr nor podCIDR is given. */
export const DEFAULT_POD_NETWORK_CIDR = "10.88.0.0/16";

function splitList(text: string): string[] {
  return text.split(",").map((x) => x.trim()).filter((x) => x !== "");
}

/**
 * The pod network ranges from the merged values (`podNetworkCIDR` when given,
 * "" meaning none), with one warning when an IPv6 range is among them: Deno's
 * `--allow-net` cannot grant one. `labelOf` names where a value came from.
 */
export function podNetworkCIDRs(
  values: Record<string, unknown>,
  labelOf: (key: string) => string,
): { cidrs: string[]; warnings: string[] } {
  const podCIDR = values.podCIDR as string;
  const networkGiven = values.podNetworkCIDR as string | undefined;
  const cidrs = splitList(networkGiven ?? (podCIDR !== "" ? podCIDR : DEFAULT_POD_NETWORK_CIDR));
  const ipv6Ranges = cidrs.filter((c) => c.includes(":"));
  if (ipv6Ranges.length === 0) return { cidrs, warnings: [] };
  const from = labelOf(networkGiven !== undefined ? "podNetworkCIDR" : "podCIDR");
  return {
    cidrs,
    warnings: [
      `pod network ${ipv6Ranges.join(",")} (${from}) is not granted: Deno's --allow-net ` +
      "cannot grant an IPv6 range, so probes and hooks to those pod IPs will be refused",
    ],
  };
}
