/**
 * The RuntimeService RPCs of the fake runtime that do not change the
 * sandbox/container state machine: Version, Status, UpdateRuntimeConfig,
 * ExecSync and the streaming URLs (served by streaming_server.ts), resource
 * updates, stats, checkpoints and metrics. Holds the settable runtime
 * conditions and the exec handler.
 *
 * @module
 */

import { status } from "@grpc/grpc-js";
import type { Clock } from "../../util/clock.ts";
import type { RuntimeCondition__Output } from "../generated/runtime/v1/RuntimeCondition.ts";
import type { ServedRequest as Req, ServedResponse as Res } from "../types.ts";
import { nanos, notFound, RpcError, type ServedHandlers, verboseInfo } from "./_util.ts";
import type { ContainerStore, FakeContainer } from "./container_store.ts";
import { createLogFile } from "./container_log.ts";
import type { FakeStreamingServer, StreamKind } from "./streaming_server.ts";
import { defaultExecHandler, type ExecHandler, runExec } from "./exec_handler.ts";
import type { SandboxStore } from "./sandbox_store.ts";
import { containerStats, type FakeContainerUsage, podSandboxStats } from "./_stats.ts";
import { errText } from "../../util/err_text.ts";

/** The RPCs {@linkcode FakeRuntimeExtras} answers, by uncapitalised RPC name. */
export type ExtraMethod =
  | "Version"
  | "Status"
  | "UpdateRuntimeConfig"
  | "UpdateContainerResources"
  | "ReopenContainerLog"
  | "ExecSync"
  | "Exec"
  | "Attach"
  | "PortForward"
  | "ContainerStats"
  | "ListContainerStats"
  | "PodSandboxStats"
  | "ListPodSandboxStats"
  | "CheckpointContainer"
  | "ListMetricDescriptors"
  | "ListPodSandboxMetrics";

/** Handlers of the {@linkcode ExtraMethod} RPCs. */
export type RuntimeExtraHandlers = ServedHandlers<ExtraMethod>;

/** What {@linkcode FakeRuntimeExtras} reads: the runtime service's stores and clock. */
export interface FakeRuntimeExtrasOptions {
  clock: Clock;
  sandboxes: SandboxStore;
  containers: ContainerStore;
  /** Runtime handlers Status lists, the default "" first. */
  runtimeHandlers: string[];
  /** The server the Exec, Attach and PortForward URLs point at. */
  streaming: FakeStreamingServer;
}

type ConditionType = "RuntimeReady" | "NetworkReady";

