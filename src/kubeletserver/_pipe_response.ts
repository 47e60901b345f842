/**
 * Writes a fetch `Response` to a node:http `ServerResponse`, streaming the
 * body with back-pressure, for responses that go on for as long as the
 * client reads (`kubectl logs -f`). serve.ts's writer buffers whole bodies,
 * which is right for its small answers but not for a follow.
 *
 * @module
 */

import type { ServerResponse } from "node:http";

/**
 * Writes `response` to `res`, streaming its body with back-pressure. Ends
 * early, cancelling the body, when the client leaves or when the `stop`
 * given to `register` is called (the server's shutdown); `register` returns
 * the function that forgets it once the response is done.
 */
export async function pipeResponse(
  res: ServerResponse,
  response: Response,
  register: (stop: () => void) => () => void,
): Promise<void> {
  res.statusCode = response.status;
  for (const [name, value] of response.headers) res.setHeader(name, value);
  if (!response.body) {
    res.end();
    return;
  }
  const reader = response.body.getReader();
  let gone = false;
  let wake: (() => void) | undefined;
  const stop = () => {
    gone = true;
    wake?.();
    reader.cancel().catch(() => {});
  };
  const unregister = register(stop);
  res.once("close", stop);
  try {
    while (!gone) {
      const { value, done } = await reader.read();
      if (done || gone) break;
      if (!res.write(value)) {
        await new Promise<void>((resolve) => {
          wake = resolve;
          res.once("drain", resolve);
        });
        wake = undefined;
      }
    }
  } catch {
    // the body failed or was cancelled: end what was sent
  } finally {
    unregister();
    res.off("close", stop);
    if (!res.writableEnded) res.end();
  }
}
