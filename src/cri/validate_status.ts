/**
 * Checks of runtime answers that the kubelet's CRI client makes before it
 * trusts them: a status without its identifying fields is an error.
 *
 * @module
 */

import { InvalidResponseError } from "./errors.ts";
import type { ValidContainerStatus, ValidPodSandboxStatus } from "./service.ts";
import type { ContainerStatus, PodSandboxStatus, VersionResponse } from "./types.ts";

function missing(method: string, what: string, field: string): InvalidResponseError {
  return new InvalidResponseError(
    `${method} returned an incomplete ${what}: field '${field}' is not set`,
    field,
    { method },
  );
}

/**
 * Checks that a sandbox status has id, metadata (name, namespace, uid) and
 * createdAt.
 *
 * @throws {InvalidResponseError} naming the first missing field.
 */
export function validatePodSandboxStatus(
  status: PodSandboxStatus | null | undefined,
  method = "PodSandboxStatus",
): ValidPodSandboxStatus {
  const what = "pod sandbox status";
  if (!status) throw missing(method, what, "status");
  if (!status.id) throw missing(method, what, "status.id");
  const metadata = status.metadata;
  if (!metadata) throw missing(method, what, "status.metadata");
  if (!metadata.name) throw missing(method, what, "status.metadata.name");
  if (!metadata.namespace) throw missing(method, what, "status.metadata.namespace");
  if (!metadata.uid) throw missing(method, what, "status.metadata.uid");
  if (!status.createdAt) throw missing(method, what, "status.createdAt");
  return status as ValidPodSandboxStatus;
}

/**
 * Checks that a container status has id, metadata name, createdAt, image and
 * imageRef.
 *
 * @throws {InvalidResponseError} naming the first missing field.
 */
export function validateContainerStatus(
  status: ContainerStatus | null | undefined,
  method = "ContainerStatus",
): ValidContainerStatus {
  const what = "container status";
  if (!status) throw missing(method, what, "status");
  if (!status.id) throw missing(method, what, "status.id");
  if (!status.metadata) throw missing(method, what, "status.metadata");
  if (!status.metadata.name) throw missing(method, what, "status.metadata.name");
  if (!status.createdAt) throw missing(method, what, "status.createdAt");
  if (!status.image) throw missing(method, what, "status.image");
  if (!status.image.image) throw missing(method, what, "status.image.image");
  if (!status.imageRef) throw missing(method, what, "status.imageRef");
  return status as ValidContainerStatus;
}

/**
 * Checks that a Version answer has version, runtimeName, runtimeVersion and
 * runtimeApiVersion.
 *
 * @throws {InvalidResponseError} naming the first missing field.
 */
export function validateVersion(version: VersionResponse): VersionResponse {
  const what = "version";
  for (const field of ["version", "runtimeName", "runtimeVersion", "runtimeApiVersion"] as const) {
    if (!version[field]) throw missing("Version", what, field);
  }
  return version;
}
