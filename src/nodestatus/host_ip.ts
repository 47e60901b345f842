/**
 * The node's InternalIP when no `--node-ip` is given, chosen as the kubelet's
 * `ChooseHostInterface` does: the interfaces of the IPv4 default routes in
 * /proc/net/route (lowest metric first), then that interface's first global
 * IPv4 address; without a default route, the first non-loopback IPv4 address
 * (of an interface that is not a container bridge, when there is one);
 * without one, 127.0.0.1. Pure: the route table's text and the interface
 * list come in.
 *
 * @module
 */

/** One address of an interface, as `Deno.networkInterfaces()` lists it. */
export interface InterfaceAddress {
  name: string;
  family: "IPv4" | "IPv6";
  address: string;
}

/** The address used when the machine has no other. */
export const LOOPBACK_IP = "127.0.0.1";

const RTF_UP = 0x1;

/**
 * The interfaces of the IPv4 default routes (destination and mask 0, route
 * up) in a /proc/net/route table, lowest metric first; [] when there is none
 * or the text is not a route table.
 */
export function defaultRouteInterfaces(routeTable: string): string[] {
  const routes: { iface: string; metric: number; order: number }[] = [];
  const lines = routeTable.split("\n");
  const header = (lines[0] ?? "").trim().split(/\s+/);
  const col = (name: string) => header.indexOf(name);
  const [iface, dest, flags, metric, mask] = ["Iface", "Destination", "Flags", "Metric", "Mask"]
    .map(col);
  if ([iface, dest, flags, metric, mask].some((i) => i < 0)) return [];
  for (const [order, line] of lines.slice(1).entries()) {
    const f = line.trim().split(/\s+/);
    if (f.length <= Math.max(iface, dest, flags, metric, mask)) continue;
    if (Number.parseInt(f[dest], 16) !== 0 || Number.parseInt(f[mask], 16) !== 0) continue;
    if ((Number.parseInt(f[flags], 16) & RTF_UP) === 0) continue;
    routes.push({ iface: f[iface], metric: Number(f[metric]) || 0, order });
  }
  routes.sort((a, b) => a.metric - b.metric || a.order - b.order);
  return [...new Set(routes.map((r) => r.iface))];
}

/** Whether `ip` is an IPv4 address the node may be reached at (not loopback, link-local or 0.0.0.0). */
function isGlobalIPv4(ip: string): boolean {
  const parts = ip.split(".").map(Number);
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) {
    return false;
  }
  if (parts[0] === 127 || parts[0] === 0) return false;
  if (parts[0] === 169 && parts[1] === 254) return false;
  return parts[0] < 224;
}

/**
 * Interface names of bridges and tunnels that container runtimes and network
 * plugins create; their addresses are the last choice for the node's IP.
 */
const VIRTUAL_INTERFACE =
  /^(docker|br-|cni|flannel|cali|cilium|veth|virbr|kube-|tunl|vxlan|weave|lxc|podman|genev|tap|tun)/;

/** The first global IPv4 address of a default-route interface, or undefined. */
export function defaultRouteIP(
  routeTable: string,
  interfaces: readonly InterfaceAddress[],
): string | undefined {
  const v4 = interfaces.filter((a) => a.family === "IPv4" && isGlobalIPv4(a.address));
  for (const name of defaultRouteInterfaces(routeTable)) {
    const found = v4.find((a) => a.name === name);
    if (found) return found.address;
  }
  return undefined;
}

/**
 * The node's IP when no route says which: the first global IPv4 address of
 * an interface that is not a container bridge or tunnel (docker0, cni0,
 * flannel.1, ...), else of any interface, else {@linkcode LOOPBACK_IP}.
 */
export function fallbackHostIP(interfaces: readonly InterfaceAddress[]): string {
  const v4 = interfaces.filter((a) => a.family === "IPv4" && isGlobalIPv4(a.address));
  return (v4.find((a) => !VIRTUAL_INTERFACE.test(a.name)) ?? v4[0])?.address ?? LOOPBACK_IP;
}

/**
 * The host IP: {@linkcode defaultRouteIP}, else {@linkcode fallbackHostIP}.
 */
export function chooseHostIP(
  routeTable: string,
  interfaces: readonly InterfaceAddress[],
): string {
  return defaultRouteIP(routeTable, interfaces) ?? fallbackHostIP(interfaces);
}
