/**
 * Parsers of the Linux files the node status is read from: /etc/os-release,
 * /proc/loadavg and the one-value files (/etc/machine-id,
 * /proc/sys/kernel/pid_max). Pure: text in, values out; undefined when the
 * text does not hold the value.
 *
 * @module
 */

/** The text of a one-value file, trimmed (machine-id, boot_id, pid_max). */
export function firstLine(text: string): string {
  return text.split("\n", 1)[0].trim();
}

/**
 * The `PRETTY_NAME` of an os-release file (`Debian GNU/Linux 12 (bookworm)`),
 * unquoted as the shell would (double or single quotes, backslash escapes in
 * double quotes), or undefined when there is none.
 */
export function osReleasePrettyName(text: string): string | undefined {
  for (const line of text.split("\n")) {
    const m = /^\s*PRETTY_NAME=(.*)$/.exec(line);
    if (!m) continue;
    const raw = m[1].trim();
    if (raw.startsWith('"') && raw.endsWith('"') && raw.length >= 2) {
      return raw.slice(1, -1).replace(/\\(["\\$`])/g, "$1");
    }
    if (raw.startsWith("'") && raw.endsWith("'") && raw.length >= 2) return raw.slice(1, -1);
    return raw;
  }
  return undefined;
}

/**
 * The number of tasks (threads) on the system: the total of /proc/loadavg's
 * fourth field (`2/3518` → 3518), as the kubelet's PID stats read it.
 */
export function loadavgTasks(text: string): number | undefined {
  const fields = text.trim().split(/\s+/);
  if (fields.length < 5) return undefined;
  const parts = fields[3].split("/");
  if (parts.length !== 2) return undefined;
  const n = Number(parts[1]);
  return parts[1] !== "" && Number.isSafeInteger(n) && n >= 0 ? n : undefined;
}

/** A non-negative integer file (pid_max, threads-max), or undefined. */
export function integerFile(text: string): number | undefined {
  const s = firstLine(text);
  const n = Number(s);
  return s !== "" && Number.isSafeInteger(n) && n >= 0 ? n : undefined;
}
