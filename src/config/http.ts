/**
 * The manifest URL source (the kubelet's `--manifest-url`, source name `http`): a
 * Pod or a PodList, in YAML or JSON, fetched with the configured headers every
 * `--http-check-frequency`, with a 10 s timeout and a 10 MiB body cap.
 *
 * As in the kubelet: a body identical to the last one is skipped (even a bad one,
 * which is therefore reported only once); an error sends nothing, so the last good
 * set stays; the first 3 errors in a row are logged as errors and the later ones
 * only at verbosity 4, until a success; an empty 200 body clears the set. Unlike
 * file pods, URL pods get no NoExecute toleration.
 *
 * Unlike the kubelet, each item of a PodList is judged on its own: a bad item is
 * named in the log (`items[3]: ...`, once per new body) and the other items run.
 * The URL's userinfo, query values and fragment are masked wherever the source logs
 * or reports the URL (`http://<masked>@host/x?token=<masked>`).
 *
 * The UID of a pod without `metadata.uid` is derived from `url:<url>` and the pod's
 * namespace/name, not from its content (the kubelet hashes the content): so an edit
 * served by the URL becomes an UPDATE of the same pod, and an agent upgrade does not
 * restart every URL pod.
 *
 * @module
 */

import type { Pod } from "../api/types.ts";
import { type Clock, RealClock } from "../util/clock.ts";
import { type Logger, nullLogger } from "../util/logger.ts";
import { maskUrl, maskUrlIn } from "../util/mask_url.ts";
import { decodePodOrList, decodeText, MAX_CONFIG_LENGTH, oneLine } from "./_manifest.ts";
import type { PodSource } from "./pod_update.ts";

/** Options for {@linkcode HttpSource}. */
export interface HttpSourceOptions {
  /** The node name; pods are named `<name>-<lowercased node name>`. */
  nodeName: string;
  /**
   * Request headers, `--manifest-url-header`; several values of one name are sent
   * in order. @default {}
   */
  headers?: Record<string, string | readonly string[]>;
  /** Poll period, `--http-check-frequency`. @default 20_000 */
  checkFrequencyMs?: number;
  /** Time limit of one request, body included. @default 10_000 */
  timeoutMs?: number;
  /** Largest body read, in bytes. @default 10 MiB */
  maxBodyBytes?: number;
  /** The fetch function. @default globalThis.fetch */
  fetch?: typeof fetch;
  /** @default new RealClock() */
  clock?: Clock;
  /** @default nullLogger */
  logger?: Logger;
}

/** What one poll found. */
export type HttpPollResult =
  /**
   * A new pod set (possibly empty) to send; `rejected` names the bad items of a
   * PodList that were left out.
   */
  | { kind: "pods"; pods: Pod[]; rejected?: string[] }
  /** The body equals the last one; nothing to send. */
  | { kind: "unchanged" }
  /** The request or the body failed; the last good set stays. */
  | { kind: "error"; reason: string };

/** Failures logged at normal level before the log drops to verbosity 4. */
const LOUD_FAILURES = 3;
/** Rejected PodList items named one by one in the log; the rest are counted. */
const LOGGED_REJECTIONS = 10;

function sameBytes(a: Uint8Array | undefined, b: Uint8Array): boolean {
  if (a === undefined || a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * Reads a response body of at most `max` bytes.
 *
 * @throws {RangeError} if the body is larger.
 */
async function readBody(res: Response, max: number): Promise<Uint8Array> {
  const tooLarge = () => new RangeError(`the body is larger than ${max} bytes`);
  const declared = Number(res.headers.get("content-length") ?? NaN);
  if (declared > max) {
    await res.body?.cancel().catch(() => {});
    throw tooLarge();
  }
  if (!res.body) return new Uint8Array();
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  while (true) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.length;
    if (total > max) {
      await reader.cancel().catch(() => {});
      throw tooLarge();
    }
    chunks.push(value);
  }
  const out = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.length;
  }
  return out;
}

/**
 * The manifest URL source. {@linkcode HttpSource.pollOnce} is the step tests call;
 * {@linkcode HttpSource.run} repeats it.
 *
 * Requires `--allow-net` for the URL's host.
 */
