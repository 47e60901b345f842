/**
 * The options of a container log read (kubelet's LogOptions) and the sink
 * it writes into.
 *
 * @module
 */

import type { Clock } from "../util/clock.ts";
import type { Logger } from "../util/logger.ts";
import type { LogStream, LogTime } from "./cri_log.ts";

/** Options of a log read (kubelet's LogOptions). */
export interface ReadLogsOptions {
  /** Entries to give counted from the end; negative for all. @default -1 */
  tailLines?: number;
  /** Bytes to give out at most, prefixes included. @default no limit */
  limitBytes?: number;
  /** Leave out entries older than this. @default none */
  since?: LogTime;
  /** Prefix each entry with its RFC3339NanoFixed timestamp and a space. @default false */
  timestamps?: boolean;
  /** Keep reading appended lines. @default false */
  follow?: boolean;
  /** Give only this stream's lines. @default both */
  stream?: LogStream;
  /**
   * Whether the container still runs; a follow ends, after reading what is
   * left, once this says false. @default () => true (until `signal`)
   */
  isRunning?: () => boolean | Promise<boolean>;
  /** @default new RealClock() */
  clock?: Clock;
  /** How often a follow looks at the file when nothing is new. @default 250 */
  pollIntervalMs?: number;
  /** Ends the read (the client went away). */
  signal?: AbortSignal;
  /** @default nullLogger */
  logger?: Logger;
  /** Longest line or joined entry held back; see CriLogJoiner. @default 1048576 */
  maxLineBytes?: number;
}

/** Where output goes; a returned promise holds the reader back (backpressure). */
export type LogSink = (chunk: Uint8Array) => void | Promise<void>;

/** The outcome of one `ContainerLogReader.poll()`. */
export type PollResult = "data" | "idle" | "ended";
