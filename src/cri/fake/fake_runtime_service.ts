/**
 * The fake CRI RuntimeService: sandboxes and containers kept in memory with
 * containerd's state machine and error wording, and container events for
 * every subscriber. This class holds the test API and the sandbox RPCs; the
 * container RPCs are in _container_rpcs.ts and the RPCs outside the state
 * machine in {@linkcode FakeRuntimeExtras}, all on one shared state
 * (_runtime_state.ts).
 *
 * Nothing runs, but a container behaves like its process would, on the
 * injected clock: a script decides when one is given (container_script.ts),
 * else its command line does (command_plan.ts: `sh -c "exit 3"` exits 3 at
 * once, `sleep 5` after 5 s, a server keeps running). StartContainer creates
 * the CRI log file at the container's log path and the process prints into
 * it (container_log.ts). The settings containerd refuses are refused with
 * its words (security_checks.ts). The contract suite in tests/cri/contract/
 * holds all of this to what containerd does.
 *
 * Events follow containerd 1.7+: every container change sends one event with
 * the pod's sandbox status and the statuses of all its containers, and the
 * sandbox itself sends CREATED and STARTED on RunPodSandbox, STOPPED when it
 * stops, and DELETED on removal, with the sandbox id as `containerId`.
 *
 * @module
 */

import { status } from "@grpc/grpc-js";
import type { Clock } from "../../util/clock.ts";
import type { ServedRequest as Req, ServedResponse as Res } from "../types.ts";
import { FakeContainerRpcs } from "./_container_rpcs.ts";
import { RpcError, type ServedHandlers, verboseInfo } from "./_util.ts";
import { type ContainerEventListener, RuntimeState } from "./_runtime_state.ts";
import { type FakeContainer, toContainerStatus } from "./container_store.ts";
import type { ContainerScript } from "./container_script.ts";
import type { LogStream } from "./container_log.ts";
import type { ExecHandler } from "./exec_handler.ts";
import { FakeRuntimeExtras } from "./fake_runtime_extras.ts";
import type { FakeContainerUsage } from "./_stats.ts";
import { FakeImageService } from "./fake_image_service.ts";
import { type FakeSandbox, podSandboxListView, toPodSandboxStatus } from "./sandbox_store.ts";
import { checkSandboxSecurity } from "./security_checks.ts";

/** The RPCs {@linkcode FakeRuntimeService} answers itself. */
export type SandboxMethod =
  | "RunPodSandbox"
  | "StopPodSandbox"
  | "RemovePodSandbox"
  | "PodSandboxStatus"
  | "ListPodSandbox";

export type { ContainerEventListener } from "./_runtime_state.ts";

/** Options for {@linkcode FakeRuntimeService}. */
export interface FakeRuntimeServiceOptions {
  /** Clock for timestamps, scripted exits and exec timeouts. */
  clock: Clock;
  /** Image service the containers' images are resolved in. @default new FakeImageService({ clock }) */
  images?: FakeImageService;
  /** Runtime handlers (RuntimeClass handlers) besides the default "". @default [] */
  runtimeHandlers?: string[];
}

/** Options for {@linkcode FakeRuntimeService.exitContainer}. */
export interface ExitContainerOptions {
  /** @default "Completed" for exit code 0, else "Error" */
  reason?: string;
  /** @default "" */
  message?: string;
  /** Printed on stdout just before the exit. */
  stdout?: string;
  /** Printed on stderr just before the exit. */
  stderr?: string;
}

const GRPC_UNKNOWN = status.UNKNOWN;

/** In-memory RuntimeService served by the fake runtime. */
export class FakeRuntimeService implements ServedHandlers<SandboxMethod> {
  /** The image service containers resolve their images in. */
  readonly images: FakeImageService;
  /** Version, Status, exec, stats and the other RPCs outside the state machine. */
  readonly extras: FakeRuntimeExtras;
  readonly #st: RuntimeState;
  readonly #containerRpcs: FakeContainerRpcs;

