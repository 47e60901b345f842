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
import { HTTP_SOURCE } from "../api/pod_helpers.ts";
import type { Clock } from "../util/clock.ts";
import { errText } from "../util/err_text.ts";
import { type Logger, nullLogger } from "../util/logger.ts";
import { maskUrl, maskUrlIn } from "../util/mask_url.ts";
import { runEvery } from "../util/run_every.ts";
import { readBody, sameBytes } from "./_http_body.ts";
import { HttpSourceReporter } from "./_http_reporter.ts";
import { decodePodOrList, decodeText, MAX_CONFIG_LENGTH, oneLine } from "./_manifest.ts";
import type { PodSource } from "./pod_update.ts";

/** Options for {@linkcode HttpSource}. */
export interface HttpSourceOptions {
  /** The node name; pods are named `<name>-<lowercased node name>`. */
  nodeName: string;
  /** Times the polls and each request's time limit. */
  clock: Clock;
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

/**
 * The manifest URL source. {@linkcode HttpSource.pollOnce} is the step tests call;
 * {@linkcode HttpSource.run} repeats it.
 *
 * Requires `--allow-net` for the URL's host.
 */
export class HttpSource implements PodSource {
  readonly name = HTTP_SOURCE;
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
  #reporter: HttpSourceReporter;
  #lastBody: Uint8Array | undefined;
  #lastBodyOk = false;

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
    this.#clock = options.clock;
    this.#logger = options.logger ?? nullLogger;
    this.#reporter = new HttpSourceReporter(this.maskedUrl, this.#logger);
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
    return this.#reporter.failures;
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
      return this.#fail(`${this.maskedUrl}: ${this.#maskedMessage(err)}`);
    } finally {
      cancelTimer();
      signal?.removeEventListener("abort", onAbort);
    }
    return this.#decode(body);
  }

  /**
   * Polls at once, then every `checkFrequencyMs`, sending each new pod set, until
   * `signal` aborts. Errors never send, so the source is ready only after a poll
   * that succeeds.
   */
  run(send: (pods: Pod[]) => void, signal: AbortSignal): Promise<void> {
    let lastDefect: string | undefined;
    return runEvery(async () => {
      const result = await this.pollOnce(signal);
      if (result.kind === "pods" && !signal.aborted) send(result.pods);
      lastDefect = undefined;
    }, {
      clock: this.#clock,
      periodMs: this.#period,
      signal,
      // pollOnce returns its failures; a throw is a defect. Report it once, go on.
      onError: (err) => {
        const message = this.#maskedMessage(err);
        if (message !== lastDefect) {
          this.#logger.error("Manifest URL poll failed unexpectedly", {
            url: this.maskedUrl,
            err: message,
          });
        }
        lastDefect = message;
      },
    });
  }

  /** Decodes a body unless it equals the last one. */
  #decode(body: Uint8Array): HttpPollResult {
    if (sameBytes(this.#lastBody, body)) {
      // A known bad body was reported already; a known good one is still good.
      if (this.#lastBodyOk) this.#reporter.succeeded();
      return { kind: "unchanged" };
    }
    // Remember the bytes before decoding: a bad body is not re-parsed until it changes.
    this.#lastBody = body;
    this.#lastBodyOk = false;
    if (body.length === 0) {
      this.#logger.debug(2, "Empty body from manifest URL: no pods", { url: this.maskedUrl });
      this.#lastBodyOk = true;
      this.#reporter.succeeded();
      return { kind: "pods", pods: [] };
    }
    const text = decodeText(body);
    if (text === undefined) return this.#fail(`${this.maskedUrl}: the body is not UTF-8 text`);
    let decoded: ReturnType<typeof decodePodOrList>;
    try {
      decoded = decodePodOrList(text, {
        source: HTTP_SOURCE,
        nodeName: this.#nodeName,
        location: this.url,
      });
    } catch (err) {
      // A defect, not bad input: reported like a bad body, and the loop goes on.
      decoded = { ok: false, reason: oneLine(`internal error: ${errText(err)}`) };
    }
    if (!decoded.ok) return this.#fail(`${this.maskedUrl}: ${decoded.reason}`);
    this.#lastBodyOk = true;
    this.#reporter.succeeded();
    this.#reporter.rejected(decoded.rejected ?? []);
    this.#reporter.unknownFields(decoded.unknownFields ?? []);
    return decoded.rejected
      ? { kind: "pods", pods: decoded.pods, rejected: decoded.rejected }
      : { kind: "pods", pods: decoded.pods };
  }

  /** The message of `err` on one line, with the URL in it masked. */
  #maskedMessage(err: unknown): string {
    return oneLine(maskUrlIn(errText(err), this.url));
  }

  #fail(reason: string): HttpPollResult {
    this.#reporter.failed(reason);
    return { kind: "error", reason };
  }
}
