/**
 * Masking the secrets a URL may carry before it is logged or reported: the userinfo
 * (`user:password@`), every query value and the fragment, as header values are
 * masked. `http://admin:hunter2@host/x?token=abc` becomes
 * `http://<masked>@host/x?token=<masked>`.
 *
 * @module
 */

/** What replaces a secret. */
export const MASK = "<masked>";

/**
 * `url` with its userinfo, query values and fragment replaced by `<masked>`; the
 * scheme, host, port, path and query keys are kept. A text that is not a URL is
 * masked by pattern (anything between `//` and `@`, anything after `?` or `#`).
 */
export function maskUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return url
      .replace(/\/\/[^/?#]*@/, `//${MASK}@`)
      .replace(/\?.*$/s, `?${MASK}`)
      .replace(/#.*$/s, `#${MASK}`);
  }
  const userinfo = parsed.username !== "" || parsed.password !== "" ? `${MASK}@` : "";
  const authority = parsed.host === "" ? "" : `//${userinfo}${parsed.host}`;
  const query = parsed.search === "" ? "" : `?${maskQuery(parsed.search.slice(1))}`;
  const fragment = parsed.hash === "" ? "" : `#${MASK}`;
  return `${parsed.protocol}${authority}${parsed.pathname}${query}${fragment}`;
}

/** `a=1&b&c=` → `a=<masked>&b&c=`: keys kept, non-empty values masked. */
function maskQuery(query: string): string {
  return query.split("&").map((pair) => {
    const eq = pair.indexOf("=");
    if (eq === -1 || eq === pair.length - 1) return pair;
    return `${pair.slice(0, eq)}=${MASK}`;
  }).join("&");
}

/**
 * `text` with every occurrence of `url` (as given, and as the URL parser writes it)
 * replaced by its masked form, for error messages that quote the URL.
 */
export function maskUrlIn(text: string, url: string): string {
  const masked = maskUrl(url);
  let out = text.split(url).join(masked);
  try {
    const href = new URL(url).href;
    if (href !== url) out = out.split(href).join(masked);
  } catch { /* not a URL: only the given form */ }
  return out;
}
