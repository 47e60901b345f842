/**
 * Runs a container lifecycle handler (postStart / preStop) the way the
 * kubelet's handler runner does: `exec` through CRI ExecSync, `httpGet`
 * through an injected GET (fetch by default), `sleep` on the clock. Results
 * are values: an error message, or undefined on success.
 *
 * @module
 */

import type { Container, LifecycleHandler, Pod } from "kubernetes-types/core/v1.d.ts";
import { formatPod, type HttpGet, type RuntimeContext } from "./_context.ts";
import { errText } from "../util/err_text.ts";

/** The default httpGet: `fetch` with the given headers; the body is discarded. Requires `--allow-net`. */
export const fetchGet: HttpGet = async (url, headers, signal) => {
  const res = await fetch(url, { headers, signal, redirect: "manual" });
  await res.body?.cancel();
  return { status: res.status };
};

function resolvePort(port: number | string, container: Container): number | undefined {
  if (typeof port === "number") return port;
  if (/^\d+$/.test(port)) return Number(port);
  return container.ports?.find((p) => p.name === port)?.containerPort;
}

/** The URL an httpGet handler calls; the host defaults to the pod IP. */
export function hookUrl(
  handler: NonNullable<LifecycleHandler["httpGet"]>,
  container: Container,
  podIp: string,
): string | undefined {
  const port = resolvePort(handler.port, container);
  if (port === undefined) return undefined;
  const host = handler.host || podIp;
  const hostPart = host.includes(":") && !host.startsWith("[") ? `[${host}]` : host;
  let path = handler.path ?? "";
  if (path && !path.startsWith("/")) path = `/${path}`;
  return `${(handler.scheme ?? "HTTP").toLowerCase()}://${hostPart}:${port}${path}`;
}

/** Kubelet's exec hook failure message (commands printed like Go's %v of a slice). */
function execFailure(cmd: string[], name: string, pod: Pod, err: string, output: string): string {
  return `Exec lifecycle hook ([${cmd.join(" ")}]) for Container "${name}" in Pod "${
    formatPod(pod)
  }" failed - error: ${err}, message: ${JSON.stringify(output)}`;
}

/**
 * Runs `handler` for the container `containerId`. Resolves to undefined on
 * success or to the kubelet-style failure message. `signal` cancels an
 * httpGet or sleep handler.
 */
export async function runLifecycleHandler(
  ctx: RuntimeContext,
  containerId: string,
  pod: Pod,
  container: Container,
  handler: LifecycleHandler,
  podIp: string,
  signal?: AbortSignal,
): Promise<string | undefined> {
  if (handler.exec) {
    const cmd = handler.exec.command ?? [];
    try {
      const res = await ctx.runtime.execSync(containerId, cmd, {
        timeoutSeconds: ctx.hookExecTimeoutSeconds,
        signal,
      });
      if (res.exitCode === 0) return undefined;
      const out = new TextDecoder().decode(res.stdout) + new TextDecoder().decode(res.stderr);
      return execFailure(
        cmd,
        container.name,
        pod,
        `command '${cmd.join(" ")}' exited with ${res.exitCode}: ${out}`,
        out,
      );
    } catch (e) {
      return execFailure(cmd, container.name, pod, errText(e), "");
    }
  }
  if (handler.httpGet) {
    const url = hookUrl(handler.httpGet, container, podIp);
    const fail = (err: string) =>
      `HTTP lifecycle hook (${
        handler.httpGet!.path ?? ""
      }) for Container "${container.name}" in Pod "${formatPod(pod)}" failed - error: ${err}`;
    if (!url) return fail(`cannot resolve port ${JSON.stringify(handler.httpGet.port)}`);
    const headers: Record<string, string> = {};
    for (const h of handler.httpGet.httpHeaders ?? []) headers[h.name] = h.value;
    try {
      const res = await ctx.httpGet(url, headers, signal ?? new AbortController().signal);
      if (res.status >= 400) return fail(`HTTP ${res.status} from ${url}`);
      return undefined;
    } catch (e) {
      return fail(errText(e));
    }
  }
  if (handler.sleep) {
    try {
      await ctx.clock.sleep(handler.sleep.seconds * 1000, signal);
    } catch {
      // A cancelled sleep ends the hook early; that is not a failure.
    }
    return undefined;
  }
  return `invalid handler for container "${container.name}": only exec, httpGet and sleep are supported`;
}
