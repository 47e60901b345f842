/**
 * The target a CRI contract case runs against, and the helpers the cases
 * share (sandbox and container configs, waiting for a state, reading CRI logs).
 *
 * @module
 */

import type { ImageService, RuntimeService } from "../../../src/cri/service.ts";
import type { ContainerConfig, PodSandboxConfig } from "../../../src/cri/types.ts";

/** Images the target's registry serves (the fake publishes the same set). */
export interface ContractRegistry {
  /** One image (config without User) under three tags of one repository. */
  multiTag: { tagRefs: [string, string, string]; digestRef: string };
  /** An image whose config has `User: "65534:65534"`. */
  numericUser: string;
  /** An image whose config has `User: "daemon"`. */
  namedUser: string;
}

/** What a contract case runs against. */
export interface CriContractTarget {
  runtime: RuntimeService;
  images: ImageService;
  /**
   * An image on the node whose containers have busybox's `sh`, `sleep`,
   * `echo`, `true` and `false`, and whose default command is `sleep 3600`.
   */
  runImage: string;
  registry: ContractRegistry;
  /** A directory that does not exist yet, under which the case puts pod logs. */
  logRoot: string;
  /** Lets `ms` of the target's time pass (fake: steps its clock; containerd: sleeps). */
  elapse(ms: number): Promise<void>;
  /** Removes what the case left (sandboxes, containers) and closes the clients. */
  cleanup(): Promise<void>;
}

/** Makes a fresh target for one case. */
export type CriContractFactory = () => Promise<CriContractTarget>;

/** One case of the contract. */
export interface CriContractCase {
  name: string;
  fn(target: CriContractTarget): Promise<void>;
}

/**
 * Checks `check` until it returns a value other than undefined, letting 50 ms
 * of target time pass between tries (at most `limitMs` of it); fails naming
 * `what`.
 */
export async function waitFor<T>(
  target: CriContractTarget,
  what: string | (() => string),
  check: () => Promise<T | undefined>,
  limitMs = 10_000,
): Promise<T> {
  for (let waited = 0; waited <= limitMs; waited += 50) {
    const value = await check();
    if (value !== undefined) return value;
    await target.elapse(50);
  }
  const about = typeof what === "string" ? what : what();
  throw new Error(`Timed out after ${limitMs} ms of target time waiting for ${about}`);
}

/** A host-network sandbox config with fresh metadata and its log directory under logRoot. */
export function sandboxConfig(target: CriContractTarget, name: string): PodSandboxConfig {
  const uid = crypto.randomUUID();
  return {
    metadata: { name, uid, namespace: "contract", attempt: 0 },
    logDirectory: `${target.logRoot}/contract_${name}_${uid}`,
    labels: { "io.kubernetes.pod.name": name, "denolet.test/contract": "yes" },
    linux: { securityContext: { namespaceOptions: { network: "NODE" } } },
  };
}

/** A container config running `command` (the image's default when omitted). */
export function containerConfig(
  target: CriContractTarget,
  name: string,
  command?: string[],
  extra: Partial<ContainerConfig> = {},
): ContainerConfig {
  return {
    metadata: { name, attempt: 0 },
    image: { image: target.runImage },
    ...(command ? { command } : {}),
    logPath: `${name}/0.log`,
    labels: { "io.kubernetes.container.name": name },
    ...extra,
  };
}

/** Runs a sandbox; returns its id and config. */
export async function runSandbox(
  target: CriContractTarget,
  name: string,
): Promise<{ id: string; config: PodSandboxConfig }> {
  const config = sandboxConfig(target, name);
  return { id: await target.runtime.runPodSandbox(config), config };
}

/** Creates and starts a container in a sandbox; returns its id. */
export async function runContainer(
  target: CriContractTarget,
  sandbox: { id: string; config: PodSandboxConfig },
  config: ContainerConfig,
): Promise<string> {
  const id = await target.runtime.createContainer({
    podSandboxId: sandbox.id,
    config,
    sandboxConfig: sandbox.config,
  });
  await target.runtime.startContainer(id);
  return id;
}

/** Waits until the container has exited; returns its status. */
export function waitExited(target: CriContractTarget, id: string, limitMs?: number) {
  let state = "";
  return waitFor(target, () => `container ${id.slice(0, 12)} to exit (was ${state})`, async () => {
    const { status } = await target.runtime.containerStatus(id);
    state = status.state;
    return status.state === "CONTAINER_EXITED" ? status : undefined;
  }, limitMs);
}

/** Stops and removes every sandbox the contract created (label `denolet.test/contract`). */
export async function removeContractSandboxes(runtime: RuntimeService): Promise<void> {
  const sandboxes = await runtime.listPodSandbox({
    labelSelector: { "denolet.test/contract": "yes" },
  });
  for (const s of sandboxes) {
    await runtime.stopPodSandbox(s.id).catch(() => {});
    await runtime.removePodSandbox(s.id).catch(() => {});
  }
}

/** The lines of a CRI log file as `[stream, tag, text]`, checking the timestamp format. */
export function parseCriLog(text: string): [string, string, string][] {
  return text.split("\n").filter((l) => l !== "").map((line) => {
    const m = line.match(
      /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d{1,9})?(?:Z|[+-]\d\d:\d\d)) (stdout|stderr) ([FP]) (.*)$/,
    );
    if (!m) throw new Error(`Not a CRI log line: ${JSON.stringify(line)}`);
    return [m[2], m[3], m[4]];
  });
}
