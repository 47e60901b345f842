/**
 * The kubelet's `POST /run/{namespace}/{pod}/{container}` and
 * `/run/{namespace}/{pod}/{uid}/{container}`: runs a command in a running
 * container through the runtime's ExecSync (CRI) and answers its output,
 * as pkg/kubelet/server/server.go getRun and the kubelet's RunInContainer do:
 *
 * - the command is the `cmd` query value split on single spaces (the
 *   kubelet's `strings.Split(cmd, " ")`: `a  b` gives `a`, ``, `b`, and an
 *   argument cannot hold a space). denolet also takes repeated `command`
 *   values (as `/exec` does), used only when `cmd` is absent (the kubelet
 *   then runs the empty command, an error), so an argument keeps its spaces
 *   (`denolet exec` sends that form);
 * - 404 `pod does not exist` when the agent has no such pod; the pod's
 *   container is looked up among the RUNNING containers of the runtime pod
 *   of that name (the `uid` segment is not used, as the kubelet's lookup by
 *   full name ignores it): 500 `container not found ("c")` when none runs;
 * - the command runs without a timeout and is cancelled when the client
 *   goes away; a non-zero exit is 500 with the CRI client's message
 *   `command '<cmd joined by spaces>' exited with <code>: <stderr>` (its
 *   stdout is not sent, as the kubelet's is not); a runtime failure 500
 *   with its message;
 * - success: 200 `application/json` (sic: the kubelet's type) with stdout
 *   then stderr (not interleaved), or an empty 200 when both are empty;
 * - another method than POST: 405 `405: Method Not Allowed` (go-restful's).
 *
 * @module
 */

import type { Pod } from "kubernetes-types/core/v1.d.ts";
import type { Runtime } from "../container/runtime.ts";
import { errText } from "../util/err_text.ts";
import { type Logger, nullLogger } from "../util/logger.ts";

/** The path prefix this handler serves. */
export const RUN_PREFIX = "/run/";

/** The part of the runtime `/run` uses: running pods and ExecSync. */
export type RunRuntime = Pick<Runtime, "getPods" | "execSync">;

/** Options of {@linkcode createRunHandler}. */
export interface RunHandlerOptions {
  /** The pod named `name` in `namespace` the agent runs (a static pod by its own name), if any. */
  findPod(namespace: string, name: string): Pod | undefined | Promise<Pod | undefined>;
  runtime: RunRuntime;
  /** @default nullLogger */
  logger?: Logger;
}

/** What a `/run` path names. */
export interface RunTarget {
  namespace: string;
  pod: string;
  /** The pod UID segment, "" when the short form was used. */
  uid: string;
  container: string;
}

const TEXT = { "content-type": "text/plain; charset=utf-8" };

function text(status: number, body: string, extra: Record<string, string> = {}): Response {
  return new Response(body, { status, headers: { ...TEXT, ...extra } });
}

/** The target of a `/run/...` path (3 or 4 segments), or undefined when it is not one. */
export function parseRunPath(pathname: string): RunTarget | undefined {
  if (!pathname.startsWith(RUN_PREFIX)) return undefined;
  const parts = pathname.slice(RUN_PREFIX.length).split("/");
  if (parts.length !== 3 && parts.length !== 4) return undefined;
  let decoded: string[];
  try {
    decoded = parts.map(decodeURIComponent);
  } catch {
    return undefined;
  }
  if (decoded.some((p) => p === "")) return undefined;
  const [namespace, pod] = decoded;
  return decoded.length === 3
    ? { namespace, pod, uid: "", container: decoded[2] }
    : { namespace, pod, uid: decoded[2], container: decoded[3] };
}

/**
 * The command of a `/run` query: `cmd` split on single spaces, else the
 * repeated `command` values, else the kubelet's `[""]`.
 */
export function runCommand(query: URLSearchParams): string[] {
  const cmd = query.get("cmd");
  if (cmd !== null) return cmd.split(" ");
  const command = query.getAll("command");
  return command.length > 0 ? command : [""];
}

function bytesOf(v: Uint8Array | string): Uint8Array {
  return typeof v === "string" ? new TextEncoder().encode(v) : v;
}

/** Creates the `/run` handler. */
export function createRunHandler(
  options: RunHandlerOptions,
): (request: Request) => Promise<Response> {
  const logger = options.logger ?? nullLogger;
  return async (request: Request): Promise<Response> => {
    const url = new URL(request.url);
    const target = parseRunPath(url.pathname);
    if (!target) return text(404, "404 page not found\n");
    if (request.method !== "POST") return text(405, "405: Method Not Allowed", { allow: "POST" });
    const pod = await options.findPod(target.namespace, target.pod);
    if (!pod) return text(404, "pod does not exist");
    const cmd = runCommand(url.searchParams);
    const name = pod.metadata?.name ?? target.pod;
    const namespace = pod.metadata?.namespace ?? target.namespace;
    let containerId: string | undefined;
    try {
      const running = (await options.runtime.getPods(false))
        .filter((p) => p.name === name && p.namespace === namespace);
      const runtimePod = running.find((p) => p.uid === pod.metadata?.uid) ?? running[0];
      containerId = runtimePod?.containers.find((c) =>
        c.name === target.container && c.state === "running"
      )?.id;
    } catch (e) {
      return text(500, errText(e));
    }
    if (containerId === undefined) {
      return text(500, `container not found (${JSON.stringify(target.container)})`);
    }
    let result;
    try {
      result = await options.runtime.execSync(containerId, cmd, {
        timeoutSeconds: 0,
        signal: request.signal,
      });
    } catch (e) {
      logger.debug(2, "Run in container failed", { pod: `${namespace}/${name}`, err: errText(e) });
      return text(500, errText(e));
    }
    const stdout = bytesOf(result.stdout);
    const stderr = bytesOf(result.stderr);
    if (result.exitCode !== 0) {
      return text(
        500,
        `command '${cmd.join(" ")}' exited with ${result.exitCode}: ${
          new TextDecoder().decode(stderr)
        }`,
      );
    }
    if (stdout.length + stderr.length === 0) return new Response(null, { status: 200 });
    const body = new Uint8Array(stdout.length + stderr.length);
    body.set(stdout, 0);
    body.set(stderr, stdout.length);
    return new Response(body, { status: 200, headers: { "content-type": "application/json" } });
  };
}
