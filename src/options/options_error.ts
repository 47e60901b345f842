/**
 * The one error kind configuration loading throws: main.ts prints its message as a
 * single line and exits 1, without a stack trace.
 *
 * @module
 */

/**
 * A bad flag, config field, config file or contradiction between settings. The
 * message is one line naming the flag or field and the bad value, e.g.
 * `invalid value "90x" for flag --image-gc-high-threshold: not an integer`.
 */
export class OptionsError extends Error {
  /** The flag (`--max-pods`) or field (`maxPods in /etc/kubelet.yaml`) at fault, if one. */
  readonly subject?: string;

  constructor(message: string, subject?: string) {
    super(message);
    this.name = "OptionsError";
    this.subject = subject;
  }
}
