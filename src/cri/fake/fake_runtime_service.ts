/**
 * The fake CRI RuntimeService: sandboxes and containers kept in memory with
 * containerd's state machine and error wording, scripted container
 * behaviour driven by an injected clock, and container events for every
 * subscriber. The other RPCs live in {@linkcode FakeRuntimeExtras}.
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
import { RealClock } from "../../util/clock.ts";
import type {
  ContainerEventResponse,
  ContainerEventType,
  RuntimeServiceMethod,
  RuntimeServiceMethods,
} from "../types.ts";
import { nanos, RpcError, verboseInfo } from "./_util.ts";
import {
  ContainerStore,
  type FakeContainer,
  markExited,
  markStarted,
  toContainer,
  toContainerStatus,
} from "./container_store.ts";
import { type ContainerScript, findScript } from "./container_script.ts";
import type { ExecHandler } from "./exec_handler.ts";
import { type ExtraMethod, FakeRuntimeExtras } from "./fake_runtime_extras.ts";
import { FakeImageService } from "./fake_image_service.ts";
import {
  type FakeSandbox,
  SandboxStore,
  toPodSandbox,
  toPodSandboxStatus,
} from "./sandbox_store.ts";

type M = RuntimeServiceMethods;
type Lifecycle = Exclude<RuntimeServiceMethod, "GetContainerEvents" | ExtraMethod>;

/** Handlers of the sandbox and container lifecycle RPCs, by uncapitalised RPC name. */
export type RuntimeLifecycleHandlers = {
  [K in Lifecycle as Uncapitalize<K>]: (request: M[K][0]) => Promise<M[K][1]>;
};

/** Receives every container event the fake emits. */
export type ContainerEventListener = (event: ContainerEventResponse) => void;

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
}

const GRPC_UNKNOWN = status.UNKNOWN;

/** In-memory RuntimeService served by the fake runtime. */
export class FakeRuntimeService implements RuntimeLifecycleHandlers {
  /** The image service containers resolve their images in. */
  readonly images: FakeImageService;
  /** Version, Status, exec, stats and the other RPCs outside the state machine. */
  readonly extras: FakeRuntimeExtras;
  readonly #clock: Clock;
  readonly #sandboxes = new SandboxStore();
  readonly #containers = new ContainerStore();
  readonly #handlers: string[];
  #scripts: ContainerScript[] = [];
  #exitTimers = new Map<string, () => void>();
  #listeners = new Set<ContainerEventListener>();

