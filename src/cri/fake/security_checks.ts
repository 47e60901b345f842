/**
 * The sandbox and container security settings containerd refuses, refused by
 * the fake runtime with containerd 1.6's words (checked against it in
 * tests/e2e/cri_contract_e2e_test.ts):
 *
 * - a group (`runAsGroup`) without a user (`runAsUser` or `runAsUsername`);
 * - a seccomp `localhostRef` with a profile type other than `Localhost`;
 * - a `Localhost` seccomp profile that is not an existing absolute path
 *   (empty, relative, or a file that is not there).
 *
 * Privileged containers get no seccomp profile, so theirs is not checked.
 *
 * @module
 */

import { status } from "@grpc/grpc-js";
import type { ContainerConfig__Output } from "../generated/runtime/v1/ContainerConfig.ts";
import type { PodSandboxConfig__Output } from "../generated/runtime/v1/PodSandboxConfig.ts";
import type { SecurityProfile__Output } from "../generated/runtime/v1/SecurityProfile.ts";
import { RpcError } from "./_util.ts";

function refused(message: string): RpcError {
  return new RpcError(status.UNKNOWN, message);
}

function groupWithoutUser(group: number): string {
  return `failed to generate user string: user group "${group}" is specified without user`;
}

/** Throws containerd's error when RunPodSandbox would be refused. */
export function checkSandboxSecurity(config: PodSandboxConfig__Output): void {
  const sc = config.linux?.securityContext;
  if (sc?.runAsGroup && !sc.runAsUser) {
    // "sanbdox" is containerd 1.6's spelling.
    throw refused(
      `failed to generate sanbdox container spec options: ${groupWithoutUser(sc.runAsGroup.value)}`,
    );
  }
}

function fileMissing(path: string): boolean {
  if (!path.startsWith("/")) return true;
  try {
    Deno.statSync(path);
    return false;
  } catch (e) {
    // Without read permission the fake cannot tell: it assumes the file is there.
    return e instanceof Deno.errors.NotFound;
  }
}

function checkSeccomp(seccomp: SecurityProfile__Output | null): void {
  if (!seccomp) return;
  const type = seccomp.profileType;
  const ref = seccomp.localhostRef;
  if (type !== "Localhost" && ref !== "") {
    throw refused(
      "failed to get container spec opts: failed to generate seccomp spec opts: " +
        "seccomp config invalid LocalhostRef must only be set if ProfileType is Localhost",
    );
  }
  if (type === "Localhost" && fileMissing(ref)) {
    throw refused(
      `failed to create containerd container: cannot load seccomp profile "${ref}": ` +
        `open ${ref}: no such file or directory`,
    );
  }
}

/** Throws containerd's error when CreateContainer would be refused. */
export function checkContainerSecurity(config: ContainerConfig__Output): void {
  const sc = config.linux?.securityContext;
  if (!sc) return;
  if (sc.runAsGroup && !sc.runAsUser && !sc.runAsUsername) {
    throw refused(`failed to get container spec opts: ${groupWithoutUser(sc.runAsGroup.value)}`);
  }
  if (!sc.privileged) checkSeccomp(sc.seccomp);
}
