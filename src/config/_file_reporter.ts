/**
 * Logging for {@linkcode FileSource}: each problem with the manifest path, each
 * bad manifest and each ignored entry is named once, and a fix is named once.
 *
 * @module
 */

import type { Logger } from "../util/logger.ts";
import { oneLine } from "./_manifest.ts";

/** Unknown field paths named one by one in the warning; the rest are counted. */
const SHOWN_UNKNOWN_FIELDS = 10;

/** Remembers what was logged about a static pod path so each thing is logged once. */
export class FileSourceReporter {
  #path: string;
  #logger: Logger;
  /** The problems last logged per path, so each is logged once. */
  #reported = new Map<string, string[]>();
  /** The unknown fields last named per path. */
  #unknown = new Map<string, string>();
  /** Non-manifest files and subdirectories already named in the log. */
  #ignored = new Set<string>();
  #pathProblem: string | undefined;

  /** @param path the configured manifest path. */
  constructor(path: string, logger: Logger) {
    this.#path = path;
    this.#logger = logger;
  }

  /** Logs a problem with the configured path itself, once. */
  notePath(reason: string | undefined): void {
    if (this.#pathProblem === reason) return;
    const path = this.#path;
    if (reason === undefined) this.#logger.info("Static pod path is available", { path });
    else this.#logger.info(`Static pod path '${oneLine(path)}': ${reason}`, { path });
    this.#pathProblem = reason;
  }

  /**
   * Logs each of `problems` of a manifest file that was not among those last logged
   * for it, or once that the file is valid again when there are none. `kept` (may be
   * empty) tells what is still served from an earlier version.
   */
  note(path: string, problems: readonly string[], kept: string): void {
    const last = this.#reported.get(path);
    if (problems.length === 0) {
      if (last === undefined) return;
      this.#reported.delete(path);
      this.#logger.info("Static pod manifest is valid again", { path });
      return;
    }
    const known = new Set(last ?? []);
    if (
      last !== undefined && last.length === problems.length && problems.every((p) => known.has(p))
    ) {
      return;
    }
    this.#reported.set(path, [...problems]);
    const suffix = kept === "" ? "" : `; ${kept}`;
    for (const reason of problems) {
      if (known.has(reason)) continue;
      this.#logger.warn(`Cannot load static pod manifest '${oneLine(path)}': ${reason}${suffix}`, {
        path,
        reason,
      });
    }
  }

  /** Names the fields a manifest has that core/v1 does not, once per distinct list. */
  noteUnknownFields(path: string, fields: string[] | undefined): void {
    const key = (fields ?? []).join(", ");
    if ((this.#unknown.get(path) ?? "") === key) return;
    if (key === "") {
      this.#unknown.delete(path);
      return;
    }
    this.#unknown.set(path, key);
    const shown = fields!.slice(0, SHOWN_UNKNOWN_FIELDS).join(", ");
    const more = fields!.length - SHOWN_UNKNOWN_FIELDS;
    this.#logger.warn("Ignoring unknown fields in static pod manifest", {
      path,
      fields: more > 0 ? `${shown} and ${more} more` : shown,
    });
  }

  /** Forgets what was logged for files that `isKnown` no longer holds. */
  forgetExcept(isKnown: (path: string) => boolean): void {
    for (const path of [...this.#reported.keys()]) {
      if (!isKnown(path)) this.#reported.delete(path);
    }
    for (const path of [...this.#unknown.keys()]) {
      if (!isKnown(path)) this.#unknown.delete(path);
    }
  }

  /**
   * Names a non-manifest file or a subdirectory once; forgets it once it is gone.
   *
   * Requires `--allow-read` for `path`.
   */
  async noteIgnored(path: string): Promise<void> {
    let info: Deno.FileInfo | undefined;
    try {
      info = await Deno.stat(path);
    } catch {
      this.#ignored.delete(path);
      return;
    }
    if (this.#ignored.has(path)) return;
    this.#ignored.add(path);
    if (info.isDirectory) {
      this.#logger.debug(2, "Not recursing into manifest path", { path });
    } else {
      this.#logger.warn(
        "Ignoring file in static pod directory: only .yaml, .yml and .json files are read",
        { path },
      );
    }
  }

  /** Names a manifest path that is not a regular file, once. */
  noteNotRegular(path: string): void {
    if (this.#ignored.has(path)) return;
    this.#ignored.add(path);
    this.#logger.debug(2, "Not a regular file, skipping", { path });
  }
}