/** Version, Status, exec, stats and the other non-lifecycle RPCs of the fake. */
export class FakeRuntimeExtras implements RuntimeExtraHandlers {
  readonly #o: FakeRuntimeExtrasOptions;
  #exec: ExecHandler = defaultExecHandler;
  #podCidr = "";
  #usage = new Map<string, FakeContainerUsage | null>();
  #conditions: Record<ConditionType, RuntimeCondition__Output> = {
    RuntimeReady: { type: "RuntimeReady", status: true, reason: "", message: "" },
    NetworkReady: { type: "NetworkReady", status: true, reason: "", message: "" },
  };

  constructor(options: FakeRuntimeExtrasOptions) {
    this.#o = options;
  }

  /** Replaces the ExecSync handler (undefined restores the default). */
  setExecHandler(handler: ExecHandler | undefined): void {
    this.#exec = handler ?? defaultExecHandler;
  }

  /**
   * Sets the numbers the stats RPCs report for container `id`; `null` leaves
   * the container out of ListContainerStats (a runtime that has no stats for it).
   */
  setContainerStats(id: string, usage: FakeContainerUsage | null): void {
    this.#usage.set(id, usage);
  }

  /** Sets a condition Status reports. */
  setCondition(type: ConditionType, ready: boolean, reason = "", message = ""): void {
    this.#conditions[type] = { type, status: ready, reason, message };
  }

  /** The pod CIDR last set through UpdateRuntimeConfig. */
  get podCidr(): string {
    return this.#podCidr;
  }

  #now(): number {
    return nanos(this.#o.clock.now());
  }

  /** The running container `id`, with containerd's errors (`prefix` as ExecSync adds it). */
  #running(id: string, prefix = ""): FakeContainer {
    const c = this.#o.containers.find(id);
    if (!c) {
      throw new RpcError(
        status.NOT_FOUND,
        `${prefix}failed to find container "${id}" in store: not found`,
      );
    }
    if (c.state !== "CONTAINER_RUNNING") {
      throw new RpcError(status.UNKNOWN, `${prefix}container is in ${c.state} state`);
    }
    return c;
  }

  #url(kind: StreamKind): string {
    try {
      return this.#o.streaming.url(kind);
    } catch (e) {
      const reason = errText(e);
      throw new RpcError(status.UNKNOWN, `the fake streaming server cannot serve: ${reason}`);
    }
  }

  /** containerd's check of an exec or attach request's streams (their wordings differ). */
  #checkStreams(
    r: { stdin?: boolean; stdout?: boolean; stderr?: boolean; tty?: boolean },
    list: "stdin, stdout, or stderr" | "stdin, stdout, and stderr",
  ): void {
    if (r.tty && r.stderr) {
      throw new RpcError(status.INVALID_ARGUMENT, "tty and stderr cannot both be true");
    }
    if (!r.stdin && !r.stdout && !r.stderr) {
      throw new RpcError(status.INVALID_ARGUMENT, `one of ${list} must be set`);
    }
  }

  version(): Promise<Res<"Version">> {
    return Promise.resolve({
      version: "0.1.0",
      runtimeName: "fake-runtime",
      runtimeVersion: "0.1.0",
      runtimeApiVersion: "v1",
    });
  }

  status(request: Req<"Status">): Promise<Res<"Status">> {
    const { RuntimeReady, NetworkReady } = this.#conditions;
    return Promise.resolve({
      status: { conditions: [{ ...RuntimeReady }, { ...NetworkReady }] },
      info: verboseInfo(request.verbose, { runtimeHandlers: this.#o.runtimeHandlers }),
      runtimeHandlers: this.#o.runtimeHandlers.map((name) => ({
        name,
        features: { recursiveReadOnlyMounts: false, userNamespaces: false },
      })),
      features: { supplementalGroupsPolicy: false, userNamespacesHostNetwork: false },
    });
  }

  updateRuntimeConfig(request: Req<"UpdateRuntimeConfig">): Promise<Res<"UpdateRuntimeConfig">> {
    this.#podCidr = request.runtimeConfig?.networkConfig?.podCidr ?? "";
    return Promise.resolve({});
  }

  updateContainerResources(
    request: Req<"UpdateContainerResources">,
  ): Promise<Res<"UpdateContainerResources">> {
    const c = this.#o.containers.get(request.containerId);
    if (request.linux) c.resources = { ...request.linux };
    return Promise.resolve({});
  }

  reopenContainerLog(request: Req<"ReopenContainerLog">): Promise<Res<"ReopenContainerLog">> {
    const c = this.#o.containers.get(request.containerId);
    if (c.state !== "CONTAINER_RUNNING") {
      throw new RpcError(status.UNKNOWN, "container is not running");
    }
    // The kubelet renamed the file to rotate it: the process writes to a new one.
    if (c.logPath) createLogFile(c.logPath);
    return Promise.resolve({});
  }

  execSync(request: Req<"ExecSync">): Promise<Res<"ExecSync">> {
    const c = this.#running(request.containerId, "failed to exec in container: ");
    return runExec(this.#exec, {
      container: c,
      cmd: request.cmd,
      timeoutSeconds: request.timeout,
      clock: this.#o.clock,
    });
  }

  exec(request: Req<"Exec">): Promise<Res<"Exec">> {
    this.#running(request.containerId);
    this.#checkStreams(request, "stdin, stdout, or stderr");
    return Promise.resolve({ url: this.#url("exec") });
  }

  attach(request: Req<"Attach">): Promise<Res<"Attach">> {
    this.#running(request.containerId);
    this.#checkStreams(request, "stdin, stdout, and stderr");
    return Promise.resolve({ url: this.#url("attach") });
  }

  portForward(request: Req<"PortForward">): Promise<Res<"PortForward">> {
    const s = this.#o.sandboxes.find(request.podSandboxId);
    if (!s) {
      throw new RpcError(
        status.NOT_FOUND,
        `failed to find sandbox "${request.podSandboxId}": not found`,
      );
    }
    if (s.state !== "SANDBOX_READY") {
      throw new RpcError(status.UNKNOWN, "sandbox container is not running");
    }
    return Promise.resolve({ url: this.#url("portforward") });
  }

  containerStats(request: Req<"ContainerStats">): Promise<Res<"ContainerStats">> {
    const c = this.#o.containers.get(request.containerId);
    return Promise.resolve({
      stats: containerStats(c, this.#now(), this.#usage.get(c.id) ?? undefined),
    });
  }

  listContainerStats(request: Req<"ListContainerStats">): Promise<Res<"ListContainerStats">> {
    const f = request.filter;
    const list = this.#o.containers.list({
      id: f?.id,
      podSandboxId: f?.podSandboxId,
      labelSelector: f?.labelSelector,
    }).filter((c) => c.state === "CONTAINER_RUNNING" && this.#usage.get(c.id) !== null);
    return Promise.resolve({
      stats: list.map((c) => containerStats(c, this.#now(), this.#usage.get(c.id) ?? undefined)),
    });
  }

  podSandboxStats(request: Req<"PodSandboxStats">): Promise<Res<"PodSandboxStats">> {
    const s = this.#o.sandboxes.get(request.podSandboxId);
    const cs = this.#o.containers.inSandbox(s.id);
    return Promise.resolve({ stats: podSandboxStats(s, cs, this.#now()) });
  }

  listPodSandboxStats(request: Req<"ListPodSandboxStats">): Promise<Res<"ListPodSandboxStats">> {
    const list = this.#o.sandboxes.list({
      id: request.filter?.id,
      labelSelector: request.filter?.labelSelector,
    }).filter((s) => s.state === "SANDBOX_READY");
    const now = this.#now();
    return Promise.resolve({
      stats: list.map((s) => podSandboxStats(s, this.#o.containers.inSandbox(s.id), now)),
    });
  }

  checkpointContainer(request: Req<"CheckpointContainer">): Promise<Res<"CheckpointContainer">> {
    if (!this.#o.containers.find(request.containerId)) {
      throw notFound("container", request.containerId);
    }
    return Promise.resolve({});
  }

  listMetricDescriptors(): Promise<Res<"ListMetricDescriptors">> {
    return Promise.resolve({ descriptors: [] });
  }

  listPodSandboxMetrics(): Promise<Res<"ListPodSandboxMetrics">> {
    return Promise.resolve({ podMetrics: [] });
  }
}
