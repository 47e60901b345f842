/**
 * Reading the KubeletConfiguration file (`--config`) and its drop-ins
 * (`--config-dir`): strict decoding of kubelet.config.k8s.io/v1beta1 in YAML or
 * JSON, relative paths resolved against the file's directory, drop-ins applied
 * as JSON merge-patches in lexical order. YAML is read with the kubelet's rules
 * (YAML 1.1: `yes` is a boolean, `0644` octal; merge keys; see
 * src/util/kube_yaml.ts), as it reads the file with sigs.k8s.io/yaml.
 *
 * @module
 */

import { dirname, isAbsolute, join, resolve } from "../util/posix_path.ts";
import { parse } from "yaml";
import { errText } from "../util/err_text.ts";
import { hasAliasCycle, KUBE_YAML_OPTIONS } from "../util/kube_yaml.ts";
import { mergePatch } from "./merge_patch.ts";
import { OptionsError } from "./options_error.ts";
import { IGNORED_FIELDS, LOGGING_FIELDS } from "./_config_fields.ts";
import { AUTH_BLOCK_FIELDS } from "./_settings_server.ts";
import { BY_FIELD } from "./_settings.ts";

/** The config file's apiVersion. */
export const KUBELET_CONFIG_API_VERSION = "kubelet.config.k8s.io/v1beta1";
/** The config file's kind. */
export const KUBELET_CONFIG_KIND = "KubeletConfiguration";

/** Fields holding paths, resolved against the directory of the file that sets them. */
const PATH_FIELDS = [
  "staticPodPath",
  "podLogsDir",
  "tlsCertFile",
  "tlsPrivateKeyFile",
  "authentication.x509.clientCAFile",
];

/**
 * The dotted leaves of a nested block (`authentication.webhook.enabled`), or
 * the reason the block is not a mapping.
 */
function leaves(prefix: string, value: unknown, known: ReadonlySet<string>): string[] {
  if (!isObject(value)) return [prefix];
  const out: string[] = [];
  for (const [k, v] of Object.entries(value)) {
    const path = `${prefix}.${k}`;
    if (known.has(path) || !isObject(v)) out.push(path);
    else out.push(...leaves(path, v, known));
  }
  return out;
}

/** One directory entry as {@linkcode LoadConfigurationOptions.readDir} returns it. */
export interface ConfigDirEntry {
  name: string;
  isDirectory: boolean;
}

/** How config files are read; tests pass fakes. */
export interface LoadConfigurationOptions {
  /** Reads one file. @default Deno.readTextFile (needs --allow-read) */
  readTextFile?: (path: string) => Promise<string>;
  /** Lists a directory. @default Deno.readDir (needs --allow-read) */
  readDir?: (path: string) => Promise<ConfigDirEntry[]>;
}

