/**
 * Scripted container behaviour for the fake runtime: which containers crash,
 * print, fail to be created or started, or never start, matched by container
 * name, image or pod. What a script leaves out follows the container's
 * command line (command_plan.ts): an unscripted `sh -c "exit 3"` exits 3 at
 * once, `sleep 5` exits after 5 s on the fake's clock, a server keeps running.
 *
 * @module
 */

import { normalizeImageName } from "./image_ref.ts";

/** Which containers a {@linkcode ContainerScript} applies to; every field set must match. */
export interface ContainerScriptMatch {
  /** Container metadata name. */
  containerName?: string;
  /** Image reference as given in the container config (compared normalised too). */
  image?: string;
  /** Pod (sandbox metadata) name. */
  podName?: string;
  /** Pod (sandbox metadata) namespace. */
  podNamespace?: string;
}

/** What a matching container does. */
export interface ContainerScript {
  match: ContainerScriptMatch;
  /** Printed on stdout at StartContainer (CRI log lines in the container's log file). */
  stdout?: string;
  /** Printed on stderr at StartContainer. */
  stderr?: string;
  /**
   * Exit this long (ms on the fake's clock) after StartContainer, whatever the
   * command; without it the command line decides.
   */
  exitAfterMs?: number;
  /** Exit code of a scripted exit. @default 0 */
  exitCode?: number;
  /** Reason of a scripted exit, e.g. "OOMKilled". @default "Completed" or "Error" */
  reason?: string;
  /** Message of a scripted exit. @default "" */
  message?: string;
  /** CreateContainer fails with this message (gRPC Unknown). */
  failCreate?: string;
  /**
   * StartContainer fails with this message (gRPC Unknown) and the container is
   * left EXITED with exit code 128 and reason "StartError", as containerd does.
   */
  failStart?: string;
  /** StartContainer answers OK but the container stays CREATED. */
  neverStart?: boolean;
  /** Exit code StopContainer leaves. @default 0 (137 when the grace period is 0) */
  stopExitCode?: number;
}

/** What a script is matched against. */
export interface ScriptSubject {
  containerName: string;
  image: string;
  podName: string;
  podNamespace: string;
}

/** True when every field of `match` equals the subject's (images compared normalised). */
export function scriptMatches(match: ContainerScriptMatch, subject: ScriptSubject): boolean {
  const normalize = normalizeImageName;
  if (match.containerName !== undefined && match.containerName !== subject.containerName) {
    return false;
  }
  if (
    match.image !== undefined && match.image !== subject.image &&
    normalize(match.image) !== normalize(subject.image)
  ) return false;
  if (match.podName !== undefined && match.podName !== subject.podName) return false;
  if (match.podNamespace !== undefined && match.podNamespace !== subject.podNamespace) {
    return false;
  }
  return true;
}

/** The most recently added script matching the subject, if any. */
export function findScript(
  scripts: readonly ContainerScript[],
  subject: ScriptSubject,
): ContainerScript | undefined {
  for (let i = scripts.length - 1; i >= 0; i--) {
    if (scriptMatches(scripts[i].match, subject)) return scripts[i];
  }
  return undefined;
}
