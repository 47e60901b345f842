/**
 * One builder for the runtime model's ContainerStatus in tests: every field
 * filled with a neutral value, the ones a test cares about given.
 */

import type { ContainerStatus } from "../../src/container/runtime.ts";

/** A ContainerStatus with neutral defaults and `fields` on top. */
export function containerStatus(
  fields: Partial<ContainerStatus> & Pick<ContainerStatus, "id" | "state">,
): ContainerStatus {
  return {
    name: "web",
    createdAt: 1,
    startedAt: 0,
    finishedAt: 0,
    exitCode: 0,
    image: "busybox",
    imageRef: "sha256:1",
    imageId: "sha256:1",
    hash: "h",
    restartCount: 0,
    reason: "",
    message: "",
    labels: {},
    annotations: {},
    ...fields,
  };
}