/** The merged configuration documents, before typing and defaults. */
export interface LoadedConfiguration {
  /** Merged fields (no apiVersion/kind), relative paths already resolved. */
  fields: Record<string, unknown>;
  /** Dotted field path → the file that last set it. */
  origins: Map<string, string>;
  /** Files read, in the order applied. */
  files: string[];
  /** One line per ignored field. */
  warnings: string[];
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

async function denoReadDir(path: string): Promise<ConfigDirEntry[]> {
  const out: ConfigDirEntry[] = [];
  for await (const e of Deno.readDir(path)) out.push({ name: e.name, isDirectory: e.isDirectory });
  return out;
}

function firstLine(e: unknown): string {
  return errText(e).split("\n")[0].trim();
}

/**
 * Decodes one KubeletConfiguration document strictly: it must be an object with
 * the v1beta1 apiVersion and kind, and every field must be a KubeletConfiguration
 * field. Relative `staticPodPath` and `podLogsDir` are resolved against the
 * directory of `path`. Returns the fields without apiVersion/kind and warnings
 * for fields denolet ignores.
 *
 * @throws {OptionsError} naming the file and the field at fault.
 */
export function decodeKubeletConfiguration(
  text: string,
  path: string,
): { fields: Record<string, unknown>; warnings: string[] } {
  let doc: unknown;
  try {
    // prettyErrors: the first line of a syntax error says where it is.
    doc = parse(text, { ...KUBE_YAML_OPTIONS, prettyErrors: true });
  } catch (e) {
    throw new OptionsError(`Cannot parse config file '${path}': ${firstLine(e)}`, path);
  }
  if (hasAliasCycle(doc)) {
    throw new OptionsError(
      `Cannot parse config file '${path}': an alias refers to a node that contains it`,
      path,
    );
  }
  if (doc === null || doc === undefined) {
    throw new OptionsError(`Cannot parse config file '${path}': the file is empty`, path);
  }
  if (!isObject(doc)) {
    throw new OptionsError(`Cannot parse config file '${path}': not a mapping of fields`, path);
  }
  const { apiVersion, kind, ...fields } = doc;
  const head = [
    ["apiVersion", apiVersion, KUBELET_CONFIG_API_VERSION],
    ["kind", kind, KUBELET_CONFIG_KIND],
  ] as const;
  for (const [field, value, want] of head) {
    if (value === want) continue;
    throw new OptionsError(
      `invalid value ${
        JSON.stringify(value ?? "")
      } for field ${field} in '${path}': must be "${want}"`,
      path,
    );
  }
  const warnings: string[] = [];
  for (const [key, value] of Object.entries(fields)) {
    if (key === "logging") {
      if (value !== null && !isObject(value)) {
        throw new OptionsError(
          `invalid value ${JSON.stringify(value)} for field logging in '${path}': not a mapping`,
          path,
        );
      }
      for (const sub of Object.keys(value ?? {})) {
        if (!LOGGING_FIELDS.has(sub)) {
          throw new OptionsError(`unknown field "logging.${sub}" in config file '${path}'`, path);
        }
        if (!BY_FIELD.has(`logging.${sub}`)) {
          warnings.push(`config field logging.${sub} in '${path}' is not supported and ignored`);
        }
      }
    } else if (key === "authentication" || key === "authorization") {
      if (value !== null && !isObject(value)) {
        throw new OptionsError(
          `invalid value ${JSON.stringify(value)} for field ${key} in '${path}': not a mapping`,
          path,
        );
      }
      for (const leaf of leaves(key, value ?? {}, AUTH_BLOCK_FIELDS)) {
        if (!AUTH_BLOCK_FIELDS.has(leaf)) {
          throw new OptionsError(`unknown field "${leaf}" in config file '${path}'`, path);
        }
      }
    } else if (IGNORED_FIELDS.has(key)) {
      warnings.push(`config field ${key} in '${path}' is not supported and ignored`);
    } else if (!BY_FIELD.has(key)) {
      throw new OptionsError(`unknown field "${key}" in config file '${path}'`, path);
    }
  }
  for (const key of PATH_FIELDS) {
    const parts = key.split(".");
    const last = parts.pop()!;
    let holder: unknown = fields;
    for (const part of parts) holder = isObject(holder) ? holder[part] : undefined;
    if (!isObject(holder)) continue;
    const v = holder[last];
    if (typeof v === "string" && v !== "" && !isAbsolute(v)) {
      holder[last] = resolve(dirname(path), v);
    }
  }
  return { fields, warnings };
}

function getPath(obj: Record<string, unknown>, dotted: string): unknown {
  let cur: unknown = obj;
  for (const part of dotted.split(".")) {
    if (!isObject(cur)) return undefined;
    cur = cur[part];
  }
  return cur;
}

/**
 * Reads `configFile` (if given), then every `*.conf` file directly in
 * `configDir` (if given) in lexical order, each applied as a JSON merge-patch
 * over the result so far. Paths must be absolute.
 *
 * Needs --allow-read on `configFile` and `configDir` (with the default readers).
 *
 * @throws {OptionsError} when a file cannot be read or decoded.
 */
export async function loadKubeletConfiguration(
  configFile: string | undefined,
  configDir: string | undefined,
  options: LoadConfigurationOptions = {},
): Promise<LoadedConfiguration> {
  const readTextFile = options.readTextFile ?? ((p: string) => Deno.readTextFile(p));
  const readDir = options.readDir ?? denoReadDir;
  const files: string[] = [];
  if (configFile !== undefined) files.push(configFile);
  if (configDir !== undefined) {
    let entries: ConfigDirEntry[];
    try {
      entries = await readDir(configDir);
    } catch (e) {
      throw new OptionsError(`Cannot read config dir '${configDir}': ${firstLine(e)}`, configDir);
    }
    const names = entries
      .filter((e) => !e.isDirectory && e.name.endsWith(".conf"))
      .map((e) => e.name)
      .sort();
    for (const name of names) files.push(join(configDir, name));
  }
  let fields: Record<string, unknown> = {};
  const origins = new Map<string, string>();
  const warnings: string[] = [];
  for (const file of files) {
    let text: string;
    try {
      text = await readTextFile(file);
    } catch (e) {
      throw new OptionsError(`Cannot read config file '${file}': ${firstLine(e)}`, file);
    }
    const decoded = decodeKubeletConfiguration(text, file);
    warnings.push(...decoded.warnings);
    fields = mergePatch(fields, decoded.fields) as Record<string, unknown>;
    for (const field of BY_FIELD.keys()) {
      const v = getPath(decoded.fields, field);
      if (v === null) origins.delete(field);
      else if (v !== undefined) origins.set(field, file);
    }
  }
  return { fields, origins, files, warnings };
}

/** The value at a dotted field path of a decoded configuration. */
export function configField(fields: Record<string, unknown>, dotted: string): unknown {
  return getPath(fields, dotted);
}
