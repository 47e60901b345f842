/**
 * The family of an IP address literal, as the option checks need it.
 *
 * Not node:net's `isIP`: loading node:net costs start.sh's short-lived print
 * step (which checks the options) ≈ 25 ms of a start. IPv6 is parsed by the
 * WHATWG URL parser built into Deno, not by hand.
 *
 * @module
 */

const IPV4_PART = "(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])";
const IPV4 = new RegExp(`^${IPV4_PART}(\\.${IPV4_PART}){3}$`);
const IPV6_CHARS = /^[0-9A-Fa-f:.]+$/;

/**
 * 4 or 6 when `text` is an IPv4 or IPv6 address, else 0. IPv4 is four
 * decimal parts 0–255 without leading zeros (Go's `net.ParseIP` since 1.17);
 * IPv6 is any RFC 4291 text form, an embedded IPv4 tail included, and, as
 * with Go's `net.ParseIP`, no zone (`%eth0`), brackets or spaces.
 */
export function ipFamily(text: string): 0 | 4 | 6 {
  if (IPV4.test(text)) return 4;
  if (!text.includes(":") || !IPV6_CHARS.test(text)) return 0;
  try {
    new URL(`http://[${text}]/`);
    return 6;
  } catch {
    return 0;
  }
}
