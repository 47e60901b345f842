/**
 * The state the fake RuntimeService works on: its stores, the simulated
 * processes, the streaming server, the scripts and the event subscribers,
 * with the few steps every RPC shares (time, events, exits, scripts).
 *
 * @module
 */

import type { Clock } from "../../util/clock.ts";
import type { ContainerEventResponse__Output } from "../generated/runtime/v1/ContainerEventResponse.ts";
import type { ContainerEventType } from "../types.ts";
import { nanos } from "./_util.ts";
import {
  ContainerStore,
  type FakeContainer,
  markExited,
  toContainerStatus,
} from "./container_store.ts";
import { type ContainerScript, findScript } from "./container_script.ts";
import { ContainerProcesses } from "./container_process.ts";
import type { FakeImageService } from "./fake_image_service.ts";
import { type FakeSandbox, SandboxStore, toPodSandboxStatus } from "./sandbox_store.ts";
import { FakeStreamingServer } from "./streaming_server.ts";

/** Receives every container event the fake emits. */
export type ContainerEventListener = (event: ContainerEventResponse__Output) => void;

/** What {@linkcode RuntimeState} is made from. */
export interface RuntimeStateOptions {
  clock: Clock;
  images: FakeImageService;
  /** Runtime handlers, the default "" first. */
  handlers: string[];
}

/** The fake runtime service's state and shared steps. */
export class RuntimeState {
  readonly clock: Clock;
  readonly images: FakeImageService;
  readonly handlers: string[];
  readonly sandboxes: SandboxStore = new SandboxStore();
  readonly containers: ContainerStore = new ContainerStore();
  readonly streaming: FakeStreamingServer;
  readonly processes: ContainerProcesses;
  readonly listeners: Set<ContainerEventListener> = new Set();
  scripts: ContainerScript[] = [];

  constructor(options: RuntimeStateOptions) {
    this.clock = options.clock;
    this.images = options.images;
    this.handlers = options.handlers;
    this.streaming = new FakeStreamingServer({ clock: this.clock });
    this.processes = new ContainerProcesses({
      clock: this.clock,
      isRunning: (c) => c.state === "CONTAINER_RUNNING" && this.containers.find(c.id) === c,
      onExit: (c, exit) => this.exitNow(c, exit.exitCode, exit.reason, exit.message),
    });
  }

  /** The clock's time in nanoseconds. */
  now(): number {
    return nanos(this.clock.now());
  }

  /** Sends one event with the sandbox's status and all its containers' statuses. */
  emit(containerId: string, sandbox: FakeSandbox, type: ContainerEventType): void {
    const event: ContainerEventResponse__Output = {
      containerId,
      containerEventType: type,
      createdAt: this.now(),
      podSandboxStatus: toPodSandboxStatus(sandbox),
      containersStatuses: this.containers.inSandbox(sandbox.id).map(toContainerStatus),
    };
    for (const listener of [...this.listeners]) listener(event);
  }

  /** Ends a container's process now and marks it EXITED. */
  exitNow(c: FakeContainer, exitCode: number, reason?: string, message?: string): void {
    this.processes.cancel(c.id);
    markExited(c, { now: this.now(), exitCode, reason, message });
    const sandbox = this.sandboxes.find(c.podSandboxId);
    if (sandbox) this.emit(c.id, sandbox, "CONTAINER_STOPPED_EVENT");
  }

  /** Removes a container (killing it first when it runs); `sandbox` gets the DELETED event. */
  removeContainer(c: FakeContainer, sandbox: FakeSandbox | undefined): void {
    if (c.state === "CONTAINER_RUNNING") this.exitNow(c, 137);
    this.containers.delete(c.id);
    if (sandbox) this.emit(c.id, sandbox, "CONTAINER_DELETED_EVENT");
  }

  /** The script that applies to a container of `sandbox`, if any. */
  scriptFor(
    c: { config: FakeContainer["config"]; podSandboxId: string },
    sandbox: FakeSandbox,
  ): ContainerScript | undefined {
    return findScript(this.scripts, {
      containerName: c.config.metadata?.name ?? "",
      image: c.config.image?.image ?? "",
      podName: sandbox.metadata.name,
      podNamespace: sandbox.metadata.namespace,
    });
  }

  /** Stops every process and the streaming server, and drops the subscribers. */
  async close(): Promise<void> {
    this.processes.close();
    this.listeners.clear();
    await this.streaming.close();
  }
}
