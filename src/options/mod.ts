/**
 * Flags, the KubeletConfiguration file, validation and the permission set.
 * main.ts calls {@linkcode loadKubeletOptions} and prints an
 * {@linkcode OptionsError}'s message as one line.
 *
 * @module
 */

export { formatDuration, parseDuration } from "./duration.ts";
export {
  EMBEDDED_ENDPOINT,
  EMBEDDED_SOCKET_NAME,
  endpointSocketPath,
} from "./endpoint_socket_path.ts";
export { helpText } from "./help_text.ts";
export {
  type ConfigDirEntry,
  decodeKubeletConfiguration,
  KUBELET_CONFIG_API_VERSION,
  KUBELET_CONFIG_KIND,
  loadKubeletConfiguration,
} from "./kubelet_configuration.ts";
export {
  type KubeletOptions,
  type KubeletOptionsResult,
  loadKubeletOptions,
  type LoadOptions,
} from "./kubelet_options.ts";
export { MASKED, maskedConfigForLog } from "./masked_config_for_log.ts";
export { mergePatch } from "./merge_patch.ts";
export { OptionsError } from "./options_error.ts";
export { type ParsedFlags, parseKubeletFlags } from "./parse_kubelet_flags.ts";
export {
  computeAgentPermissions,
  computePermissions,
  type HostPathGrants,
  type ManifestReadIO,
  permissionFlags,
  type Permissions,
  type PermissionsExtra,
  podHostPaths,
  YAML_ENV_VARS,
} from "./permissions.ts";
export { DENOLET_VERSION, KUBELET_COMPATIBLE_VERSION, versionText } from "./version.ts";