export class HttpSource implements PodSource {
  readonly name = "http";
  /** The manifest URL as configured; log {@linkcode HttpSource.maskedUrl} instead. */
  readonly url: string;
  /** The URL as logged and reported: userinfo, query values and fragment masked. */
  readonly maskedUrl: string;
  #nodeName: string;
  #headers: Headers;
  #period: number;
  #timeout: number;
  #maxBytes: number;
  #fetch: typeof fetch;
  #clock: Clock;
  #logger: Logger;
  #lastBody: Uint8Array | undefined;
  #lastBodyOk = false;
  #failures = 0;

  /**
   * @throws {TypeError} if `url` is not an http(s) URL or `nodeName` is empty.
   * @throws {RangeError} if a period, timeout or size is not positive.
   */
  constructor(url: string, options: HttpSourceOptions) {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new TypeError(
        `Cannot create manifest URL source: '${oneLine(maskUrl(url))}' is not a URL`,
      );
    }
    if (parsed.protocol !== "http:" && parsed.protocol !== "https:") {
      throw new TypeError(
        `Cannot create manifest URL source: '${
          maskUrl(url)
        }' must use http or https, not '${parsed.protocol}'`,
      );
    }
    if (!options?.nodeName) {
      throw new TypeError("Cannot create manifest URL source: nodeName is empty");
    }
    this.url = url;
    this.maskedUrl = maskUrl(url);
    this.#nodeName = options.nodeName;
    this.#headers = new Headers();
    for (const [name, value] of Object.entries(options.headers ?? {})) {
      for (const v of typeof value === "string" ? [value] : value) this.#headers.append(name, v);
    }
    this.#period = options.checkFrequencyMs ?? 20_000;
    this.#timeout = options.timeoutMs ?? 10_000;
    this.#maxBytes = options.maxBodyBytes ?? MAX_CONFIG_LENGTH;
    this.#fetch = options.fetch ?? globalThis.fetch.bind(globalThis);
    this.#clock = options.clock ?? new RealClock();
    this.#logger = options.logger ?? nullLogger;
    for (
      const [what, v] of [
        ["checkFrequencyMs", this.#period],
        ["timeoutMs", this.#timeout],
        ["maxBodyBytes", this.#maxBytes],
      ] as const
    ) {
      if (!(v > 0)) {
        throw new RangeError(`Cannot create manifest URL source: ${what} ${v} must be > 0`);
      }
    }
  }

  /** Failed polls in a row since the last success. */
  get consecutiveFailures(): number {
    return this.#failures;
  }

  /**
   * Fetches the URL once and decodes the body. Errors are returned (and logged),
   * not thrown. `signal` cancels the request.
   */
  async pollOnce(signal?: AbortSignal): Promise<HttpPollResult> {
    const ac = new AbortController();
    let timedOut = false;
    const cancelTimer = this.#clock.after(this.#timeout, () => {
      timedOut = true;
      ac.abort(new DOMException(`timed out after ${this.#timeout} ms`, "TimeoutError"));
    });
    const onAbort = () => ac.abort(signal?.reason);
    signal?.addEventListener("abort", onAbort, { once: true });
    let body: Uint8Array;
    try {
      if (signal?.aborted) throw signal.reason;
      const res = await this.#fetch(this.url, {
        method: "GET",
        headers: this.#headers,
        signal: ac.signal,
      });
      if (res.status !== 200) {
        await res.body?.cancel().catch(() => {});
        return this.#fail(`${this.maskedUrl}: ${res.status} ${oneLine(res.statusText)}`.trimEnd());
      }
      body = await readBody(res, this.#maxBytes);
    } catch (err) {
      if (timedOut) return this.#fail(`${this.maskedUrl}: timed out after ${this.#timeout} ms`);
      if (signal?.aborted) return { kind: "error", reason: `${this.maskedUrl}: cancelled` };
      const message = err instanceof Error ? err.message : String(err);
      return this.#fail(`${this.maskedUrl}: ${oneLine(maskUrlIn(message, this.url))}`);
    } finally {
      cancelTimer();
      signal?.removeEventListener("abort", onAbort);
    }
    if (sameBytes(this.#lastBody, body)) {
      // A known bad body was reported already; a known good one is still good.
      if (this.#lastBodyOk) this.#succeeded();
      return { kind: "unchanged" };
    }
    // Remember the bytes before decoding: a bad body is not re-parsed until it changes.
    this.#lastBody = body;
    this.#lastBodyOk = false;
    if (body.length === 0) {
      this.#logger.debug(2, "Empty body from manifest URL: no pods", { url: this.maskedUrl });
      this.#lastBodyOk = true;
      this.#succeeded();
      return { kind: "pods", pods: [] };
    }
    const text = decodeText(body);
    if (text === undefined) return this.#fail(`${this.maskedUrl}: the body is not UTF-8 text`);
    let decoded: ReturnType<typeof decodePodOrList>;
    try {
      decoded = decodePodOrList(text, {
        source: "http",
        nodeName: this.#nodeName,
        location: this.url,
      });
    } catch (err) {
      // A defect, not bad input: reported like a bad body, and the loop goes on.
      const message = err instanceof Error ? err.message : String(err);
      decoded = { ok: false, reason: oneLine(`internal error: ${message}`) };
    }
    if (!decoded.ok) return this.#fail(`${this.maskedUrl}: ${decoded.reason}`);
    this.#lastBodyOk = true;
    this.#succeeded();
    this.#reportRejected(decoded.rejected ?? []);
    this.#reportUnknownFields(decoded.unknownFields ?? []);
    return decoded.rejected
      ? { kind: "pods", pods: decoded.pods, rejected: decoded.rejected }
      : { kind: "pods", pods: decoded.pods };
  }

  /**
   * Polls at once, then every `checkFrequencyMs`, sending each new pod set, until
   * `signal` aborts. Errors never send, so the source is ready only after a poll
   * that succeeds.
   */
  async run(send: (pods: Pod[]) => void, signal: AbortSignal): Promise<void> {
    let lastDefect: string | undefined;
    while (!signal.aborted) {
      try {
        const result = await this.pollOnce(signal);
        if (result.kind === "pods" && !signal.aborted) send(result.pods);
        lastDefect = undefined;
      } catch (err) {
        // pollOnce returns its failures; a throw is a defect. Report it once, go on.
        const message = oneLine(
          maskUrlIn(err instanceof Error ? err.message : String(err), this.url),
        );
        if (message !== lastDefect) {
          this.#logger.error("Manifest URL poll failed unexpectedly", {
            url: this.maskedUrl,
            err: message,
          });
        }
        lastDefect = message;
      }
      try {
        await this.#clock.sleep(this.#period, signal);
      } catch {
        return;
      }
    }
  }

  #fail(reason: string): HttpPollResult {
    this.#failures++;
    const fields = { url: this.maskedUrl, reason };
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
    return { kind: "error", reason };
  }

  #reportRejected(rejected: string[]): void {
    for (const reason of rejected.slice(0, LOGGED_REJECTIONS)) {
      this.#logger.error("Rejected a pod from manifest URL; the other pods run", {
        url: this.maskedUrl,
        reason,
      });
    }
    if (rejected.length > LOGGED_REJECTIONS) {
      this.#logger.error("Rejected more pods from manifest URL", {
        url: this.maskedUrl,
        more: rejected.length - LOGGED_REJECTIONS,
      });
    }
  }

  #reportUnknownFields(fields: string[]): void {
    if (fields.length === 0) return;
    this.#logger.warn("Ignoring unknown fields in pods from manifest URL", {
      url: this.maskedUrl,
      fields: fields.slice(0, LOGGED_REJECTIONS).join(", "),
      ...(fields.length > LOGGED_REJECTIONS ? { more: fields.length - LOGGED_REJECTIONS } : {}),
    });
  }

  #succeeded(): void {
    if (this.#failures > 0) {
      this.#logger.info("Successfully read pods from manifest URL", {
        url: this.maskedUrl,
        afterFailures: this.#failures,
      });
    }
    this.#failures = 0;
  }
}
