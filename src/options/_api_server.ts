/**
 * `--kubeconfig` checked at load: the kubeconfig is read (with the files it
 * names) so that a bad or missing one stops the agent with one line naming
 * the file and the field, and the permissions can grant exactly the API
 * server and those files. The credentials themselves are not kept here:
 * the API client loads the kubeconfig again when it starts.
 *
 * @module
 */

import { KubeconfigError, loadKubeconfig } from "../client/kubeconfig.ts";
import { OptionsError } from "./options_error.ts";

/** What the options know of the API server: enough to grant access, no secrets. */
export interface ApiServerAccess {
  /** The kubeconfig's `server` (scheme, host, port, path prefix). */
  server: string;
  /** The kubeconfig and every certificate, key and token file it names, absolute. */
  files: string[];
  /** `insecure-skip-tls-verify` of the current cluster. */
  insecureSkipTLSVerify: boolean;
}

/**
 * Loads the kubeconfig at `path` (absolute).
 *
 * @throws {OptionsError} with the kubeconfig's one-line message, subject `--kubeconfig`.
 */
export async function loadApiServerAccess(
  path: string,
  readTextFile: ((path: string) => Promise<string>) | undefined,
): Promise<ApiServerAccess> {
  try {
    const kc = await loadKubeconfig(path, { readTextFile });
    return { server: kc.server, files: kc.files, insecureSkipTLSVerify: kc.insecureSkipTLSVerify };
  } catch (e) {
    if (e instanceof KubeconfigError) throw new OptionsError(e.message, "--kubeconfig");
    throw e;
  }
}
