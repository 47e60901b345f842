/**
 * The `/healthz` answer, as Kubernetes' healthz package writes it: `ok` when
 * every check passes; otherwise status 500 and one line per check,
 * `[+]name ok` or `[-]name failed: reason withheld`, then
 * `healthz check failed`. The reasons are logged, not sent. `?verbose` lists
 * the checks on success too, `?exclude=name` skips a check, and
 * `/healthz/<name>` runs one check.
 *
 * @module
 */

import { type Logger, nullLogger } from "../util/logger.ts";
import { errText } from "../util/err_text.ts";

/** A named check: resolves to undefined when healthy, or to the reason it is not. */
export interface HealthCheck {
  /** e.g. `ping`, `log`, `syncloop`. */
  name: string;
  check(): string | undefined | Promise<string | undefined>;
}

/** The always-passing `ping` check every healthz endpoint has. */
export const PING_CHECK: HealthCheck = { name: "ping", check: () => undefined };

/** The outcome of one check. */
export interface HealthCheckResult {
  name: string;
  /** undefined when the check passed. */
  failure?: string;
}

/** Runs every check (a throwing check fails with its message), in order. */
export async function runHealthChecks(
  checks: readonly HealthCheck[],
): Promise<HealthCheckResult[]> {
  const out: HealthCheckResult[] = [];
  for (const c of checks) {
    let failure: string | undefined;
    try {
      failure = await c.check();
    } catch (e) {
      failure = errText(e);
    }
    out.push(failure === undefined ? { name: c.name } : { name: c.name, failure });
  }
  return out;
}

/** Options of {@linkcode healthzResponse}. */
export interface HealthzOptions {
  /** Where the reasons of failed checks are logged. @default nullLogger */
  logger?: Logger;
}

const TEXT = { "content-type": "text/plain; charset=utf-8", "x-content-type-options": "nosniff" };

/**
 * Answers a healthz request. `url.pathname` is `/healthz` or `/healthz/<name>`;
 * an unknown check name gives 404.
 */
export async function healthzResponse(
  url: URL,
  checks: readonly HealthCheck[],
  options: HealthzOptions = {},
): Promise<Response> {
  const logger = options.logger ?? nullLogger;
  const sub = url.pathname.slice("/healthz".length).replace(/^\//, "");
  if (sub !== "") {
    const one = checks.find((c) => c.name === sub);
    if (!one) return new Response("404 page not found\n", { status: 404, headers: TEXT });
    const [r] = await runHealthChecks([one]);
    if (r.failure !== undefined) {
      logger.warn("Healthz check failed", { check: r.name, reason: r.failure });
      return new Response(`internal server error: ${r.failure}\n`, { status: 500, headers: TEXT });
    }
    return new Response("ok", { status: 200, headers: TEXT });
  }
  const excluded = new Set(
    url.searchParams.getAll("exclude").flatMap((v) => v.split(",")).map((v) => v.trim()),
  );
  const results = await runHealthChecks(checks.filter((c) => !excluded.has(c.name)));
  const failed = results.filter((r) => r.failure !== undefined);
  const lines = results.map((r) =>
    r.failure === undefined ? `[+]${r.name} ok` : `[-]${r.name} failed: reason withheld`
  );
  for (const name of excluded) {
    if (checks.some((c) => c.name === name)) lines.push(`[+]${name} excluded: ok`);
  }
  if (failed.length > 0) {
    for (const r of failed) {
      logger.warn("Healthz check failed", { check: r.name, reason: r.failure });
    }
    return new Response(`${lines.join("\n")}\nhealthz check failed\n`, {
      status: 500,
      headers: TEXT,
    });
  }
  if (url.searchParams.has("verbose")) {
    return new Response(`${lines.join("\n")}\nhealthz check passed\n`, {
      status: 200,
      headers: TEXT,
    });
  }
  return new Response("ok", { status: 200, headers: TEXT });
}
