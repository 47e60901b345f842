/**
 * Logging for {@linkcode HttpSource}, as the kubelet logs its URL source: the
 * first 3 failures in a row as errors, the later ones at verbosity 4 until a
 * success, which is named once; rejected PodList items and unknown fields are
 * named (the first 10, the rest counted). The URL is always the masked one.
 *
 * @module
 */

import type { Logger } from "../util/logger.ts";

/** Failures logged at normal level before the log drops to verbosity 4. */
const LOUD_FAILURES = 3;
/** Rejected PodList items (and unknown fields) named one by one; the rest are counted. */
const LOGGED_REJECTIONS = 10;

/** Counts failed polls in a row and logs them, and what a good poll left out. */
export class HttpSourceReporter {
  #url: string;
  #logger: Logger;
  #failures = 0;

  /** @param maskedUrl the URL as logged. */
  constructor(maskedUrl: string, logger: Logger) {
    this.#url = maskedUrl;
    this.#logger = logger;
  }

  /** Failed polls in a row since the last success. */
  get failures(): number {
    return this.#failures;
  }

  /** Counts and logs one failed poll. */
  failed(reason: string): void {
    this.#failures++;
    const fields = { url: this.#url, reason };
    if (this.#failures <= LOUD_FAILURES) {
      this.#logger.error("Unable to read pods from manifest URL", fields);
    } else if (this.#failures === LOUD_FAILURES + 1) {
      this.#logger.error(
        "Unable to read pods from manifest URL; dropping verbosity of this message to level 4",
        { ...fields, failures: this.#failures },
      );
    } else {
      this.#logger.debug(4, "Unable to read pods from manifest URL", fields);
    }
  }

  /** A good poll: names the end of a run of failures, once. */
  succeeded(): void {
    if (this.#failures > 0) {
      this.#logger.info("Successfully read pods from manifest URL", {
        url: this.#url,
        afterFailures: this.#failures,
      });
    }
    this.#failures = 0;
  }

  /** Names the rejected items of a PodList. */
  rejected(reasons: string[]): void {
    for (const reason of reasons.slice(0, LOGGED_REJECTIONS)) {
      this.#logger.error("Rejected a pod from manifest URL; the other pods run", {
        url: this.#url,
        reason,
      });
    }
    if (reasons.length > LOGGED_REJECTIONS) {
      this.#logger.error("Rejected more pods from manifest URL", {
        url: this.#url,
        more: reasons.length - LOGGED_REJECTIONS,
      });
    }
  }

  /** Names the fields the served pods have that core/v1 does not. */
  unknownFields(fields: string[]): void {
    if (fields.length === 0) return;
    this.#logger.warn("Ignoring unknown fields in pods from manifest URL", {
      url: this.#url,
      fields: fields.slice(0, LOGGED_REJECTIONS).join(", "),
      ...(fields.length > LOGGED_REJECTIONS ? { more: fields.length - LOGGED_REJECTIONS } : {}),
    });
  }
}