  constructor(options: FakeRuntimeServiceOptions) {
    const clock = options.clock;
    this.images = options.images ?? new FakeImageService({ clock });
    this.#st = new RuntimeState({
      clock,
      images: this.images,
      handlers: ["", ...(options.runtimeHandlers ?? [])],
    });
    this.extras = new FakeRuntimeExtras({
      clock,
      sandboxes: this.#st.sandboxes,
      containers: this.#st.containers,
      runtimeHandlers: this.#st.handlers,
      streaming: this.#st.streaming,
    });
    this.#containerRpcs = new FakeContainerRpcs(this.#st);
  }

  /** The objects whose methods answer the RuntimeService RPCs (the server routes to them). */
  get rpcHandlers(): object[] {
    return [this, this.#containerRpcs, this.extras];
  }

  // ---------------------------------------------------------------- test API

  /** Adds a container script; the latest matching script wins. Returns a remover. */
  script(script: ContainerScript): () => void {
    this.#st.scripts.push(script);
    return () => {
      this.#st.scripts = this.#st.scripts.filter((s) => s !== script);
    };
  }

  /** Removes every container script. */
  clearScripts(): void {
    this.#st.scripts = [];
  }

  /** Replaces the ExecSync handler (undefined restores the default). */
  setExecHandler(handler: ExecHandler | undefined): void {
    this.extras.setExecHandler(handler);
  }

  /** Sets the numbers the stats RPCs report for a container (`null`: none listed). */
  setContainerStats(id: string, usage: FakeContainerUsage | null): void {
    this.extras.setContainerStats(id, usage);
  }

  /** Sets the RuntimeReady condition Status reports. */
  setRuntimeReady(ready: boolean, reason = "", message = ""): void {
    this.extras.setCondition("RuntimeReady", ready, reason, message);
  }

  /** Sets the NetworkReady condition Status reports. */
  setNetworkReady(ready: boolean, reason = "", message = ""): void {
    this.extras.setCondition("NetworkReady", ready, reason, message);
  }

  /** Makes a running container exit now, as if its process ended. */
  exitContainer(id: string, exitCode: number, options: ExitContainerOptions = {}): void {
    const c = this.#st.containers.get(id);
    if (c.state !== "CONTAINER_RUNNING") {
      throw new RangeError(`Cannot exit container '${id}': it is ${c.state}`);
    }
    if (options.stdout) this.#st.processes.print(c, "stdout", options.stdout);
    if (options.stderr) this.#st.processes.print(c, "stderr", options.stderr);
    this.#st.exitNow(c, exitCode, options.reason, options.message);
  }

  /** Makes a running container print `text` (CRI log lines in its log file). */
  writeOutput(id: string, text: string, stream: LogStream = "stdout"): void {
    const c = this.#st.containers.get(id);
    if (c.state !== "CONTAINER_RUNNING") {
      throw new RangeError(`Cannot write output of container '${id}': it is ${c.state}`);
    }
    this.#st.processes.print(c, stream, text);
  }

  /** Makes a sandbox NOTREADY, as if its sandbox process died (containers keep running). */
  setSandboxNotReady(id: string): void {
    const s = this.#st.sandboxes.get(id);
    s.state = "SANDBOX_NOTREADY";
    this.#st.emit(s.id, s, "CONTAINER_STOPPED_EVENT");
  }

  /** A sandbox record (live, not a copy), or undefined. */
  getSandbox(id: string): FakeSandbox | undefined {
    return this.#st.sandboxes.find(id);
  }

  /** A container record (live, not a copy), or undefined. */
  getContainer(id: string): FakeContainer | undefined {
    return this.#st.containers.find(id);
  }

  /** Every sandbox record. */
  sandboxes(): FakeSandbox[] {
    return this.#st.sandboxes.all();
  }

  /** Every container record. */
  containers(): FakeContainer[] {
    return this.#st.containers.all();
  }

  /** Subscribes to container events; returns the unsubscribe function. */
  subscribe(listener: ContainerEventListener): () => void {
    this.#st.listeners.add(listener);
    return () => this.#st.listeners.delete(listener);
  }

  /** Number of current event subscribers (GetContainerEvents streams included). */
  get subscriberCount(): number {
    return this.#st.listeners.size;
  }

  /** Cancels scripted exits and stops the streaming server (the server calls this on stop). */
  close(): Promise<void> {
    return this.#st.close();
  }

  // ---------------------------------------------------------------- RPCs

  runPodSandbox(request: Req<"RunPodSandbox">): Promise<Res<"RunPodSandbox">> {
    const handler = request.runtimeHandler;
    if (!this.#st.handlers.includes(handler)) {
      throw new RpcError(GRPC_UNKNOWN, `no runtime for "${handler}" is configured`);
    }
    const config = request.config;
    // containerd reads the metadata through nil-safe getters: no config, no metadata.
    if (!config) {
      throw new RpcError(status.INVALID_ARGUMENT, "sandbox config must include metadata");
    }
    checkSandboxSecurity(config);
    const s = this.#st.sandboxes.add(config, handler, this.#st.now());
    this.#st.emit(s.id, s, "CONTAINER_CREATED_EVENT");
    this.#st.emit(s.id, s, "CONTAINER_STARTED_EVENT");
    return Promise.resolve({ podSandboxId: s.id });
  }

  stopPodSandbox(request: Req<"StopPodSandbox">): Promise<Res<"StopPodSandbox">> {
    const s = this.#st.sandboxes.get(request.podSandboxId);
    for (const c of this.#st.containers.inSandbox(s.id)) {
      if (c.state === "CONTAINER_RUNNING") this.#st.exitNow(c, 137);
    }
    if (s.state === "SANDBOX_READY") {
      s.state = "SANDBOX_NOTREADY";
      this.#st.emit(s.id, s, "CONTAINER_STOPPED_EVENT");
    }
    return Promise.resolve({});
  }

  removePodSandbox(request: Req<"RemovePodSandbox">): Promise<Res<"RemovePodSandbox">> {
    const s = this.#st.sandboxes.find(request.podSandboxId);
    if (!s) return Promise.resolve({}); // containerd: removing a missing sandbox succeeds
    for (const c of this.#st.containers.inSandbox(s.id)) this.#st.removeContainer(c, s);
    s.state = "SANDBOX_NOTREADY";
    this.#st.sandboxes.delete(s.id);
    this.#st.emit(s.id, s, "CONTAINER_DELETED_EVENT");
    return Promise.resolve({});
  }

  podSandboxStatus(request: Req<"PodSandboxStatus">): Promise<Res<"PodSandboxStatus">> {
    const s = this.#st.sandboxes.get(request.podSandboxId);
    return Promise.resolve({
      status: toPodSandboxStatus(s),
      info: verboseInfo(request.verbose, { pid: 1, runtimeHandler: s.runtimeHandler }),
      containersStatuses: this.#st.containers.inSandbox(s.id).map(toContainerStatus),
      timestamp: this.#st.now(),
    });
  }

  listPodSandbox(request: Req<"ListPodSandbox">): Promise<Res<"ListPodSandbox">> {
    return Promise.resolve({
      items: this.#st.sandboxes.list(request.filter).map(podSandboxListView),
    });
  }
}
