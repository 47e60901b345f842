/**
 * The fake CRI RuntimeService: sandboxes and containers kept in memory with
 * containerd's state machine and error wording, and container events for
 * every subscriber. The other RPCs live in {@linkcode FakeRuntimeExtras}.
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
import { RealClock } from "../../util/clock.ts";
import type { Clock } from "../../util/clock.ts";
import type { RuntimeServiceMethod, RuntimeServiceMethods } from "../types.ts";
import { RpcError, verboseInfo } from "./_util.ts";
import { type ContainerEventListener, RuntimeState } from "./_runtime_state.ts";
import {
  type FakeContainer,
  markExited,
  markStarted,
  toContainer,
  toContainerStatus,
} from "./container_store.ts";
import type { ContainerScript } from "./container_script.ts";
import { type LogStream, startLogError } from "./container_log.ts";
import { processPlan } from "./container_process.ts";
import type { ExecHandler } from "./exec_handler.ts";
import { type ExtraMethod, FakeRuntimeExtras } from "./fake_runtime_extras.ts";
import { FakeImageService } from "./fake_image_service.ts";
import { type FakeSandbox, toPodSandbox, toPodSandboxStatus } from "./sandbox_store.ts";
import { checkContainerSecurity, checkSandboxSecurity } from "./security_checks.ts";

type M = RuntimeServiceMethods;
type Lifecycle = Exclude<RuntimeServiceMethod, "GetContainerEvents" | ExtraMethod>;

/** Handlers of the sandbox and container lifecycle RPCs, by uncapitalised RPC name. */
export type RuntimeLifecycleHandlers = {
  [K in Lifecycle as Uncapitalize<K>]: (request: M[K][0]) => Promise<M[K][1]>;
};

export type { ContainerEventListener } from "./_runtime_state.ts";

/** Options for {@linkcode FakeRuntimeService}. */
export interface FakeRuntimeServiceOptions {
  /** Clock for timestamps, scripted exits and exec timeouts. @default new RealClock() */
  clock?: Clock;
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
export class FakeRuntimeService implements RuntimeLifecycleHandlers {
  /** The image service containers resolve their images in. */
  readonly images: FakeImageService;
  /** Version, Status, exec, stats and the other RPCs outside the state machine. */
  readonly extras: FakeRuntimeExtras;
  readonly #st: RuntimeState;

