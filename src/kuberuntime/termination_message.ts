/**
 * The termination message of an exited container, read the way the kubelet
 * reads it: the file mounted at terminationMessagePath (at most 4096 bytes),
 * or with `FallbackToLogsOnError` and a non-zero exit, the tail of the
 * container log (at most 80 lines / 2048 bytes).
 *
 * @module
 */

import type { ContainerStatus } from "../cri/types.ts";
import {
  CONTAINER_TERMINATION_MESSAGE_PATH_ANNOTATION,
  CONTAINER_TERMINATION_MESSAGE_POLICY_ANNOTATION,
} from "./labels.ts";

const MAX_MESSAGE_BYTES = 4096;
const MAX_LOG_LINES = 80;
const MAX_LOG_BYTES = 2048;

async function readHead(path: string, max: number): Promise<string> {
  using file = await Deno.open(path, { read: true });
  const buf = new Uint8Array(max);
  let n = 0;
  while (n < max) {
    const r = await file.read(buf.subarray(n));
    if (r === null) break;
    n += r;
  }
  return new TextDecoder().decode(buf.subarray(0, n));
}

/** The message of one CRI log line (`<time> <stream> <P|F> <message>`), or the line itself. */
function criLogMessage(line: string): string {
  const m = line.match(/^\S+ (?:stdout|stderr) [PF] (.*)$/);
  return m ? m[1] : line;
}

/**
 * The termination message of `status`, or "" when there is none or it cannot
 * be read.
 *
 * Requires `--allow-read` for `<rootDir>/pods` and the pod log directories.
 */
export async function readTerminationMessage(
  status: ContainerStatus,
  podLogsDir: string,
): Promise<string> {
  const annotations = status.annotations ?? {};
  const path = annotations[CONTAINER_TERMINATION_MESSAGE_PATH_ANNOTATION];
  const policy = annotations[CONTAINER_TERMINATION_MESSAGE_POLICY_ANNOTATION];
  if (path) {
    const mount = (status.mounts ?? []).find((m) => m.containerPath === path);
    if (mount) {
      try {
        const text = await readHead(mount.hostPath, MAX_MESSAGE_BYTES);
        if (text !== "") return text;
      } catch {
        // No file: fall through.
      }
    }
  }
  if (policy !== "FallbackToLogsOnError" || status.exitCode === 0 || !status.logPath) return "";
  const logPath = status.logPath.startsWith("/")
    ? status.logPath
    : `${podLogsDir}/${status.logPath}`;
  try {
    const text = await Deno.readTextFile(logPath);
    const lines = text.split("\n").filter((l) => l !== "").slice(-MAX_LOG_LINES);
    const joined = lines.map(criLogMessage).join("\n");
    return joined.length > MAX_LOG_BYTES ? joined.slice(-MAX_LOG_BYTES) : joined;
  } catch {
    return "";
  }
}
