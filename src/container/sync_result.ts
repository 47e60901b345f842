/**
 * Results of one pod sync, with the kubelet's action and error names, so
 * events and logs read the way Kubernetes users know them.
 *
 * @module
 */

/** What a sync step did (kubelet's SyncAction). */
export type SyncAction =
  | "StartContainer"
  | "KillContainer"
  | "InitContainer"
  | "CreatePodSandbox"
  | "ConfigPodSandbox"
  | "KillPodSandbox"
  | "RemoveContainer";

/** Why a sync step failed (kubelet's error names). */
export type SyncErrorName =
  | "CrashLoopBackOff"
  | "no matching container"
  | "RunContainerError"
  | "KillContainerError"
  | "CreatePodSandboxError"
  | "ConfigPodSandboxError"
  | "KillPodSandboxError"
  | "RemoveContainerError"
  | "CreateContainerConfigError"
  | "CreateContainerError"
  | "PostStartHookError"
  | "PreStartHookError"
  | "ErrImagePull"
  | "ImagePullBackOff"
  | "ErrImageNeverPull"
  | "InvalidImageName"
  | "ImageInspectError";

/** One step's outcome. `target` is a container name, or the pod full name for sandbox steps. */
export interface SyncResult {
  action: SyncAction;
  target: string;
  error?: SyncErrorName;
  message?: string;
  /** When set, the step is backing off until this time (ms since the epoch). */
  backOffUntil?: number;
}

/** Creates a successful step result; call {@linkcode failResult} to mark it failed. */
export function syncResult(action: SyncAction, target: string): SyncResult {
  return { action, target };
}

/** Marks a step failed with the kubelet's error name and a message. */
export function failResult(
  result: SyncResult,
  error: SyncErrorName,
  message: string,
  backOffUntil?: number,
): SyncResult {
  result.error = error;
  result.message = message;
  if (backOffUntil !== undefined) result.backOffUntil = backOffUntil;
  return result;
}

/** All step results of one pod sync (kubelet's PodSyncResult). */
export class PodSyncResult {
  readonly results: SyncResult[] = [];
  /** An error outside any single step (for example the status could not be read). */
  syncError?: string;

  add(result: SyncResult): SyncResult {
    this.results.push(result);
    return result;
  }

  addAll(other: PodSyncResult): void {
    this.results.push(...other.results);
    if (other.syncError && !this.syncError) this.syncError = other.syncError;
  }

  fail(message: string): void {
    this.syncError = message;
  }

  /** The failed steps. */
  failures(): SyncResult[] {
    return this.results.filter((r) => r.error !== undefined);
  }

  /** True when no step failed and there is no sync error. */
  ok(): boolean {
    return !this.syncError && this.failures().length === 0;
  }

  /** The earliest back-off expiry among failed steps (kubelet's MinBackoffExpiration). */
  minBackOffExpiry(): number | undefined {
    let min: number | undefined;
    for (const r of this.results) {
      if (r.backOffUntil !== undefined && (min === undefined || r.backOffUntil < min)) {
        min = r.backOffUntil;
      }
    }
    return min;
  }

  /**
   * The aggregated error text, in the kubelet's form:
   * `failed to "StartContainer" for "web" with CrashLoopBackOff: "back-off 10s ..."`.
   * Undefined when everything succeeded.
   */
  errorText(): string | undefined {
    const lines = this.failures().map((r) =>
      `failed to "${r.action}" for "${r.target}" with ${r.error}: ${
        JSON.stringify(r.message ?? "")
      }`
    );
    if (this.syncError) lines.unshift(this.syncError);
    if (lines.length === 0) return undefined;
    return `failed to SyncPod: ${lines.join("; ")}`;
  }
}