  constructor(options: FakeRuntimeServiceOptions = {}) {
    const clock = options.clock ?? new RealClock();
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

  runPodSandbox(request: M["RunPodSandbox"][0]): Promise<M["RunPodSandbox"][1]> {
    const handler = request.runtimeHandler ?? "";
    if (!this.#st.handlers.includes(handler)) {
      throw new RpcError(GRPC_UNKNOWN, `no runtime for "${handler}" is configured`);
    }
    checkSandboxSecurity(request.config);
    const s = this.#st.sandboxes.add(request.config, handler, this.#st.now());
    this.#st.emit(s.id, s, "CONTAINER_CREATED_EVENT");
    this.#st.emit(s.id, s, "CONTAINER_STARTED_EVENT");
    return Promise.resolve({ podSandboxId: s.id });
  }

  stopPodSandbox(request: M["StopPodSandbox"][0]): Promise<M["StopPodSandbox"][1]> {
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

  removePodSandbox(request: M["RemovePodSandbox"][0]): Promise<M["RemovePodSandbox"][1]> {
    const s = this.#st.sandboxes.find(request.podSandboxId);
    if (!s) return Promise.resolve({}); // containerd: removing a missing sandbox succeeds
    for (const c of this.#st.containers.inSandbox(s.id)) this.#removeContainer(c, s);
    s.state = "SANDBOX_NOTREADY";
    this.#st.sandboxes.delete(s.id);
    this.#st.emit(s.id, s, "CONTAINER_DELETED_EVENT");
    return Promise.resolve({});
  }

  podSandboxStatus(request: M["PodSandboxStatus"][0]): Promise<M["PodSandboxStatus"][1]> {
    const s = this.#st.sandboxes.get(request.podSandboxId);
    return Promise.resolve({
      status: toPodSandboxStatus(s),
      info: verboseInfo(request.verbose, { pid: 1, runtimeHandler: s.runtimeHandler }),
      containersStatuses: this.#st.containers.inSandbox(s.id).map(toContainerStatus),
      timestamp: this.#st.now(),
    });
  }

  listPodSandbox(request: M["ListPodSandbox"][0]): Promise<M["ListPodSandbox"][1]> {
    return Promise.resolve({ items: this.#st.sandboxes.list(request.filter).map(toPodSandbox) });
  }

  createContainer(request: M["CreateContainer"][0]): Promise<M["CreateContainer"][1]> {
    const s = this.#st.sandboxes.find(request.podSandboxId);
    if (!s) {
      throw new RpcError(
        status.NOT_FOUND,
        `failed to find sandbox id "${request.podSandboxId}": not found`,
      );
    }
    if (s.state !== "SANDBOX_READY") {
      throw new RpcError(GRPC_UNKNOWN, `sandbox container "${s.id}" is not running`);
    }
    const script = this.#st.scriptFor({ config: request.config, podSandboxId: s.id }, s);
    if (script?.failCreate !== undefined) throw new RpcError(GRPC_UNKNOWN, script.failCreate);
    const ref = request.config?.image?.image ?? "";
    const image = this.images.resolve(ref);
    if (!image) {
      throw new RpcError(status.NOT_FOUND, `failed to resolve image "${ref}": not found`);
    }
    checkContainerSecurity(request.config);
    const c = this.#st.containers.add(s, request.config, {
      image: { image: image.repoTags[0] ?? ref, annotations: {} },
      imageRef: image.repoDigests[0] ?? image.id,
      imageId: image.id,
    }, this.#st.now());
    this.#st.emit(c.id, s, "CONTAINER_CREATED_EVENT");
    return Promise.resolve({ containerId: c.id });
  }

  startContainer(request: M["StartContainer"][0]): Promise<M["StartContainer"][1]> {
    const c = this.#st.containers.get(request.containerId);
    if (c.state !== "CONTAINER_CREATED") {
      throw new RpcError(
        GRPC_UNKNOWN,
        `failed to set starting state for container "${c.id}": container is in ${c.state} state`,
      );
    }
    const s = this.#st.sandboxes.get(c.podSandboxId);
    if (s.state !== "SANDBOX_READY") {
      throw new RpcError(GRPC_UNKNOWN, `sandbox container "${s.id}" is not running`);
    }
    const script = this.#st.scriptFor(c, s);
    if (script?.neverStart) return Promise.resolve({});
    const failure = script?.failStart ?? startLogError(c.logPath);
    if (failure !== undefined) {
      markExited(c, { now: this.#st.now(), exitCode: 128, reason: "StartError", message: failure });
      this.#st.emit(c.id, s, "CONTAINER_STOPPED_EVENT");
      throw new RpcError(GRPC_UNKNOWN, failure);
    }
    markStarted(c, this.#st.now());
    this.#st.emit(c.id, s, "CONTAINER_STARTED_EVENT");
    this.#st.processes.start(c, processPlan(c, script, this.images.configOf(c.imageId)));
    return Promise.resolve({});
  }

  stopContainer(request: M["StopContainer"][0]): Promise<M["StopContainer"][1]> {
    const c = this.#st.containers.get(request.containerId);
    if (c.state === "CONTAINER_RUNNING") {
      const s = this.#st.sandboxes.find(c.podSandboxId);
      const script = s ? this.#st.scriptFor(c, s) : undefined;
      this.#st.exitNow(c, script?.stopExitCode ?? (request.timeout ? 0 : 137));
    }
    return Promise.resolve({});
  }

  #removeContainer(c: FakeContainer, s: FakeSandbox | undefined): void {
    if (c.state === "CONTAINER_RUNNING") this.#st.exitNow(c, 137);
    this.#st.containers.delete(c.id);
    if (s) this.#st.emit(c.id, s, "CONTAINER_DELETED_EVENT");
  }

  removeContainer(request: M["RemoveContainer"][0]): Promise<M["RemoveContainer"][1]> {
    const c = this.#st.containers.find(request.containerId);
    // containerd: removing a missing container succeeds; a running one is killed first.
    if (c) this.#removeContainer(c, this.#st.sandboxes.find(c.podSandboxId));
    return Promise.resolve({});
  }

  listContainers(request: M["ListContainers"][0]): Promise<M["ListContainers"][1]> {
    return Promise.resolve({
      containers: this.#st.containers.list(request.filter).map(toContainer),
    });
  }

  containerStatus(request: M["ContainerStatus"][0]): Promise<M["ContainerStatus"][1]> {
    const c = this.#st.containers.get(request.containerId);
    const info = verboseInfo(request.verbose, { sandboxID: c.podSandboxId });
    return Promise.resolve({ status: toContainerStatus(c), info });
  }
}
