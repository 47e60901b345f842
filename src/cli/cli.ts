/**
 * `denolet pods|logs|exec`: the operator's daily look without crictl,
 * talking to the running agent's read-only port on loopback (agent_endpoint.ts):
 *
 * - `pods`: `GET /pods` as kubectl's table (pods_table.ts);
 * - `logs`: `GET /containerLogs/{ns}/{pod}/{c}` with `follow`, `tailLines`,
 *   `previous`, `timestamps`, the body streamed to stdout as it comes;
 * - `exec`: `POST /run/{ns}/{pod}/{c}` with the command as repeated
 *   `command` values (so an argument keeps its spaces): non-interactive, the
 *   output printed; the exit code is the command's (from the kubelet's
 *   `command '...' exited with N: <stderr>` answer, whose stderr goes to
 *   stderr; as with the kubelet's /run, a failing command's stdout is not
 *   returned).
 *
 * Without `-c` the container is the pod's `kubectl.kubernetes.io/default-container`
 * or its first one (`Defaulted container "a" out of: a, b` on stderr, as
 * kubectl). Errors are one line on stderr and exit 1: nothing listening
 * ("is the agent running with readOnlyPort N?"), the handlers off ("enable
 * localDebuggingHandlers"), the agent's own message otherwise.
 *
 * Needs `--allow-net=127.0.0.1:<port>` (and with `--config` read of it and
 * `--allow-env=LOG_TOKENS,LOG_STREAM`), nothing else.
 *
 * @module
 */

import type { Pod } from "kubernetes-types/core/v1.d.ts";
import { type AgentEndpoint, agentEndpoint, type ReadTextFile } from "./agent_endpoint.ts";
import { CLI_USAGE, type CliArgs, CliUsageError, parseCliArgs } from "./cli_args.ts";
import { podsTable } from "./pods_table.ts";

/** What the CLI uses of the world; tests pass their own. */
export interface CliIO {
  /** @default globalThis.fetch */
  fetch?: typeof fetch;
  /** Writes to stdout. @default Deno.stdout */
  stdout?: (bytes: Uint8Array) => Promise<void>;
  /** Writes to stderr. @default Deno.stderr */
  stderr?: (bytes: Uint8Array) => Promise<void>;
  /** @default Deno.readTextFile */
  readTextFile?: ReadTextFile;
  /** @default Date.now */
  now?: () => number;
}

/** A failure with its one-line message and exit code. */
class CliFailure extends Error {
  constructor(message: string, readonly code = 1) {
    super(message);
  }
}

const DEFAULT_CONTAINER_ANNOTATION = "kubectl.kubernetes.io/default-container";

const HANDLERS_OFF = "enable localDebuggingHandlers (--local-debugging-handlers) on the agent";

function writer(w: { write(p: Uint8Array): Promise<number> }) {
  return async (bytes: Uint8Array) => {
    let at = 0;
    while (at < bytes.length) at += await w.write(bytes.subarray(at));
  };
}

class Agent {
  constructor(readonly endpoint: AgentEndpoint, readonly fetch: typeof globalThis.fetch) {}

  async request(path: string, init: RequestInit = {}): Promise<Response> {
    const e = this.endpoint;
    try {
      return await this.fetch(`${e.base}${path}`, init);
    } catch (err) {
      const why = err instanceof Error ? err.message : String(err);
      throw new CliFailure(
        `cannot reach the agent on ${e.host}:${e.port} (${e.source}): ${why}; is denolet ` +
          `running with readOnlyPort ${e.port} (--read-only-port=${e.port})?`,
      );
    }
  }

  /** Throws the agent's answer as a failure unless it is 2xx. */
  async check(response: Response, what: string): Promise<Response> {
    if (response.ok) return response;
    const body = (await response.text()).trim();
    if (response.status === 405 && body === "Debug endpoints are disabled.") {
      throw new CliFailure(
        `the agent on ${this.endpoint.host}:${this.endpoint.port} does not serve ${what} on its ` +
          `read-only port: ${HANDLERS_OFF}`,
      );
    }
    if (response.status === 404 && body === "404 page not found") {
      throw new CliFailure(
        `the agent does not serve ${what} on its read-only port: ${HANDLERS_OFF}`,
      );
    }
    throw new CliFailure(`error: ${body || `HTTP ${response.status}`}`);
  }

  async pods(): Promise<Pod[]> {
    const response = await this.check(await this.request("/pods"), "/pods");
    return ((await response.json()) as { items?: Pod[] }).items ?? [];
  }
}

/** The pod the command names, with kubectl's "not found" and a hint at static pod names. */
async function findPod(agent: Agent, namespace: string, name: string): Promise<Pod> {
  const pods = await agent.pods();
  const pod = pods.find((p) => p.metadata?.namespace === namespace && p.metadata?.name === name);
  if (pod) return pod;
  const like = pods.filter((p) =>
    p.metadata?.namespace === namespace && p.metadata?.name?.startsWith(`${name}-`)
  ).map((p) => p.metadata!.name);
  const hint = like.length > 0 ? ` (static pods are named <name>-<node>: ${like.join(", ")}?)` : "";
  throw new CliFailure(`error: pod "${name}" not found in namespace "${namespace}"${hint}`);
}

