/**
 * The kubelet's `/configz`: the effective configuration as JSON under the
 * name the kubelet registers it with, `{"kubeletconfig": {...}}`, the way
 * component-base's configz handler writes it (any method, `application/json`,
 * `X-Content-Type-Options: nosniff`). The object is the KubeletConfiguration
 * v1beta1 fields without `kind` and `apiVersion`, as the kubelet's (a
 * converted struct whose TypeMeta is empty: users add them back to reuse it
 * as a config file). denolet's view comes from its options
 * (`KubeletOptions.kubeletConfiguration`), secret-bearing values masked.
 *
 * @module
 */

/** The path this handler serves. */
export const CONFIGZ_PATH = "/configz";

/** The body `/configz` answers for `config`. */
export function configzBody(config: Record<string, unknown>): string {
  return JSON.stringify({ kubeletconfig: config });
}

/** Creates the `/configz` handler for the effective `config`. */
export function createConfigzHandler(
  config: Record<string, unknown>,
): (request: Request) => Promise<Response> {
  const body = configzBody(config);
  return (request: Request) => {
    if (new URL(request.url).pathname !== CONFIGZ_PATH) {
      return Promise.resolve(
        new Response("404 page not found\n", {
          status: 404,
          headers: { "content-type": "text/plain; charset=utf-8" },
        }),
      );
    }
    return Promise.resolve(
      new Response(body, {
        status: 200,
        headers: { "content-type": "application/json", "x-content-type-options": "nosniff" },
      }),
    );
  };
}
