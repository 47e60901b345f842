/**
 * The container RPCs of the fake RuntimeService: CreateContainer,
 * StartContainer, StopContainer, RemoveContainer, ListContainers and
 * ContainerStatus, on the shared {@linkcode RuntimeState} (see
 * fake_runtime_service.ts for the behaviour they follow). Private to
 * src/cri/fake/.
 *
 * @module
 */

import { status } from "@grpc/grpc-js";
import type { ServedRequest as Req, ServedResponse as Res } from "../types.ts";
import { imageSpec, RpcError, type ServedHandlers, verboseInfo } from "./_util.ts";
import type { RuntimeState } from "./_runtime_state.ts";
import {
  containerListView,
  markExited,
  markStarted,
  toContainerStatus,
} from "./container_store.ts";
import { startLogError } from "./container_log.ts";
import { processPlan } from "./container_process.ts";
import { checkContainerSecurity } from "./security_checks.ts";

/** The RPCs {@linkcode FakeContainerRpcs} answers. */
export type ContainerMethod =
  | "CreateContainer"
  | "StartContainer"
  | "StopContainer"
  | "RemoveContainer"
  | "ListContainers"
  | "ContainerStatus";

const GRPC_UNKNOWN = status.UNKNOWN;

/** The container lifecycle RPCs of the fake runtime. */
export class FakeContainerRpcs implements ServedHandlers<ContainerMethod> {
  readonly #st: RuntimeState;

  constructor(state: RuntimeState) {
    this.#st = state;
  }

  createContainer(request: Req<"CreateContainer">): Promise<Res<"CreateContainer">> {
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
    const config = request.config;
    if (!config) {
      throw new RpcError(status.INVALID_ARGUMENT, "container config must include metadata");
    }
    const script = this.#st.scriptFor({ config, podSandboxId: s.id }, s);
    if (script?.failCreate !== undefined) throw new RpcError(GRPC_UNKNOWN, script.failCreate);
    const ref = config.image?.image ?? "";
    const image = this.#st.images.resolve(ref);
    if (!image) {
      throw new RpcError(status.NOT_FOUND, `failed to resolve image "${ref}": not found`);
    }
    checkContainerSecurity(config);
    const c = this.#st.containers.add(s, config, {
      image: imageSpec(image.repoTags[0] ?? ref),
      imageRef: image.repoDigests[0] ?? image.id,
      imageId: image.id,
    }, this.#st.now());
    this.#st.emit(c.id, s, "CONTAINER_CREATED_EVENT");
    return Promise.resolve({ containerId: c.id });
  }

  startContainer(request: Req<"StartContainer">): Promise<Res<"StartContainer">> {
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
    this.#st.processes.start(c, processPlan(c, script, this.#st.images.configOf(c.imageId)));
    return Promise.resolve({});
  }

  stopContainer(request: Req<"StopContainer">): Promise<Res<"StopContainer">> {
    const c = this.#st.containers.get(request.containerId);
    if (c.state === "CONTAINER_RUNNING") {
      const s = this.#st.sandboxes.find(c.podSandboxId);
      const script = s ? this.#st.scriptFor(c, s) : undefined;
      this.#st.exitNow(c, script?.stopExitCode ?? (request.timeout ? 0 : 137));
    }
    return Promise.resolve({});
  }

  removeContainer(request: Req<"RemoveContainer">): Promise<Res<"RemoveContainer">> {
    const c = this.#st.containers.find(request.containerId);
    // containerd: removing a missing container succeeds; a running one is killed first.
    if (c) this.#st.removeContainer(c, this.#st.sandboxes.find(c.podSandboxId));
    return Promise.resolve({});
  }

  listContainers(request: Req<"ListContainers">): Promise<Res<"ListContainers">> {
    return Promise.resolve({
      containers: this.#st.containers.list(request.filter).map(containerListView),
    });
  }

  containerStatus(request: Req<"ContainerStatus">): Promise<Res<"ContainerStatus">> {
    const c = this.#st.containers.get(request.containerId);
    const info = verboseInfo(request.verbose, { sandboxID: c.podSandboxId });
    return Promise.resolve({ status: toContainerStatus(c), info });
  }
}