async function containerOf(
  agent: Agent,
  args: CliArgs,
  namespace: string,
  stderr: (b: Uint8Array) => Promise<void>,
): Promise<string> {
  if (args.container) return args.container;
  const pod = await findPod(agent, namespace, args.pod!);
  const names = (pod.spec?.containers ?? []).map((c) => c.name);
  const annotated = pod.metadata?.annotations?.[DEFAULT_CONTAINER_ANNOTATION];
  const chosen = annotated && names.includes(annotated) ? annotated : names[0];
  if (!chosen) throw new CliFailure(`error: pod "${args.pod}" has no containers`);
  if (names.length > 1 && chosen !== annotated) {
    await stderr(
      new TextEncoder().encode(`Defaulted container "${chosen}" out of: ${names.join(", ")}\n`),
    );
  }
  return chosen;
}

function podPath(prefix: string, namespace: string, pod: string, container: string): string {
  return `${prefix}${[namespace, pod, container].map(encodeURIComponent).join("/")}`;
}

async function logs(agent: Agent, args: CliArgs, io: Required<CliIO>): Promise<number> {
  const namespace = args.namespace ?? "default";
  const container = await containerOf(agent, args, namespace, io.stderr);
  const query = new URLSearchParams();
  if (args.follow) query.set("follow", "true");
  if (args.tail !== undefined) query.set("tailLines", String(args.tail));
  if (args.previous) query.set("previous", "true");
  if (args.timestamps) query.set("timestamps", "true");
  const q = query.size > 0 ? `?${query}` : "";
  const response = await agent.check(
    await agent.request(`${podPath("/containerLogs/", namespace, args.pod!, container)}${q}`),
    "logs",
  );
  if (response.body) {
    for await (const chunk of response.body) await io.stdout(chunk);
  }
  return 0;
}

async function exec(agent: Agent, args: CliArgs, io: Required<CliIO>): Promise<number> {
  const namespace = args.namespace ?? "default";
  const container = await containerOf(agent, args, namespace, io.stderr);
  const query = new URLSearchParams(args.cmd.map((c) => ["command", c]));
  const response = await agent.request(
    `${podPath("/run/", namespace, args.pod!, container)}?${query}`,
    { method: "POST" },
  );
  if (response.ok) {
    await io.stdout(new Uint8Array(await response.arrayBuffer()));
    return 0;
  }
  if (response.status === 500) {
    const body = await response.text();
    const prefix = `command '${args.cmd.join(" ")}' exited with `;
    const m = body.startsWith(prefix) ? /^(\d+): ([\s\S]*)$/.exec(body.slice(prefix.length)) : null;
    if (m) {
      await io.stderr(new TextEncoder().encode(m[2]));
      return Number(m[1]) || 1;
    }
    throw new CliFailure(`error: ${body.trim()}`);
  }
  await agent.check(response, "exec (/run)");
  return 1;
}

/**
 * Runs `denolet <args>` (args[0] is `pods`, `logs` or `exec`); resolves with
 * the exit code. Never throws for bad input or an unreachable agent: those
 * are one line on stderr and exit 1.
 */
export async function runCli(args: readonly string[], io: CliIO = {}): Promise<number> {
  const full: Required<CliIO> = {
    fetch: io.fetch ?? globalThis.fetch,
    stdout: io.stdout ?? writer(Deno.stdout),
    stderr: io.stderr ?? writer(Deno.stderr),
    readTextFile: io.readTextFile ?? Deno.readTextFile,
    now: io.now ?? Date.now,
  };
  const say = (text: string) => full.stderr(new TextEncoder().encode(text));
  try {
    const parsed = parseCliArgs(args);
    if (parsed.help) {
      await full.stdout(new TextEncoder().encode(CLI_USAGE));
      return 0;
    }
    const agent = new Agent(await agentEndpoint(parsed, full.readTextFile), full.fetch);
    switch (parsed.command) {
      case "pods": {
        const all = await agent.pods();
        const pods = parsed.namespace === undefined
          ? all
          : all.filter((p) => p.metadata?.namespace === parsed.namespace);
        await full.stdout(
          new TextEncoder().encode(podsTable(pods, full.now(), parsed.namespace)),
        );
        return 0;
      }
      case "logs":
        return await logs(agent, parsed, full);
      case "exec":
        return await exec(agent, parsed, full);
    }
  } catch (e) {
    if (e instanceof CliUsageError) {
      await say(`denolet ${args[0] ?? ""}: ${e.message}\n${CLI_USAGE}`);
      return 1;
    }
    if (e instanceof CliFailure) {
      await say(`${e.message}\n`);
      return e.code;
    }
    throw e;
  }
}
