/**
 * The agent's configuration, the one door callers outside src/options use:
 * flags and the KubeletConfiguration file resolved into
 * {@linkcode KubeletOptions} by {@linkcode loadKubeletOptions} (an
 * {@linkcode OptionsError}'s message is printed as one line), the form logged
 * at start, the version text, and the Deno permission allow-lists computed
 * from the options (scripts/run.ts and scripts/compile.ts).
 *
 * ```ts
 * const result = await loadKubeletOptions(Deno.args);
 * if (result.kind === "run") console.log(permissionFlags(computePermissions(result.options)));
 * ```
 *
 * The other files here (flag parsing, config decoding, durations, merge-patch,
 * help) are the folder's own; their tests import them directly.
 *
 * @module
 */

export {
  type ApiServerAccess,
  DEFAULT_POD_NETWORK_CIDR,
  type KubeletOptions,
  type KubeletOptionsResult,
  loadKubeletOptions,
  type LoadOptions,
} from "./kubelet_options.ts";
export { MASKED, maskedConfigForLog } from "./masked_config_for_log.ts";
export { OptionsError } from "./options_error.ts";
export {
  computeAgentPermissions,
  computePermissions,
  DEFAULT_ENV_VARS,
  type HostPathGrants,
  type ManifestReadIO,
  permissionFlags,
  type Permissions,
  type PermissionsExtra,
  podHostPaths,
  servesSystemLogs,
  SYSTEM_LOG_DIR,
  TLS_ENV_VARS,
  YAML_ENV_VARS,
} from "./permissions.ts";
export { DENOLET_VERSION, KUBELET_COMPATIBLE_VERSION, versionText } from "./version.ts";