  constructor(options: FakeRuntimeServiceOptions = {}) {
    this.#clock = options.clock ?? new RealClock();
    this.images = options.images ?? new FakeImageService({ clock: this.#clock });
    this.#handlers = ["", ...(options.runtimeHandlers ?? [])];
    this.extras = new FakeRuntimeExtras({
      clock: this.#clock,
      sandboxes: this.#sandboxes,
      containers: this.#containers,
      runtimeHandlers: this.#handlers,
    });
  }

  // ---------------------------------------------------------------- test API

  /** Adds a container script; the latest matching script wins. Returns a remover. */
  script(script: ContainerScript): () => void {
    this.#scripts.push(script);
    return () => {
      this.#scripts = this.#scripts.filter((s) => s !== script);
    };
  }

  /** Removes every container script. */
  clearScripts(): void {
    this.#scripts = [];
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
    const c = this.#containers.get(id);
    if (c.state !== "CONTAINER_RUNNING") {
      throw new RangeError(`Cannot exit container '${id}': it is ${c.state}`);
    }
    this.#exitNow(c, exitCode, options.reason, options.message);
  }

  /** Makes a sandbox NOTREADY, as if its sandbox process died (containers keep running). */
  setSandboxNotReady(id: string): void {
    const s = this.#sandboxes.get(id);
    s.state = "SANDBOX_NOTREADY";
    this.#emit(s.id, s, "CONTAINER_STOPPED_EVENT");
  }

  /** A sandbox record (live, not a copy), or undefined. */
  getSandbox(id: string): FakeSandbox | undefined {
    return this.#sandboxes.find(id);
  }

  /** A container record (live, not a copy), or undefined. */
  getContainer(id: string): FakeContainer | undefined {
    return this.#containers.find(id);
  }

  /** Every sandbox record. */
  sandboxes(): FakeSandbox[] {
    return this.#sandboxes.all();
  }

  /** Every container record. */
  containers(): FakeContainer[] {
    return this.#containers.all();
  }

  /** Subscribes to container events; returns the unsubscribe function. */
  subscribe(listener: ContainerEventListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Number of current event subscribers (GetContainerEvents streams included). */
  get subscriberCount(): number {
    return this.#listeners.size;
  }

  /** Cancels scripted exits (the server calls this on stop). */
  close(): void {
    for (const cancel of this.#exitTimers.values()) cancel();
    this.#exitTimers.clear();
    this.#listeners.clear();
  }

  // ---------------------------------------------------------------- internals

  #now(): number {
    return nanos(this.#clock.now());
  }

  #emit(containerId: string, sandbox: FakeSandbox, type: ContainerEventType): void {
    const event: ContainerEventResponse = {
      containerId,
      containerEventType: type,
      createdAt: this.#now(),
      podSandboxStatus: toPodSandboxStatus(sandbox),
      containersStatuses: this.#containers.inSandbox(sandbox.id).map(toContainerStatus),
    };
    for (const listener of [...this.#listeners]) listener(event);
  }

  #exitNow(c: FakeContainer, exitCode: number, reason?: string, message?: string): void {
    this.#exitTimers.get(c.id)?.();
    this.#exitTimers.delete(c.id);
    markExited(c, { now: this.#now(), exitCode, reason, message });
    const sandbox = this.#sandboxes.find(c.podSandboxId);
    if (sandbox) this.#emit(c.id, sandbox, "CONTAINER_STOPPED_EVENT");
  }

  #scriptFor(c: { config: FakeContainer["config"]; podSandboxId: string }, sandbox: FakeSandbox) {
    return findScript(this.#scripts, {
      containerName: c.config.metadata?.name ?? "",
      image: c.config.image?.image ?? "",
      podName: sandbox.metadata.name,
      podNamespace: sandbox.metadata.namespace,
    });
  }

  // ---------------------------------------------------------------- RPCs

  runPodSandbox(request: M["RunPodSandbox"][0]): Promise<M["RunPodSandbox"][1]> {
    const handler = request.runtimeHandler ?? "";
    if (!this.#handlers.includes(handler)) {
      throw new RpcError(GRPC_UNKNOWN, `no runtime for "${handler}" is configured`);
    }
    const s = this.#sandboxes.add(request.config, handler, this.#now());
    this.#emit(s.id, s, "CONTAINER_CREATED_EVENT");
    this.#emit(s.id, s, "CONTAINER_STARTED_EVENT");
    return Promise.resolve({ podSandboxId: s.id });
  }

  stopPodSandbox(request: M["StopPodSandbox"][0]): Promise<M["StopPodSandbox"][1]> {
    const s = this.#sandboxes.get(request.podSandboxId);
    for (const c of this.#containers.inSandbox(s.id)) {
      if (c.state === "CONTAINER_RUNNING") this.#exitNow(c, 137);
    }
    if (s.state === "SANDBOX_READY") {
      s.state = "SANDBOX_NOTREADY";
      this.#emit(s.id, s, "CONTAINER_STOPPED_EVENT");
    }
    return Promise.resolve({});
  }

  removePodSandbox(request: M["RemovePodSandbox"][0]): Promise<M["RemovePodSandbox"][1]> {
    const s = this.#sandboxes.find(request.podSandboxId);
    if (!s) return Promise.resolve({}); // containerd: removing a missing sandbox succeeds
    for (const c of this.#containers.inSandbox(s.id)) this.#removeContainer(c, s);
    s.state = "SANDBOX_NOTREADY";
    this.#sandboxes.delete(s.id);
    this.#emit(s.id, s, "CONTAINER_DELETED_EVENT");
    return Promise.resolve({});
  }

  podSandboxStatus(request: M["PodSandboxStatus"][0]): Promise<M["PodSandboxStatus"][1]> {
    const s = this.#sandboxes.get(request.podSandboxId);
    return Promise.resolve({
      status: toPodSandboxStatus(s),
      info: verboseInfo(request.verbose, { pid: 1, runtimeHandler: s.runtimeHandler }),
      containersStatuses: this.#containers.inSandbox(s.id).map(toContainerStatus),
      timestamp: this.#now(),
    });
  }

  listPodSandbox(request: M["ListPodSandbox"][0]): Promise<M["ListPodSandbox"][1]> {
    return Promise.resolve({ items: this.#sandboxes.list(request.filter).map(toPodSandbox) });
  }

  createContainer(request: M["CreateContainer"][0]): Promise<M["CreateContainer"][1]> {
    const s = this.#sandboxes.get(request.podSandboxId);
    if (s.state !== "SANDBOX_READY") {
      throw new RpcError(GRPC_UNKNOWN, `sandbox container "${s.id}" is not running`);
    }
    const script = this.#scriptFor({ config: request.config, podSandboxId: s.id }, s);
    if (script?.failCreate !== undefined) throw new RpcError(GRPC_UNKNOWN, script.failCreate);
    const ref = request.config?.image?.image ?? "";
    const image = this.images.resolve(ref);
    if (!image) {
      throw new RpcError(status.NOT_FOUND, `failed to resolve image "${ref}": not found`);
    }
    const c = this.#containers.add(s, request.config, {
      image: { image: image.repoTags[0] ?? ref, annotations: {} },
      imageRef: image.repoDigests[0] ?? image.id,
      imageId: image.id,
    }, this.#now());
    this.#emit(c.id, s, "CONTAINER_CREATED_EVENT");
    return Promise.resolve({ containerId: c.id });
  }

  startContainer(request: M["StartContainer"][0]): Promise<M["StartContainer"][1]> {
    const c = this.#containers.get(request.containerId);
    if (c.state !== "CONTAINER_CREATED") {
      throw new RpcError(GRPC_UNKNOWN, `container is in ${c.state} state`);
    }
    const s = this.#sandboxes.get(c.podSandboxId);
    if (s.state !== "SANDBOX_READY") {
      throw new RpcError(GRPC_UNKNOWN, `sandbox container "${s.id}" is not running`);
    }
    const script = this.#scriptFor(c, s);
    if (script?.neverStart) return Promise.resolve({});
    if (script?.failStart !== undefined) {
      markExited(c, {
        now: this.#now(),
        exitCode: 128,
        reason: "StartError",
        message: script.failStart,
      });
      this.#emit(c.id, s, "CONTAINER_STOPPED_EVENT");
      throw new RpcError(GRPC_UNKNOWN, script.failStart);
    }
    markStarted(c, this.#now());
    this.#emit(c.id, s, "CONTAINER_STARTED_EVENT");
    if (script?.exitAfterMs !== undefined) {
      const cancel = this.#clock.after(script.exitAfterMs, () => {
        this.#exitTimers.delete(c.id);
        if (c.state === "CONTAINER_RUNNING" && this.#containers.find(c.id)) {
          this.#exitNow(c, script.exitCode ?? 0, script.reason, script.message);
        }
      });
      this.#exitTimers.set(c.id, cancel);
    }
    return Promise.resolve({});
  }

  stopContainer(request: M["StopContainer"][0]): Promise<M["StopContainer"][1]> {
    const c = this.#containers.get(request.containerId);
    if (c.state === "CONTAINER_RUNNING") {
      const s = this.#sandboxes.find(c.podSandboxId);
      const script = s ? this.#scriptFor(c, s) : undefined;
      this.#exitNow(c, script?.stopExitCode ?? (request.timeout ? 0 : 137));
    }
    return Promise.resolve({});
  }

  #removeContainer(c: FakeContainer, s: FakeSandbox | undefined): void {
    if (c.state === "CONTAINER_RUNNING") this.#exitNow(c, 137);
    this.#containers.delete(c.id);
    if (s) this.#emit(c.id, s, "CONTAINER_DELETED_EVENT");
  }

  removeContainer(request: M["RemoveContainer"][0]): Promise<M["RemoveContainer"][1]> {
    const c = this.#containers.find(request.containerId);
    // containerd: removing a missing container succeeds; a running one is killed first.
    if (c) this.#removeContainer(c, this.#sandboxes.find(c.podSandboxId));
    return Promise.resolve({});
  }

  listContainers(request: M["ListContainers"][0]): Promise<M["ListContainers"][1]> {
    return Promise.resolve({ containers: this.#containers.list(request.filter).map(toContainer) });
  }

  containerStatus(request: M["ContainerStatus"][0]): Promise<M["ContainerStatus"][1]> {
    const c = this.#containers.get(request.containerId);
    const info = verboseInfo(request.verbose, { sandboxID: c.podSandboxId });
    return Promise.resolve({ status: toContainerStatus(c), info });
  }
}
